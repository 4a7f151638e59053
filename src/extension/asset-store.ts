// The output folder on disk: saving generated images atomically under names that never
// overwrite (reading them back is image-reader.ts).
// Node fs only, no VS Code, so it is tested on a temporary folder.

import { makeFolder, removeStaleTempFiles, whyWriteFailed, writeNewFile, type LinkFunction } from '../image/atomic-write';
import type { ImageParameters } from '../image/parameters';
import { nthName, resolveInside } from './naming';

export const IMAGE_EXTENSIONS = /\.(png|webp|jpe?g)$/i;
const MAX_ALTERNATIVES = 10000;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Writes `bytes` into `folder` as `fileName`, or `name-2.ext`, `name-3.ext` … when taken, and
 * returns the path written. Never replaces a file, with or without hard links (writeNewFile);
 * clears the temporary files a killed save left; a failure names the folder and the fix.
 * `link` is for the tests of file systems without hard links.
 */
export async function saveUnique(folder: string, fileName: string, bytes: Uint8Array, link?: LinkFunction): Promise<string> {
  resolveInside(folder, fileName); // refuses names that are not plain
  try {
    await makeFolder(folder);
    await removeStaleTempFiles(folder);
    return await writeNewFile(folder, alternativePaths(folder, fileName), bytes, link);
  } catch (err) {
    throw saveError(err, folder, fileName);
  }
}

function* alternativePaths(folder: string, fileName: string): Generator<string> {
  for (let n = 1; n <= MAX_ALTERNATIVES; n++) yield resolveInside(folder, nthName(fileName, n));
}

const SAVE_FIX: Record<string, string> = {
  ENOSPC: 'Free some space, or set pixart.outputFolder to a folder on another disk.',
  EDQUOT: 'Free some space, or set pixart.outputFolder to a folder on another disk.',
  ENAMETOOLONG: 'Shorten pixart.fileNameTemplate.',
};

function saveError(err: unknown, folder: string, fileName: string): Error {
  const why = whyWriteFailed(err, folder);
  if (!why) return err instanceof Error ? err : new Error(String(err));
  return new Error(`${fileName} was not saved: ${why}. ${SAVE_FIX[errno(err) ?? ''] ?? 'Set pixart.outputFolder to a folder you can write to.'}`);
}

export interface StoredImage {
  file: string;
  path: string;
  mtimeMs: number;
  size: number;
  parameters?: ImageParameters;
}
