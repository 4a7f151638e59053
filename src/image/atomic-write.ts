// Writing a file so that it never replaces another and, where the file system allows, appears
// whole or not at all. The bytes go to a temporary file beside the target (same file system),
// fsynced, then hard-linked into place: link fails with EEXIST instead of replacing. Where the file
// system has no hard links (FAT/exFAT drives, some network shares and containers), the target is
// created exclusively (O_CREAT|O_EXCL, which also refuses a dangling symlink) and written in place.
// A temporary file that a killed process left behind is removed by a later write into its folder.
import type { FileHandle } from 'node:fs/promises';
import { promises as fsp, closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A temporary file older than this is garbage: no write takes an hour between two of its chunks. */
export const STALE_TEMP_MS = 60 * 60 * 1000;
const TEMP_NAME = /^\.pixart-[0-9a-f]{12}\.tmp$/;
/** What earlier CLI versions left: `.<name>.png.<hex>.tmp`. */
const OLD_CLI_TEMP_NAME = /^\..+\.png\.[0-9a-f]{12}\.tmp$/i;
/** link's refusals that mean "no hard links here", not "name taken". */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS']);

export type LinkFunction = (existingPath: string, newPath: string) => Promise<void>;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function tempPathIn(folder: string): string {
  return join(folder, `.pixart-${randomBytes(6).toString('hex')}.tmp`);
}

function isTempFileName(name: string): boolean {
  return TEMP_NAME.test(name) || OLD_CLI_TEMP_NAME.test(name);
}

/** Creates `file` (failing with false if any entry has that name), writes `data` and fsyncs it; removes it again if writing fails. */
async function writeExclusive(file: string, data: Uint8Array): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await fsp.open(file, 'wx');
  } catch (err) {
    if (errno(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fsp.rm(file, { force: true });
    throw err;
  }
  await handle.close();
  return true;
}

/**
 * Writes `data` under the first free path of `targets` (all in `folder`) and returns it. A taken
 * name, whatever the entry (a dangling symlink too), is skipped, never replaced. `link` is
 * fs.link; the tests pass one that fails as it does where there are no hard links.
 */
export async function writeNewFile(folder: string, targets: Iterable<string>, data: Uint8Array, link: LinkFunction = fsp.link): Promise<string> {
  const temp = tempPathIn(folder);
  if (!(await writeExclusive(temp, data))) throw new Error(`${temp} exists`);
  let hardLinks = true;
  try {
    for (const target of targets) {
      if (hardLinks) {
        try {
          await link(temp, target);
          return target;
        } catch (err) {
          if (errno(err) === 'EEXIST') continue;
          if (!NO_HARD_LINKS.has(errno(err) ?? '')) throw err;
          hardLinks = false;
        }
      }
      if (await writeExclusive(target, data)) return target;
    }
    throw new Error(`no free file name in ${folder}`);
  } finally {
    await fsp.rm(temp, { force: true });
  }
}

/**
 * Writes `data` to `file`, replacing it only with `overwrite`. Without it, fails when `file` exists,
 * even if it appears while we write (no check-then-write race).
 */
export function writeFileAtomic(file: string, data: Uint8Array, { overwrite = false } = {}): void {
  const temp = tempPathIn(dirname(file));
  try {
    writeSyncedSync(temp, data);
    if (overwrite) renameSync(temp, file);
    else linkOrCreateSync(temp, file, data);
  } catch (err) {
    const why = whyWriteFailed(err, dirname(file));
    throw why ? new Error(`${file} was not written: ${why}`) : err;
  } finally {
    rmSync(temp, { force: true });
  }
}

/** writeExclusive for the CLI, which writes synchronously; EEXIST is thrown. */
function writeSyncedSync(file: string, data: Uint8Array): void {
  const fd = openSync(file, 'wx');
  try {
    for (let done = 0; done < data.length; ) done += writeSync(fd, data, done);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(file, { force: true });
    throw err;
  }
  closeSync(fd);
}

function linkOrCreateSync(temp: string, file: string, data: Uint8Array): void {
  try {
    try {
      linkSync(temp, file);
    } catch (err) {
      if (!NO_HARD_LINKS.has(errno(err) ?? '')) throw err;
      writeSyncedSync(file, data);
    }
  } catch (err) {
    if (errno(err) === 'EEXIST') throw new Error(`${file} was created by something else while this image was being written; it was left as it was`);
    throw err;
  }
}

/** Removes the temporary files a killed writer left in `folder` (older than STALE_TEMP_MS, so never one being written). Returns how many. */
export async function removeStaleTempFiles(folder: string, now = Date.now()): Promise<number> {
  let names: string[];
  try {
    names = await fsp.readdir(folder);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names.filter(isTempFileName)) {
    const file = join(folder, name);
    try {
      const st = await fsp.lstat(file);
      if (!st.isFile() || now - st.mtimeMs < STALE_TEMP_MS) continue;
      await fsp.unlink(file);
      removed++;
    } catch {
      /* removed meanwhile */
    }
  }
  return removed;
}

/**
 * Creates `folder` and its missing parents one at a time. Not mkdir's `recursive`, which spins
 * for ever where mkdir answers ENOENT under an existing parent (/proc/x).
 */
export async function makeFolder(folder: string): Promise<void> {
  const missing: string[] = [];
  for (let dir = resolve(folder); ; dir = dirname(dir)) {
    try {
      if ((await fsp.stat(dir)).isDirectory()) break;
      throw Object.assign(new Error(`${dir} is not a folder`), { code: 'ENOTDIR' });
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
    }
    missing.push(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing.reverse()) {
    try {
      await fsp.mkdir(dir);
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
    }
  }
}

const WHY_WRITE_FAILED: Record<string, (folder: string) => string> = {
  ENOSPC: (f) => `the disk holding ${f} is full`,
  EDQUOT: (f) => `the disk quota for ${f} is used up`,
  EROFS: (f) => `${f} is on a read-only file system`,
  EACCES: (f) => `there is no permission to write in ${f}`,
  EPERM: (f) => `there is no permission to write in ${f}`,
  ENAMETOOLONG: (f) => `the file name is too long for the file system of ${f}`,
  ENOENT: (f) => `${f} does not exist`,
  ENOTDIR: (f) => `${f} is not a folder`,
};

/** Why writing into `folder` failed, in words naming the folder, for the errors a user can act on; else undefined. */
export function whyWriteFailed(err: unknown, folder: string): string | undefined {
  const code = errno(err);
  return code && WHY_WRITE_FAILED[code] ? `${WHY_WRITE_FAILED[code](folder)} (${code})` : undefined;
}
