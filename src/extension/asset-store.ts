// The output folder on disk: saving generated images atomically under names that never
// overwrite, and listing the gallery (newest first) from the files' own metadata.
// Node fs only, no VS Code, so it is tested on a temporary folder.

import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { nthName, resolveInside } from './naming';

export const IMAGE_EXTENSIONS = /\.(png|webp|jpe?g)$/i;
const MAX_ALTERNATIVES = 10000;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Writes `bytes` into `folder` as `fileName`, or `name-2.ext`, `name-3.ext` … when taken.
 * Atomic: the bytes go to a temporary file first, and the final name appears only complete
 * (hard link, which fails instead of replacing; rename after an existence check where the file
 * system has no hard links). Returns the path written.
 */
export async function saveUnique(folder: string, fileName: string, bytes: Uint8Array): Promise<string> {
  await fs.mkdir(folder, { recursive: true });
  resolveInside(folder, fileName); // refuses names that are not plain
  const temp = resolveInside(folder, `.pixart-${randomBytes(6).toString('hex')}.tmp`);
  await fs.writeFile(temp, bytes, { flag: 'wx' });
  let linkWorks = true;
  try {
    for (let n = 1; n <= MAX_ALTERNATIVES; n++) {
      const target = resolveInside(folder, nthName(fileName, n));
      if (linkWorks) {
        try {
          await fs.link(temp, target);
          return target;
        } catch (err) {
          const code = errno(err);
          if (code === 'EEXIST') continue;
          if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV' || code === 'ENOSYS') linkWorks = false;
          else throw err;
        }
      }
      try {
        await fs.access(target);
        continue; // taken
      } catch {
        await fs.rename(temp, target);
        return target;
      }
    }
    throw new Error(`no free file name for ${fileName} in ${folder}`);
  } finally {
    await fs.rm(temp, { force: true });
  }
}
