// A fresh temporary folder (its real path) for one test, removed afterwards.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export async function inTempFolder(body: (folder: string) => Promise<void>, prefix = 'pixart-assets-'): Promise<void> {
  const folder = realpathSync(mkdtempSync(path.join(tmpdir(), prefix)));
  try {
    await body(folder);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
