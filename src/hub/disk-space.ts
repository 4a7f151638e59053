// Free space before a download: the bytes still to fetch, plus a margin, must fit on the disk
// holding the cache, or nothing starts.
import { promises as fsp } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { HubError } from './hub-errors';
import { formatBytes } from './units';

/** Room kept free beyond the download (file system metadata, the refs, other writers). */
export const DISK_MARGIN = 64 * 1024 * 1024;

/** Free bytes for an unprivileged writer on the disk holding `folder` (or its nearest existing parent). */
export async function freeBytes(folder: string): Promise<number> {
  for (let dir = resolve(folder); ; dir = dirname(dir)) {
    try {
      const st = await fsp.statfs(dir);
      return Number(st.bavail) * Number(st.bsize);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(dir) === dir) throw err;
    }
  }
}

/** Refuses, with the needed and free sizes and the folder, when `needed` bytes and the margin do not fit. */
export async function checkDiskSpace(folder: string, needed: number, free: (folder: string) => Promise<number> = freeBytes): Promise<void> {
  if (needed <= 0) return;
  const available = await free(folder);
  if (needed + DISK_MARGIN <= available) return;
  throw new HubError(
    'disk-space',
    `not enough disk space: the download needs ${formatBytes(needed)} (and ${formatBytes(DISK_MARGIN)} to spare) but the disk holding ${folder} has ${formatBytes(available)} free. ` +
      'Free some space, or put the cache on a larger disk (HF_HUB_CACHE, or --cache-dir).',
  );
}
