// The output folder on disk: saving generated images atomically under names that never
// overwrite, and listing the gallery (newest first) from the files' own metadata.
// Node fs only, no VS Code, so it is tested on a temporary folder.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readPngText } from '../image/png';
import { fromParameters, PARAMETERS_KEY, type ImageParameters } from '../image/parameters';
import { makeFolder, removeStaleTempFiles, whyWriteFailed, writeNewFile, type LinkFunction } from '../image/atomic-write';
import { nthName, resolveInside } from './naming';

export const IMAGE_EXTENSIONS = /\.(png|webp|jpe?g)$/i;
/** Enough of a PNG to hold the text chunks we write before the image data. */
const PNG_HEAD_BYTES = 64 * 1024;
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

/** Reads the `parameters` text of an image file (PNG text chunks), or undefined. */
export async function readImageParameters(filePath: string, headOnly = false): Promise<ImageParameters | undefined> {
  if (!/\.png$/i.test(filePath)) return undefined;
  let buf: Buffer;
  if (headOnly) {
    const fh = await fs.open(filePath, 'r');
    try {
      const b = Buffer.alloc(PNG_HEAD_BYTES);
      const { bytesRead } = await fh.read(b, 0, b.length, 0);
      buf = b.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } else {
    buf = await fs.readFile(filePath);
  }
  try {
    const text = readPngText(buf)[PARAMETERS_KEY];
    return text ? fromParameters(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Images in the output folder, newest first, at most `limit`; parameters read from each PNG (cached by name and mtime). */
export class Gallery {
  private cache = new Map<string, { mtimeMs: number; parameters?: ImageParameters }>();

  async list(folder: string, limit = 100): Promise<StoredImage[]> {
    let names: string[];
    try {
      names = await fs.readdir(folder);
    } catch (err) {
      if (errno(err) === 'ENOENT') return [];
      throw err;
    }
    const found: StoredImage[] = [];
    for (const file of names) {
      if (!IMAGE_EXTENSIONS.test(file) || file.startsWith('.')) continue;
      const p = path.join(folder, file);
      try {
        const st = await fs.stat(p);
        if (st.isFile()) found.push({ file, path: p, mtimeMs: st.mtimeMs, size: st.size });
      } catch {
        /* vanished meanwhile */
      }
    }
    found.sort((a, b) => b.mtimeMs - a.mtimeMs || b.file.localeCompare(a.file));
    const out = found.slice(0, limit);
    for (const item of out) {
      const hit = this.cache.get(item.path);
      if (hit && hit.mtimeMs === item.mtimeMs) {
        item.parameters = hit.parameters;
      } else {
        item.parameters = await readImageParameters(item.path, true).catch(() => undefined);
        this.cache.set(item.path, { mtimeMs: item.mtimeMs, parameters: item.parameters });
      }
    }
    return out;
  }
}
