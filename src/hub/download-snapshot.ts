// downloadSnapshot: a PixArt pipeline's files from a Hugging Face repo id into the standard cache,
// as huggingface_hub's snapshot_download does it (revision → commit, the commit's listing, one
// snapshot folder of links into blobs/), fetching only what the pipeline reads. Offline, or with
// a hub that cannot be reached, the cached snapshot is used when it is complete.
import { RepoCache } from './cache-layout';
import { cachedSnapshot } from './cached-snapshot';
import { SelectionFetch } from './fetch-selection';
import { HubClient } from './hub-client';
import { DownloadCancelledError, HubError, notPipelineError, type ErrorContext } from './hub-errors';
import { hubSettings } from './hub-settings';
import { checkRepoId, checkRevision } from './repo-id';
import { SelectionError, selectFiles, type Selection } from './select-files';
import type { DownloadOptions, RepoFile, Snapshot } from './types';
import { proxyNote } from './proxy';

const DEFAULT_RETRY = { attempts: 5, delayMs: 1000 };
const DEFAULT_CONCURRENCY = 4;
const STALL_MS = 60_000;

function select(ctx: ErrorContext, commit: string, listing: RepoFile[], o: DownloadOptions): Selection {
  try {
    return selectFiles(listing, o.variant);
  } catch (err) {
    if (err instanceof SelectionError) throw notPipelineError(ctx, commit, err.message, err.missing);
    throw err;
  }
}

/** The cached snapshot when it is complete; otherwise the offline error, or the hub's `unreachable` error with what the cache lacks. */
async function fromCache(cache: RepoCache, ctx: ErrorContext, o: DownloadOptions, unreachable?: HubError): Promise<Snapshot> {
  const r = await cachedSnapshot(cache, ctx.revision, o.variant);
  if (r.ok) {
    o.onProgress?.({ phase: 'done', bytesDone: r.bytes, bytesTotal: r.bytes, filesDone: r.files.length, filesTotal: r.files.length });
    return { snapshotDir: r.snapshotDir, commit: r.commit, files: r.files, fromCache: true };
  }
  const where = `${ctx.repo} at "${ctx.revision}"`;
  const lack = r.commit ? `the cached copy of ${where} (${cache.snapshotDir(r.commit)}) is incomplete: it lacks ${r.missing.join(', ')}` : `${cache.folder} holds no copy of ${where}`;
  if (unreachable) throw new HubError('unreachable', `${unreachable.message} (${lack})`, r.missing);
  throw new HubError('offline-incomplete', `offline (HF_HUB_OFFLINE), and ${lack}: download it once without HF_HUB_OFFLINE`, r.missing);
}

/**
 * Downloads (or finds in the cache) what a PixArt pipeline needs from `o.repo` at `o.revision`.
 * Throws HubError (its `kind` says which failure) or DownloadCancelledError.
 */
export async function downloadSnapshot(o: DownloadOptions): Promise<Snapshot> {
  const repo = checkRepoId(o.repo);
  const revision = checkRevision(o.revision ?? 'main');
  const settings = hubSettings(o, o.env ?? process.env);
  const via = proxyNote(settings.proxy, settings.endpoint);
  const ctx: ErrorContext = { repo, revision, endpoint: settings.endpoint, tokenFile: settings.tokenFile, ...(settings.token ? { token: settings.token, tokenSource: settings.tokenSource } : {}), ...(via ? { via } : {}) };
  const cache = new RepoCache(settings.cacheDir, repo);
  if (o.signal?.aborted) throw new DownloadCancelledError();
  if (settings.offline) return fromCache(cache, ctx, o);
  o.onProgress?.({ phase: 'resolving', bytesDone: 0, bytesTotal: 0, filesDone: 0, filesTotal: 0 });
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  const client = new HubClient(settings, ctx, signal);
  let commit: string;
  let listing: RepoFile[];
  try {
    commit = await client.commitOf(revision);
    listing = await client.listing(commit);
  } catch (err) {
    if (err instanceof HubError && err.kind === 'unreachable') return fromCache(cache, ctx, o, err);
    throw err;
  }
  const selection = select(ctx, commit, listing, o);
  await cache.writeRef(revision, commit);
  const fetcher = new SelectionFetch(cache, commit, client, {
    endpoint: settings.endpoint,
    signal,
    stop,
    retry: o.retry ?? DEFAULT_RETRY,
    concurrency: Math.max(1, o.concurrency ?? DEFAULT_CONCURRENCY),
    stallMs: STALL_MS,
    onProgress: o.onProgress,
    freeSpace: o.freeSpace,
  });
  const files = await fetcher.run(selection, listing);
  return { snapshotDir: cache.snapshotDir(commit), commit, files, fromCache: false };
}
