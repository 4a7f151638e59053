// The output folder on disk: saving generated images atomically under names that never
// overwrite, into the folder the user agreed to (its real path checked again as it is written),
// and, when that fails, to a file the user picks (reading them back is image-reader.ts).
// Node fs only, no VS Code, so it is tested on a temporary folder.

import { makeFolder, removeStaleTempFiles, whyWriteFailed, writeFileAtomic, writeNewFile, type LinkFunction } from '../image/atomic-write';
import type { ImageParameters } from '../image/parameters';
import { nthName, resolveInside } from './naming';
import { realPathOf } from './settings';

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

/** A generated image to save: its file name and bytes. */
export interface ImageToSave {
  name: string;
  bytes: Uint8Array;
}

export interface SavedImages {
  /** The paths written, in order. */
  files: string[];
  /** Why saving stopped, and the images not written (the one that failed and those after it). */
  failure?: { error: Error; unsaved: ImageToSave[] };
}

/**
 * Saves a job's images into `folder` in order (saveUnique), stopping at the first failure.
 * `realFolder` is the folder's real path when the user agreed to it (the Restricted Mode prompt
 * names it): a folder that now leads elsewhere, e.g. swapped for a symbolic link since, is not
 * written. Never throws: what was not saved comes back with its bytes, for Save As.
 */
export async function saveImages(folder: string, images: ImageToSave[], realFolder?: string): Promise<SavedImages> {
  const files: string[] = [];
  for (const [i, img] of images.entries()) {
    try {
      if (realFolder !== undefined) await checkStillLeadsTo(folder, realFolder, img.name);
      files.push(await saveUnique(folder, img.name, img.bytes));
    } catch (err) {
      return { files, failure: { error: err instanceof Error ? err : new Error(String(err)), unsaved: images.slice(i) } };
    }
  }
  return { files };
}

async function checkStillLeadsTo(folder: string, realFolder: string, fileName: string): Promise<void> {
  const now = await realPathOf(folder);
  if (now === realFolder) return;
  throw new Error(`${fileName} was not saved: the output folder ${folder} now leads ${now ? `to ${now}` : 'through a broken link'}, not to ${realFolder} as when the job was queued (a folder on the way was replaced by a symbolic link?).`);
}

/**
 * Writes `bytes` to the file the user picked in a save dialog (which asked before replacing an
 * existing file): atomically, so a failure leaves the old file or none; the message names it.
 */
export function saveImageAs(file: string, bytes: Uint8Array): void {
  writeFileAtomic(file, bytes, { overwrite: true });
}

export interface StoredImage {
  file: string;
  path: string;
  mtimeMs: number;
  size: number;
  parameters?: ImageParameters;
}
