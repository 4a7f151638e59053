// A snapshot from the cache alone (offline, or a hub that cannot be reached): the revision's
// commit from refs/, the files its snapshot folder holds, and the same selection as online, so
// an incomplete copy is told by the files it lacks.
import { promises as fsp, type Dirent } from 'node:fs';
import { join } from 'node:path';
import type { RepoCache } from './cache-layout';
import { SelectionError, selectAvailable, shardsOfIndex, withShards, type Selection } from './select-files';
import type { RepoFile, SnapshotPart, Variant } from './types';

/** Bounds on a snapshot folder's walk (a model has a few dozen files). */
const MAX_DEPTH = 6;
const MAX_FILES = 10_000;

export type CachedResult =
  | { ok: true; snapshotDir: string; commit: string; files: string[]; bytes: number }
  | { ok: false; commit?: string; missing: string[] };

/** The snapshot's files that resolve (a symlink to a missing blob is not there), relative, with sizes. */
async function listSnapshot(root: string): Promise<RepoFile[]> {
  const files: RepoFile[] = [];
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (files.length >= MAX_FILES) return;
      const path = rel ? `${rel}/${e.name}` : e.name;
      const st = await fsp.stat(join(dir, e.name)).catch(() => undefined);
      if (st?.isFile()) files.push({ path, size: st.size });
      else if (st?.isDirectory() && depth < MAX_DEPTH) await walk(join(dir, e.name), path, depth + 1);
    }
  };
  await walk(root, '', 0);
  return files;
}

/** The selection with each index's shards as it names them, or the shards (or unreadable indexes) the snapshot lacks. */
async function namedShards(snapshotDir: string, selection: Selection, listing: RepoFile[]): Promise<Selection | string[]> {
  const missing: string[] = [];
  let named = selection;
  for (const { path } of selection.indexes) {
    try {
      named = withShards(named, path, shardsOfIndex(path, await fsp.readFile(join(snapshotDir, ...path.split('/')), 'utf8'), listing));
    } catch (err) {
      if (!(err instanceof SelectionError)) throw err;
      missing.push(...err.missing);
    }
  }
  return missing.length ? missing : named;
}

/** The cached snapshot of `revision` with every file the pipeline (or the part of it asked for) needs, or what it lacks. */
export async function cachedSnapshot(cache: RepoCache, revision: string, variant?: Variant, part: SnapshotPart = 'pipeline'): Promise<CachedResult> {
  const commit = await cache.readRef(revision);
  if (!commit) return { ok: false, missing: [] };
  const snapshotDir = cache.snapshotDir(commit);
  const listing = await listSnapshot(snapshotDir);
  const { selection, missing } = selectAvailable(listing, variant, part);
  const named = await namedShards(snapshotDir, selection, listing);
  if (missing.length || Array.isArray(named)) return { ok: false, commit, missing: [...missing, ...(Array.isArray(named) ? named : [])] };
  return { ok: true, snapshotDir, commit, files: named.files.map((f) => f.path), bytes: named.files.reduce((n, f) => n + f.size, 0) };
}
