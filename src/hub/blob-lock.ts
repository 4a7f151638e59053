// One writer per blob across processes (the extension and a CLI may fetch the same model at
// once): `blobs/<hash>.incomplete.lock`, created exclusively, holding the owner's host and pid,
// its mtime refreshed while it is held. A lock whose process is gone (same host) or that has not
// been refreshed for two minutes is stale and taken over. Python's huggingface_hub locks with
// flock on `.locks/…`, which Node cannot take; its writers are not excluded by this one.
import { promises as fsp } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { DownloadCancelledError } from './hub-errors';

const REFRESH_MS = 30_000;
const STALE_MS = 120_000;
const POLL_MS = 500;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the lock at `path` belongs to no live writer. */
async function isStale(path: string, now = Date.now()): Promise<boolean> {
  try {
    const [text, st] = await Promise.all([fsp.readFile(path, 'utf8'), fsp.stat(path)]);
    const [host, pid] = text.trim().split(' ');
    if (host === hostname() && Number(pid) > 0 && !alive(Number(pid))) return true;
    return now - st.mtimeMs > STALE_MS;
  } catch {
    return false; // gone meanwhile, or half-written: try again
  }
}

async function acquire(path: string, signal: AbortSignal): Promise<void> {
  for (;;) {
    try {
      await fsp.writeFile(path, `${hostname()} ${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await isStale(path)) await fsp.rm(path, { force: true });
    else await sleep(POLL_MS, undefined, { signal }).catch(() => Promise.reject(new DownloadCancelledError()));
  }
}

/** Runs `body` holding the blob's lock; waits while another live process holds it. */
export async function withBlobLock<T>(blobPath: string, signal: AbortSignal, body: () => Promise<T>): Promise<T> {
  const path = `${blobPath}.incomplete.lock`;
  await acquire(path, signal);
  const refresh = setInterval(() => {
    const t = new Date();
    fsp.utimes(path, t, t).catch(() => {});
  }, REFRESH_MS);
  refresh.unref();
  try {
    return await body();
  } finally {
    clearInterval(refresh);
    await fsp.rm(path, { force: true });
  }
}
