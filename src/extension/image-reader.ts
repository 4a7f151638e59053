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

/** Images in the output folder, newest first, at most `limit`; parameters read from each file (cached by name and mtime). */
export class Gallery {
  private cache = new Map<string, { mtimeMs: number; parameters?: ImageParameters }>();

  constructor(private readonly reader: ParametersReader = defaultReader()) {}

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
        const st = await fs.lstat(p); // a link is not a file here
        if (st.isFile()) found.push({ file, path: p, mtimeMs: st.mtimeMs, size: st.size });
      } catch {
        /* vanished meanwhile */
      }
    }
    found.sort((a, b) => b.mtimeMs - a.mtimeMs || b.file.localeCompare(a.file));
    const out = found.slice(0, limit);
    const unread = out.filter((item) => this.cache.get(item.path)?.mtimeMs !== item.mtimeMs);
    const read = await this.reader.read(unread.map((item) => item.path));
    unread.forEach((item, i) => this.cache.set(item.path, { mtimeMs: item.mtimeMs, parameters: read[i] }));
    for (const item of out) item.parameters = this.cache.get(item.path)?.parameters;
    return out;
  }
}
