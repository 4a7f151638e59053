// What `pixart generate` checks before it loads a model, so that a bad --out or --cache-dir costs
// a second, not a generation: its format can be written (WebP/JPEG need sharp), each output's
// folder exists and takes files, no output is a folder, none exists unless --force, and the cache
// folder can be made. Temporary files that a killed run left in those folders are removed on the way.
import { promises as fs, constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { makeFolder, removeStaleTempFiles } from '../image/atomic-write';
import { canEncode } from '../image/encode';
import type { ImageFormat } from '../protocol/messages';
import { UsageError } from './args';

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

async function checkFolder(folder: string): Promise<void> {
  const st = await fs.stat(folder).catch((err: unknown) => {
    throw new UsageError(errno(err) === 'ENOENT' ? `--out: the folder ${folder} does not exist; create it first` : `--out: cannot use the folder ${folder} (${errno(err)})`);
  });
  if (!st.isDirectory()) throw new UsageError(`--out: ${folder} is not a folder`);
  await fs.access(folder, constants.W_OK).catch((err: unknown) => {
    throw new UsageError(`--out: cannot write in ${folder} (${errno(err) === 'EROFS' ? 'read-only file system' : 'permission denied'}); choose another --out`);
  });
  await removeStaleTempFiles(folder);
}

async function checkFile(file: string, force: boolean): Promise<void> {
  const st = await fs.lstat(file).catch(() => undefined);
  if (!st) return;
  if (st.isDirectory()) throw new UsageError(`--out: ${file} is a folder; name a .png, .webp or .jpg file`);
  if (!force) throw new UsageError(`${file} exists; choose another --out or pass --force to overwrite`);
}

/** Throws a UsageError naming the flag and the problem; creates --cache-dir. */
export async function checkOutputs(files: string[], format: ImageFormat, force: boolean, cacheDir: string | null): Promise<void> {
  if (!canEncode(format)) throw new UsageError(`--out: writing ${format === 'jpeg' ? 'JPEG' : 'WebP'} needs the optional sharp package, which is not installed; install it, or name a .png file`);
  for (const folder of new Set(files.map((f) => dirname(resolve(f))))) await checkFolder(folder);
  for (const file of files) await checkFile(file, force);
  if (cacheDir) {
    await makeFolder(cacheDir).catch((err: unknown) => {
      throw new UsageError(`--cache-dir: cannot create ${cacheDir} (${errno(err) ?? (err as Error).message}); choose another folder`);
    });
  }
}
