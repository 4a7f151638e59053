// One file into the cache's blobs/, by hand where the hub client has nothing: the bytes go to
// `blobs/<hash>.incomplete` (the name Python uses), a restart resumes it with an HTTP Range
// request, a dropped or stalled connection is retried with backoff, and the file takes its blob
// name only once its bytes hash to the listing's id (sha256 for LFS files, the git blob id
// otherwise). A damaged file is deleted and fetched again once, then refused.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { expectedSize } from './cache-layout';
import { failureOf } from './hub-client';
import { DownloadCancelledError, HubError, causeCode, isNetworkError, type HubFailure } from './hub-errors';
import type { RepoFile } from './types';
import { formatBytes } from './units';

export interface BlobJob {
  /** The file's `resolve/<commit>/<path>` URL. */
  url: string;
  file: RepoFile;
  blobPath: string;
}

export interface TransferDeps {
  fetch: (url: URL, init: RequestInit) => Promise<Response>;
  signal: AbortSignal;
  retry: { attempts: number; delayMs: number };
  /** A connection silent this long is dropped and retried. */
  stallMs: number;
  onBytes: (file: string, bytes: number) => void;
  /** Bytes counted as done that were thrown away (a damaged file, or a partial the server would not resume). */
  onDiscard: (bytes: number) => void;
  /** A hub answer in words (gated, not found…). */
  explain: (failure: HubFailure, what: string) => Error;
}

/** Worth another try: no answer, a cut or silent connection, a body that ended early, a busy server. */
class RetryableError extends Error {}

interface HashState {
  hash: Hash;
  hashed: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Writes chunks at increasing offsets in 4 MB writes with up to two in flight, so the disk works
 * while the next bytes arrive (one await per 64 kB network chunk left the thread idle). Each
 * write names its offset: writes in flight may run in any order on libuv's threads.
 */
class BatchedAppend {
  private parts: Uint8Array[] = [];
  private size = 0;
  private readonly inFlight: Promise<void>[] = [];

  constructor(private readonly fh: FileHandle, private position: number, private readonly batch = 4 << 20) {}

  async push(chunk: Uint8Array): Promise<void> {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.batch) await this.write();
  }

  /** Everything pushed is written (or the first write error is thrown). */
  async flush(): Promise<void> {
    if (this.size > 0) await this.write();
    await Promise.all(this.inFlight.splice(0));
  }

  private async write(): Promise<void> {
    const parts = this.parts;
    const [at, size] = [this.position, this.size];
    this.position += size;
    this.parts = [];
    this.size = 0;
    const done = this.fh.writev(parts, at).then(({ bytesWritten }) => {
      // A regular file takes a short write only when it cannot grow (a full disk or quota).
      if (bytesWritten !== size) throw Object.assign(new Error(`wrote ${bytesWritten} of ${size} bytes`), { code: 'ENOSPC' });
    });
    done.catch(() => {}); // handled where it is awaited
    this.inFlight.push(done);
    if (this.inFlight.length >= 2) await this.inFlight.shift();
  }
}

function freshHash(f: RepoFile): HashState {
  if (f.lfs) return { hash: createHash('sha256'), hashed: 0 };
  const hash = createHash('sha1');
  hash.update(`blob ${f.size}\0`);
  return { hash, hashed: 0 };
}

/** The hash of what a stopped download left, so the transfer continues it. */
async function resumeState(f: RepoFile, incomplete: string): Promise<HashState> {
  const state = freshHash(f);
  const have = await fsp.stat(incomplete).then((st) => st.size, () => 0);
  if (have > expectedSize(f)) {
    await fsp.rm(incomplete, { force: true }); // not this file's start (the cache did not count it)
    return state;
  }
  if (have > 0) {
    for await (const chunk of createReadStream(incomplete, { end: have - 1 })) state.hash.update(chunk as Buffer);
    state.hashed = have;
  }
  return state;
}

/** GET with the redirects followed by hand, so each hop goes through `d.fetch` (which adds the token on the hub's origin only). */
async function get(url: string, start: number, signal: AbortSignal, d: TransferDeps): Promise<Response> {
  let u = new URL(url);
  const headers: Record<string, string> = { 'accept-encoding': 'identity', ...(start > 0 ? { range: `bytes=${start}-` } : {}) };
  for (let hop = 0; hop < 10; hop++) {
    const res = await d.fetch(u, { headers, redirect: 'manual', signal });
    const location = res.headers.get('location');
    if (!REDIRECTS.has(res.status) || !location) return res;
    await res.body?.cancel();
    u = new URL(location, u);
  }
  throw new HubError('http', `too many redirects fetching ${url}`);
}

/** The offset the response's body starts at (the resume point, or 0 when the server sent the whole file); throws for a failure. */
async function bodyStart(res: Response, start: number, job: BlobJob, d: TransferDeps): Promise<number> {
  if (res.status === 200) return 0;
  const range = res.headers.get('content-range') ?? '';
  if (res.status === 206 && Number(/^bytes (\d+)-/.exec(range)?.[1]) === start) return start;
  await res.body?.cancel().catch(() => {});
  if (res.status === 206) throw new HubError('http', `the server answered the range request for ${job.file.path} from byte ${start} with "${range}"`);
  if (res.status === 416) throw new HubError('http', `the server's ${job.file.path} is shorter than the hub lists (${formatBytes(expectedSize(job.file))}): try again later`);
  if (res.status === 429 || res.status >= 500) throw new RetryableError(`HTTP ${res.status}`);
  throw d.explain(failureOf(res), job.file.path);
}

/** Appends the rest of the file to `incomplete`, advancing `state` (in place) with what arrived. */
async function fetchRest(job: BlobJob, incomplete: string, state: HashState, d: TransferDeps): Promise<void> {
  const size = expectedSize(job.file);
  const stall = new AbortController();
  const timer = setTimeout(() => stall.abort(), d.stallMs);
  try {
    const res = await get(job.url, state.hashed, AbortSignal.any([d.signal, stall.signal]), d);
    if ((await bodyStart(res, state.hashed, job, d)) === 0 && state.hashed > 0) {
      d.onDiscard(state.hashed);
      Object.assign(state, freshHash(job.file));
    }
    const fh = await fsp.open(incomplete, state.hashed === 0 ? 'w' : 'r+');
    const out = new BatchedAppend(fh, state.hashed);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    try {
      for (let r = await reader.read(); !r.done && state.hashed < size; r = await reader.read()) {
        timer.refresh();
        const chunk = r.value.subarray(0, size - state.hashed);
        await out.push(chunk);
        state.hash.update(chunk);
        state.hashed += chunk.length;
        d.onBytes(job.file.path, chunk.length);
      }
    } finally {
      await reader.cancel().catch(() => {});
      // What was hashed is on disk before anything else happens (a retry appends after it).
      await out.flush().finally(() => fh.close());
    }
  } catch (err) {
    if (stall.signal.aborted && !d.signal.aborted) throw new RetryableError(`no data for ${d.stallMs / 1000} s`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  if (state.hashed < size) throw new RetryableError('the connection closed early');
}

function droppedError(job: BlobJob, err: unknown, state: HashState, attempts: number): HubError {
  const kept = state.hashed > 0 ? `the ${formatBytes(state.hashed)} fetched are kept and the next start resumes from there` : 'start again later';
  return new HubError(
    'unreachable',
    `the connection to ${new URL(job.url).host} failed ${attempts} times in a row while fetching ${job.file.path} (${causeCode(err) ?? 'no answer'}): check the network; ${kept}`,
  );
}

/** Fills `incomplete` to the file's size, resuming and retrying; returns the hex digest of its bytes. */
async function transfer(job: BlobJob, incomplete: string, d: TransferDeps): Promise<string> {
  const state = await resumeState(job.file, incomplete);
  let failures = 0;
  while (state.hashed < expectedSize(job.file)) {
    const before = state.hashed;
    try {
      await fetchRest(job, incomplete, state, d);
    } catch (err) {
      if (d.signal.aborted) throw new DownloadCancelledError();
      if (!(err instanceof RetryableError) && !isNetworkError(err)) throw err;
      failures = state.hashed > before ? 1 : failures + 1;
      if (failures > d.retry.attempts) throw droppedError(job, err, state, failures);
      await sleep(d.retry.delayMs * 2 ** (failures - 1), undefined, { signal: d.signal }).catch(() => {
        throw new DownloadCancelledError();
      });
    }
  }
  return state.hash.digest('hex');
}

/** Downloads one file into blobs/ (verified), resuming a partial one. */
export async function fetchBlob(job: BlobJob, d: TransferDeps): Promise<void> {
  const incomplete = `${job.blobPath}.incomplete`;
  const expected = job.file.lfs?.oid ?? job.file.oid ?? '';
  for (let round = 1; ; round++) {
    const digest = await transfer(job, incomplete, d);
    if (digest === expected) {
      await fsp.rename(incomplete, job.blobPath);
      return;
    }
    await fsp.rm(incomplete, { force: true });
    d.onDiscard(expectedSize(job.file));
    if (round === 2) {
      const algo = job.file.lfs ? 'sha256' : 'git blob id';
      throw new HubError(
        'integrity',
        `${job.file.path} arrived damaged twice (its ${algo} was ${digest}, the hub lists ${expected}) and was deleted: try again later; ` +
          'if it keeps happening, a proxy or the mirror in HF_ENDPOINT may be altering files',
      );
    }
  }
}
