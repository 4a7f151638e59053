// Brings a selection of a commit's files into the cache: what is there already is linked, the
// caller checks the free space for the rest (over every repo of a download), the small files come first (so the sharded checkpoints'
// indexes can say which shards they need), then the weights, a few at a time. One failure stops
// the others; what they fetched stays in `.incomplete` files for the next start.
import { promises as fsp } from 'node:fs';
import { makeFolder, whyWriteFailed } from '../image/atomic-write';
import { withBlobLock } from './blob-lock';
import { expectedSize, type CacheState, type RepoCache } from './cache-layout';
import { checkDiskSpace } from './disk-space';
import { fetchBlob, type TransferDeps } from './fetch-blob';
import type { HubClient } from './hub-client';
import { HubError, failureError, notPipelineError } from './hub-errors';
import type { ProgressTracker } from './progress';
import { SelectionError, shardsOfIndex, withShards, type Selection } from './select-files';
import type { DownloadOptions, RepoFile } from './types';

export interface FetchOptions extends Pick<DownloadOptions, 'freeSpace'> {
  endpoint: string;
  /** The download's signal, and the switch that stops the other transfers when one fails. */
  signal: AbortSignal;
  stop: AbortController;
  retry: { attempts: number; delayMs: number };
  concurrency: number;
  stallMs: number;
}

const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/** Runs `work` over `items`, `n` at a time; the first failure stops the rest (through `stop`) and is thrown. */
async function runPool<T>(items: T[], n: number, stop: AbortController, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (err) {
        failure ??= { err };
        stop.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  if (failure) throw failure.err;
}

export class SelectionFetch {
  private readonly states = new Map<string, CacheState>();

  /** `tracker` counts this fetch's files and bytes, and those of the other repos of the same download. */
  constructor(private readonly cache: RepoCache, private readonly commit: string, private readonly client: HubClient, private readonly o: FetchOptions, private readonly tracker: ProgressTracker) {}

  get blobsDir(): string {
    return this.cache.blobsDir;
  }

  /** Looks the selection up in the cache and links what is there; returns the bytes still to fetch (for one disk check over every repo). */
  async prepare(first: Selection): Promise<number> {
    return this.place(first.files);
  }

  /** Downloads what the prepared selection lacks; returns its files' paths (with each index's shards as the index names them). */
  async fetch(first: Selection, listing: RepoFile[]): Promise<string[]> {
    await this.fetchAll(first.files.filter((f) => !f.path.endsWith('.safetensors')));
    const selection = await this.namedShards(first, listing);
    await checkDiskSpace(this.cache.blobsDir, await this.place(selection.files.filter((f) => !this.states.has(f.path))), this.o.freeSpace);
    await this.fetchAll(selection.files.filter((f) => f.path.endsWith('.safetensors')));
    return selection.files.map((f) => f.path);
  }

  /** Looks the files up in the cache, links the blobs already there; returns the bytes the rest need. */
  private async place(files: RepoFile[]): Promise<number> {
    let needed = 0;
    for (const f of files) {
      const s = await this.cache.state(this.commit, f);
      this.states.set(f.path, s);
      this.tracker.grow(expectedSize(f), 1);
      if (s.state === 'blob') await this.cache.link(this.commit, f);
      if (s.state === 'missing') {
        needed += expectedSize(f) - s.have;
        this.tracker.inPlace(s.have);
      } else this.tracker.inPlace(expectedSize(f), 1);
    }
    return needed;
  }

  /** The selection with each index's guessed shards replaced by those it names; the dropped ones leave the totals. */
  private async namedShards(selection: Selection, listing: RepoFile[]): Promise<Selection> {
    let named = selection;
    for (const { path } of selection.indexes) {
      const text = await fsp.readFile(this.cache.entryPath(this.commit, path), 'utf8');
      try {
        named = withShards(named, path, shardsOfIndex(path, text, listing));
      } catch (err) {
        if (err instanceof SelectionError) throw notPipelineError(this.client.ctx, this.commit, err.message, err.missing);
        throw err;
      }
    }
    const kept = new Set(named.files.map((f) => f.path));
    for (const f of selection.files.filter((g) => !kept.has(g.path))) {
      const s = this.states.get(f.path);
      this.tracker.grow(-expectedSize(f), -1);
      if (s?.state === 'missing') this.tracker.inPlace(-s.have);
      else this.tracker.inPlace(-expectedSize(f), -1);
      this.states.delete(f.path);
    }
    return named;
  }

  private async fetchAll(files: RepoFile[]): Promise<void> {
    const missing = files.filter((f) => this.states.get(f.path)?.state === 'missing');
    await runPool(missing, this.o.concurrency, this.o.stop, (f) => this.fetchOne(f));
  }

  private async fetchOne(f: RepoFile): Promise<void> {
    const url = `${this.o.endpoint}/${this.cache.repo}/resolve/${this.commit}/${encodePath(f.path)}`;
    const blobPath = this.cache.blobPath(f);
    try {
      await makeFolder(this.cache.blobsDir);
      await withBlobLock(blobPath, this.o.signal, async () => {
        const now = await this.cache.state(this.commit, f);
        const before = this.states.get(f.path);
        if (now.state === 'missing') return fetchBlob({ url, file: f, blobPath }, this.deps());
        // Another process brought it in while this one waited for the lock.
        this.tracker.inPlace(expectedSize(f) - (before?.state === 'missing' ? before.have : 0));
      });
      await this.cache.link(this.commit, f);
    } catch (err) {
      const why = err instanceof HubError ? undefined : whyWriteFailed(err, this.cache.blobsDir);
      throw why ? new HubError('write-failed', `${f.path} could not be saved: ${why}`) : err;
    }
    this.states.set(f.path, { state: 'linked' });
    this.tracker.fileDone(f.path);
  }

  private deps(): TransferDeps {
    return {
      fetch: this.client.fetch,
      signal: this.o.signal,
      retry: this.o.retry,
      stallMs: this.o.stallMs,
      onBytes: (file, n) => this.tracker.transferred(file, n),
      onDiscard: (n) => this.tracker.discarded(n),
      explain: (failure, what) => failureError(this.client.ctx, failure, what),
    };
  }
}
