// One image's parameters for the hover and its links, read so that no file can hold the host up:
// only regular files (not links) inside a workspace folder, at most MAX_BYTES, parsed in the
// gallery's reading thread (metadata-worker.ts), and given up after TIME_LIMIT_MS (the thread
// itself is ended after its own timeout). Cached by path, size and mtime. Node only, no VS Code.

import { promises as fs } from 'node:fs';
import type { ImageParameters } from '../../image/parameters';
import type { ParametersReader } from '../metadata-worker';
import { isInside } from '../naming';
import { realPathOf } from '../settings';

/** Larger files are not read for a hover (PixArt's largest PNG is a few MB). */
export const MAX_BYTES = 64 * 1024 * 1024;
export const TIME_LIMIT_MS = 2_000;

export interface BoundedRead {
  parameters?: ImageParameters;
  /** Why there are none, in words for the user. */
  why: string;
  /** The file's size and mtime, when it was looked at. */
  size?: number;
  mtimeMs?: number;
}

export class BoundedReader {
  private readonly cache = new Map<string, { stamp: string; read: BoundedRead }>();

  /** `roots`: the workspace folders' paths now. */
  constructor(private readonly reader: ParametersReader, private readonly roots: () => readonly string[], private readonly timeLimitMs = TIME_LIMIT_MS) {}

  /** Whether `file`'s real path lies inside a workspace folder's real path. */
  async inWorkspace(file: string): Promise<boolean> {
    const real = await realPathOf(file);
    if (!real) return false;
    for (const root of this.roots()) {
      const r = await realPathOf(root);
      if (r && isInside(r, real)) return true;
    }
    return false;
  }

  async read(file: string): Promise<BoundedRead> {
    const st = await fs.lstat(file).catch(() => undefined);
    if (!st) return { why: 'the file does not exist.' };
    if (!st.isFile()) return { why: 'it is not a regular file (a link or a folder).' };
    if (!(await this.inWorkspace(file))) return { why: 'it lies outside the workspace.' };
    if (st.size > MAX_BYTES) return { why: `it is larger than ${MAX_BYTES / 1024 / 1024} MB.`, size: st.size, mtimeMs: st.mtimeMs };
    const stamp = `${st.size}:${st.mtimeMs}`;
    const hit = this.cache.get(file);
    if (hit?.stamp === stamp) return hit.read;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), this.timeLimitMs)));
    const got = await Promise.race([this.reader.read([file]).then((r) => r[0]), late]).finally(() => clearTimeout(timer));
    if (got === 'late') return { why: 'reading its parameters took too long.', size: st.size, mtimeMs: st.mtimeMs };
    const read: BoundedRead = got ? { parameters: got, why: '', size: st.size, mtimeMs: st.mtimeMs } : { why: 'it carries no generation parameters.', size: st.size, mtimeMs: st.mtimeMs };
    if (this.cache.size > 500) this.cache.clear();
    this.cache.set(file, { stamp, read });
    return read;
  }
}
