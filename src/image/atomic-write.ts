// Writing a file so that it either appears whole or not at all, and never replaces another:
// write a temporary file beside it, then link it into place (link fails if the name exists).
import { closeSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes `data` to `file` atomically. Without `overwrite`, fails with EEXIST when `file` exists,
 * even if it appears while we write (no check-then-write race).
 */
export function writeFileAtomic(file: string, data: Uint8Array, { overwrite = false } = {}): void {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (overwrite) renameSync(tmp, file);
    else linkSync(tmp, file);
  } finally {
    try { unlinkSync(tmp); } catch { /* renamed away */ }
  }
}
