// The Hugging Face cache, laid out as Python's huggingface_hub lays it out, so that a model one of
// them downloaded is the other's too:
//   models--{owner}--{name}/blobs/<sha256 for LFS files, git blob id otherwise>
//   models--{owner}--{name}/snapshots/<commit>/<path>  → relative symlink to ../../blobs/<hash>
//   models--{owner}--{name}/refs/<revision>            the commit the revision last resolved to
// Where symlinks cannot be made (Windows without developer mode) a snapshot entry is a hard link
// to the blob, else a copy: what Python falls back to, without losing the blob for other commits.
import { promises as fsp } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { getRepoFolderName } from '@huggingface/hub';
import { makeFolder, writeFileAtomic } from '../image/atomic-write';
import type { RepoFile } from './types';

export const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** A file's blob name and the size its bytes must have. */
export function blobName(f: RepoFile): string {
  const name = f.lfs?.oid ?? f.oid;
  if (!name || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(name)) throw new Error(`the hub's listing gives no usable hash for ${f.path} (oid ${JSON.stringify(name)})`);
  return name;
}

export const expectedSize = (f: RepoFile) => f.lfs?.size ?? f.size;

/** Where a selected file stands in the cache. */
export type CacheState =
  | { state: 'linked' }
  | { state: 'blob' }
  /** Not there; `have` bytes of it wait in `blobs/<hash>.incomplete`. */
  | { state: 'missing'; have: number };

async function sizeIfFile(path: string): Promise<number | undefined> {
  try {
    const st = await fsp.stat(path);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

export class RepoCache {
  readonly folder: string;

  constructor(readonly cacheDir: string, readonly repo: string) {
    this.folder = join(cacheDir, getRepoFolderName({ type: 'model', name: repo }));
  }

  get blobsDir(): string {
    return join(this.folder, 'blobs');
  }

  blobPath(f: RepoFile): string {
    return join(this.blobsDir, blobName(f));
  }

  snapshotDir(commit: string): string {
    return join(this.folder, 'snapshots', commit);
  }

  entryPath(commit: string, path: string): string {
    return join(this.snapshotDir(commit), ...path.split('/'));
  }

  /** The commit `revision` resolved to when it was last downloaded (a commit hash is its own). */
  async readRef(revision: string): Promise<string | undefined> {
    if (COMMIT_HASH.test(revision)) return revision;
    try {
      const commit = (await fsp.readFile(join(this.folder, 'refs', ...revision.split('/')), 'utf8')).trim();
      return COMMIT_HASH.test(commit) ? commit : undefined;
    } catch {
      return undefined;
    }
  }

  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const file = join(this.folder, 'refs', ...revision.split('/'));
    await makeFolder(dirname(file));
    writeFileAtomic(file, Buffer.from(commit), { overwrite: true });
  }

  /** Whether `f` is in the snapshot already, or its blob is (from another commit, or from Python), or how much of it a stopped download left. */
  async state(commit: string, f: RepoFile): Promise<CacheState> {
    const size = expectedSize(f);
    if ((await sizeIfFile(this.entryPath(commit, f.path))) === size) return { state: 'linked' };
    const blob = this.blobPath(f);
    if ((await sizeIfFile(blob)) === size) return { state: 'blob' };
    const have = (await sizeIfFile(`${blob}.incomplete`)) ?? 0;
    return { state: 'missing', have: have <= size ? have : 0 };
  }

  /** Points `snapshots/<commit>/<path>` at the file's blob: a relative symlink, else a hard link, else a copy. */
  async link(commit: string, f: RepoFile): Promise<void> {
    const entry = this.entryPath(commit, f.path);
    const blob = this.blobPath(f);
    await makeFolder(dirname(entry));
    await fsp.rm(entry, { force: true });
    try {
      await fsp.symlink(relative(dirname(entry), blob), entry, 'file');
    } catch {
      try {
        await fsp.link(blob, entry);
      } catch {
        await fsp.copyFile(blob, entry);
      }
    }
  }
}
