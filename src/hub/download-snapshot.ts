// downloadSnapshot: a PixArt pipeline's files from a Hugging Face repo id into the standard cache,
// as huggingface_hub's snapshot_download does it (revision → commit, the commit's listing, one
// snapshot folder of links into blobs/), fetching only what the pipeline reads. Offline, or with
// a hub that cannot be reached, the cached snapshot is used when it is complete.
// downloadSnapshots does it for several repos as one download (a transformer from one repo, the
// rest of its pipeline from another): every listing first, one disk check over all, one progress.
import { RepoCache } from './cache-layout';
import { cachedSnapshot } from './cached-snapshot';
import { checkDiskSpace } from './disk-space';
import { SelectionFetch } from './fetch-selection';
import { HubClient } from './hub-client';
import { DownloadCancelledError, HubError, notPipelineError, transformerOnlyError, type ErrorContext } from './hub-errors';
import { hubSettings, type HubSettings } from './hub-settings';
import { ProgressTracker } from './progress';
import { checkRepoId, checkRevision } from './repo-id';
import { SelectionError, isTransformerOnly, selectFiles, type Selection } from './select-files';
import type { DownloadOptions, RepoFile, Snapshot } from './types';
import { proxyNote } from './proxy';

const DEFAULT_RETRY = { attempts: 5, delayMs: 1000 };
const DEFAULT_CONCURRENCY = 4;
const STALL_MS = 60_000;

/** One repo of a download: which, at which revision, and the part of the pipeline it gives. */
export type SnapshotRequest = Pick<DownloadOptions, 'repo' | 'revision' | 'part'>;
/** What the repos of one download share: the cache, the hub, the token, the signal, the progress… */
export type SharedDownloadOptions = Omit<DownloadOptions, 'repo' | 'revision' | 'part'>;

/** A request once checked, its defaults filled in. */
type Request = Required<SnapshotRequest>;

/** A repo whose snapshot is ready (from the cache), or whose listing is known and whose fetch is set up. */
type Plan = { snapshot: Snapshot } | { fetch: SelectionFetch; selection: Selection; listing: RepoFile[]; snapshotDir: string; commit: string };

function select(ctx: ErrorContext, commit: string, listing: RepoFile[], r: Request, o: SharedDownloadOptions): Selection {
  if (r.part === 'pipeline' && isTransformerOnly(listing)) throw transformerOnlyError(ctx, commit);
  try {
    return selectFiles(listing, o.variant, r.part);
  } catch (err) {
    if (err instanceof SelectionError) throw notPipelineError(ctx, commit, err.message, err.missing);
    throw err;
  }
}

/** The cached snapshot when it is complete; otherwise the offline error, or the hub's `unreachable` error with what the cache lacks. */
async function fromCache(cache: RepoCache, ctx: ErrorContext, r: Request, o: SharedDownloadOptions, tracker: ProgressTracker, unreachable?: HubError): Promise<Plan> {
  const c = await cachedSnapshot(cache, ctx.revision, o.variant, r.part);
  if (c.ok) {
    tracker.grow(c.bytes, c.files.length);
    tracker.inPlace(c.bytes, c.files.length);
    return { snapshot: { snapshotDir: c.snapshotDir, commit: c.commit, files: c.files, fromCache: true } };
  }
  const where = `${ctx.repo} at "${ctx.revision}"`;
  const lack = c.commit ? `the cached copy of ${where} (${cache.snapshotDir(c.commit)}) is incomplete: it lacks ${c.missing.join(', ')}` : `${cache.folder} holds no copy of ${where}`;
  if (unreachable) throw new HubError('unreachable', `${unreachable.message} (${lack})`, c.missing);
  throw new HubError('offline-incomplete', `offline (HF_HUB_OFFLINE), and ${lack}: download it once without HF_HUB_OFFLINE`, c.missing);
}

interface Run {
  settings: HubSettings;
  o: SharedDownloadOptions;
  signal: AbortSignal;
  stop: AbortController;
  tracker: ProgressTracker;
}

/** Resolves one repo: its commit and listing from the hub (or its snapshot from the cache), and the fetch of what it must give. */
async function plan(r: Request, run: Run): Promise<Plan> {
  const { settings, o } = run;
  const via = proxyNote(settings.proxy, settings.endpoint);
  const ctx: ErrorContext = { repo: r.repo, revision: r.revision, endpoint: settings.endpoint, tokenFile: settings.tokenFile, ...(settings.token ? { token: settings.token, tokenSource: settings.tokenSource } : {}), ...(via ? { via } : {}) };
  const cache = new RepoCache(settings.cacheDir, r.repo);
  if (settings.offline) return fromCache(cache, ctx, r, o, run.tracker);
  const client = new HubClient(settings, ctx, run.signal);
  let commit: string;
  let listing: RepoFile[];
  try {
    commit = await client.commitOf(r.revision);
    listing = await client.listing(commit);
  } catch (err) {
    if (err instanceof HubError && err.kind === 'unreachable') return fromCache(cache, ctx, r, o, run.tracker, err);
    throw err;
  }
  const selection = select(ctx, commit, listing, r, o);
  await cache.writeRef(r.revision, commit);
  const fetch = new SelectionFetch(cache, commit, client, {
    endpoint: settings.endpoint,
    signal: run.signal,
    stop: run.stop,
    retry: o.retry ?? DEFAULT_RETRY,
    concurrency: Math.max(1, o.concurrency ?? DEFAULT_CONCURRENCY),
    stallMs: STALL_MS,
    freeSpace: o.freeSpace,
  }, run.tracker);
  return { fetch, selection, listing, snapshotDir: cache.snapshotDir(commit), commit };
}

/** Fetches what the planned repos lack, after one disk check over all of them; the snapshots in the requests' order. */
async function fetchPlans(plans: Plan[], run: Run): Promise<Snapshot[]> {
  let needed = 0;
  for (const p of plans) if ('fetch' in p) needed += await p.fetch.prepare(p.selection);
  const first = plans.find((p) => 'fetch' in p);
  if (first && 'fetch' in first) await checkDiskSpace(first.fetch.blobsDir, needed, run.o.freeSpace);
  const ticker = setInterval(() => run.tracker.tick(), 1000);
  ticker.unref();
  try {
    const snapshots: Snapshot[] = [];
    for (const p of plans) {
      snapshots.push('snapshot' in p ? p.snapshot : { snapshotDir: p.snapshotDir, commit: p.commit, files: await p.fetch.fetch(p.selection, p.listing), fromCache: false });
    }
    run.tracker.finish();
    return snapshots;
  } finally {
    clearInterval(ticker);
  }
}

/**
 * Downloads (or finds in the cache) what each request's part of a PixArt pipeline needs, as one
 * download: one progress stream, one disk check. Throws HubError (its `kind` says which failure) or
 * DownloadCancelledError.
 */
export async function downloadSnapshots(requests: SnapshotRequest[], o: SharedDownloadOptions): Promise<Snapshot[]> {
  const checked: Request[] = requests.map((r) => ({ repo: checkRepoId(r.repo), revision: checkRevision(r.revision ?? 'main'), part: r.part ?? 'pipeline' }));
  const settings = hubSettings(o, o.env ?? process.env);
  if (o.signal?.aborted) throw new DownloadCancelledError();
  if (!settings.offline) o.onProgress?.({ phase: 'resolving', bytesDone: 0, bytesTotal: 0, filesDone: 0, filesTotal: 0 });
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  const run: Run = { settings, o, signal, stop, tracker: new ProgressTracker(0, 0, o.onProgress) };
  const plans: Plan[] = [];
  for (const r of checked) plans.push(await plan(r, run));
  return fetchPlans(plans, run);
}

/** Downloads (or finds in the cache) what a PixArt pipeline (or `o.part` of it) needs from `o.repo` at `o.revision`. */
export async function downloadSnapshot(o: DownloadOptions): Promise<Snapshot> {
  const [snapshot] = await downloadSnapshots([o], o);
  return snapshot;
}
