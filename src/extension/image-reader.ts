// Reading images' parameters for the extension: one file (Reuse, Re-run, Insert), or the output
// folder's gallery, whose files are read off the extension host's thread (metadata-worker.ts) so
// that no file in a repository can stall VS Code. The gallery lists no symbolic links: we never
// write one, so a link in the folder came with it (a cloned repository) and may point at any of
// the user's files, which a thumbnail or the parameters reader would then read and show.
// Node only, no VS Code.

import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readFileParameters, type OpenOptions } from '../image/read-metadata';
import type { ImageParameters } from '../image/parameters';
import { IMAGE_EXTENSIONS, type StoredImage } from './asset-store';
import { MetadataWorker, type ParametersReader } from './metadata-worker';

/**
 * The parameters an image file (PNG, WebP, JPEG) carries, or undefined when it has none or cannot
 * be read; `followLinks: false` for the gallery's files (see above).
 */
export async function readImageParameters(filePath: string, options?: OpenOptions): Promise<ImageParameters | undefined> {
  try {
    return (await readFileParameters(filePath, options)).parameters;
  } catch {
    return undefined;
  }
}

/** Reads on this thread, one file per turn of the event loop (each read is bounded): the fallback. */
export const sameThreadReader: ParametersReader = {
  async read(files) {
    const out: (ImageParameters | undefined)[] = [];
    for (const f of files) out.push(await readImageParameters(f, { followLinks: false }));
    return out;
  },
};

/** The gallery thread when its bundle sits beside this one (dist/), else reading on this thread. */
function defaultReader(): ParametersReader {
  const script = path.join(__dirname, 'metadata-thread.js');
  return existsSync(script) ? MetadataWorker.fromScript(script) : sameThreadReader;
}

const errno = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code;

/**
 * The output folder's images, newest first: listed (names, sizes, mtimes: cheap) apart from their
 * parameters (a file read each, off this thread), which are cached by path and mtime, so a page of
 * the gallery or a picker reads only what it shows and nothing twice.
 */
export class Gallery {
  private cache = new Map<string, { mtimeMs: number; parameters?: ImageParameters }>();

  constructor(private readonly reader: ParametersReader = defaultReader()) {}

  /** Every image file in `folder`, newest first, with the parameters already read (none when the folder is missing). */
  async files(folder: string): Promise<StoredImage[]> {
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
        const st = await fs.lstat(p); // a link is not a file here
        if (st.isFile()) found.push({ file, path: p, mtimeMs: st.mtimeMs, size: st.size, parameters: this.cached(p, st.mtimeMs) });
      } catch {
        /* vanished meanwhile */
      }
    }
    return found.sort((a, b) => b.mtimeMs - a.mtimeMs || b.file.localeCompare(a.file));
  }

  /** Reads the parameters of those of `images` not read yet, in place; returns `images`. */
  async withParameters(images: StoredImage[]): Promise<StoredImage[]> {
    const unread = images.filter((item) => this.cache.get(item.path)?.mtimeMs !== item.mtimeMs);
    const read = await this.reader.read(unread.map((item) => item.path));
    unread.forEach((item, i) => this.cache.set(item.path, { mtimeMs: item.mtimeMs, parameters: read[i] }));
    for (const item of images) item.parameters = this.cached(item.path, item.mtimeMs);
    return images;
  }

  /** The newest `limit` images of `folder` with their parameters. */
  async list(folder: string, limit = 100): Promise<StoredImage[]> {
    return this.withParameters((await this.files(folder)).slice(0, limit));
  }

  private cached(file: string, mtimeMs: number): ImageParameters | undefined {
    const c = this.cache.get(file);
    return c?.mtimeMs === mtimeMs ? c.parameters : undefined;
  }
}
