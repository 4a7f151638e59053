// Shared by the packaging tests: the wheel table, wheels from the cache, and single files out of zips.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureWheel } from '../../scripts/lib/wheel-cache.mjs';
import { walkZip } from '../../scripts/lib/zip.mjs';

export const repoRoot = join(__dirname, '..', '..');

export interface WheelSpec {
  os: 'linux' | 'win32' | 'darwin';
  cpu: string;
  libc?: string;
  binary: { format: string; arch: string };
  platform: string;
  wheel: string;
  sha256: string;
}

export const wheels: { version: string; pythonVersion: string; targets: Record<string, WheelSpec>; withoutWheel: Record<string, string> } = JSON.parse(
  readFileSync(join(repoRoot, 'scripts', 'openvino-wheels.json'), 'utf8'),
);

/** The verified wheel of `target` (fetched into the wheel cache when missing). */
export function wheelOf(target: string): Promise<string> {
  return ensureWheel(wheels.targets[target], wheels, { log: (m: string) => console.log(`${m}`) });
}

/** The bytes of the zip entries whose names `want` accepts, by name. */
export async function readEntries(zip: string, want: (name: string) => boolean): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  await walkZip(zip, async (e) => {
    if (want(e.name)) out.set(e.name, await e.read());
  });
  return out;
}
