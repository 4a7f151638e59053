// downloadSnapshot when things go wrong, against the local hub: a connection cut mid-file
// (resumed with a Range request), damaged bytes (rejected, fetched again, then refused), a cancel
// and a new start (nothing downloaded twice), too little disk space (refused before any file), two
// downloads at once, a stale lock, a silent connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { downloadSnapshot, DownloadCancelledError, HubError, type DownloadOptions, type DownloadProgress } from '../../src/hub';
import { DISK_MARGIN } from '../../src/hub/disk-space';
import { fetchBlob } from '../../src/hub/fetch-blob';
import { HubServer } from '../support/hub-server';
import { tinyDiffusersDir, tinyPipelineFiles, tinyPixArtRepo } from '../support/hub-repo';
import { assertSnapshotIsFixture } from '../support/hub-cache';

const REPO = 'tiny/pixart';
const SHARD = 'text_encoder/model-00001-of-00002.safetensors';
let server: HubServer;
const newCache = () => mkdtempSync(join(tmpdir(), 'pixart-hub-faults-'));
const dl = (cacheDir: string, o: Partial<DownloadOptions> = {}) =>
  downloadSnapshot({ repo: REPO, cacheDir, endpoint: server.endpoint, env: {}, retry: { attempts: 3, delayMs: 5 }, ...o });
const blobsOf = (cache: string) => join(cache, 'models--tiny--pixart', 'blobs');
const fixtureBytes = () => tinyPipelineFiles().reduce((n, p) => n + statSync(join(tinyDiffusersDir, p)).size, 0);

before(async () => {
  server = await HubServer.start([tinyPixArtRepo(REPO)]);
});
after(() => server.close());

/**
 * Progress that tells when everything but SHARD is in and SHARD's first `at` bytes have reached the
 * downloader (what the cut then leaves it with).
 */
function heldAt(at: number): { onProgress: (p: DownloadProgress) => void; arrived: () => boolean } {
  let last: DownloadProgress | undefined;
  return {
    onProgress: (p) => (last = p),
    arrived: () => !!last && last.filesDone === last.filesTotal - 1 && last.bytesDone === fixtureBytes() - server.hostedFile(REPO, SHARD).size + at,
  };
}

/** Holds SHARD at `at`, and cuts the connection there once the downloader has all of those bytes. */
async function cutOnceStored(at: number, arrived: () => boolean, then: () => void = () => {}): Promise<void> {
  const hold = server.holdOnce(REPO, SHARD, at);
  await hold.reached;
  while (!arrived()) await sleep(5);
  then();
  hold.cut();
}

test('a connection cut mid-file: the download resumes with a Range request from what had arrived', async () => {
  const at = 150_000;
  server.resetCounts();
  const shard = heldAt(at);
  const run = dl(newCache(), { onProgress: shard.onProgress });
  await cutOnceStored(at, shard.arrived);
  assertSnapshotIsFixture((await run).snapshotDir);
  const cdn = server.requests.filter((r) => r.url.startsWith('cdn:') && r.url.includes(encodeURIComponent(SHARD)));
  assert.deepEqual(cdn.map((r) => r.range ?? 'whole'), ['whole', `bytes=${at}-`]);
  assert.equal(server.bytesServed(REPO, SHARD), server.hostedFile(REPO, SHARD).size, 'the cut part, then the rest from the resume point');
});

test('a server that ignores the Range of a resume (200, the whole file): the partial bytes are dropped and the file starts over', async () => {
  server.resetCounts();
  server.cutOnce(REPO, SHARD, 150_000);
  server.ignoreRange(REPO, SHARD);
  const seen: number[] = [];
  const snap = await dl(newCache(), { onProgress: (p) => seen.push(p.bytesDone) });
  assertSnapshotIsFixture(snap.snapshotDir);
  const cdn = server.requests.filter((r) => r.url.startsWith('cdn:') && r.url.includes(encodeURIComponent(SHARD)));
  assert.equal(cdn.length, 2);
  assert.match(cdn[1].range ?? '', /^bytes=\d+-$/, 'it asked for the rest');
  assert.equal(server.bytesServed(REPO, SHARD), 150_000 + server.hostedFile(REPO, SHARD).size, 'and got the whole file again');
  assert.equal(seen.at(-1), fixtureBytes(), 'the dropped bytes left the count');
});

test('a connection that keeps failing: after the retries the error names the file and keeps what arrived for the next start', async () => {
  const cache = newCache();
  const at = 100_000;
  server.resetCounts();
  const shard = heldAt(at);
  const run = dl(cache, { onProgress: shard.onProgress }).catch((e: unknown) => e);
  await cutOnceStored(at, shard.arrived, () => server.drop(REPO, SHARD, 4));
  const err = await run;
  assert.ok(err instanceof HubError && err.kind === 'unreachable', String(err));
  assert.match(err.message, new RegExp(`the connection to 127\\.0\\.0\\.1:\\d+ failed 4 times in a row while fetching ${SHARD} \\(.+\\): check the network; the 100 kB fetched are kept and the next start resumes from there`));
  const partial = join(blobsOf(cache), `${server.hostedFile(REPO, SHARD).sha256}.incomplete`);
  assert.equal(statSync(partial).size, at, 'what arrived is kept');
  server.resetCounts();
  assertSnapshotIsFixture((await dl(cache)).snapshotDir);
  assert.equal(server.bytesServed(REPO, SHARD), server.hostedFile(REPO, SHARD).size - at, 'the next start fetched only the rest');
});

test('damaged bytes: the file is rejected by its sha256 (or git id) and fetched again; damaged twice, it is refused by name', async () => {
  const small = 'tokenizer/tokenizer.json';
  server.resetCounts();
  server.corrupt(REPO, SHARD, 1);
  server.corrupt(REPO, small, 1);
  const snap = await dl(newCache());
  assertSnapshotIsFixture(snap.snapshotDir);
  assert.equal(server.bytesServed(REPO, SHARD), 2 * server.hostedFile(REPO, SHARD).size);
  assert.equal(server.bytesServed(REPO, small), 2 * server.hostedFile(REPO, small).size, 'a non-LFS file is checked by its git blob id');

  const cache = newCache();
  server.corrupt(REPO, SHARD, 2);
  const err = await dl(cache).catch((e: unknown) => e);
  assert.ok(err instanceof HubError && err.kind === 'integrity', String(err));
  assert.match(err.message, new RegExp(`${SHARD} arrived damaged twice \\(its sha256 was [0-9a-f]{64}, the hub lists ${server.hostedFile(REPO, SHARD).sha256}\\) and was deleted`));
  const sha = server.hostedFile(REPO, SHARD).sha256;
  assert.ok(!existsSync(join(blobsOf(cache), sha)) && !existsSync(join(blobsOf(cache), `${sha}.incomplete`)), 'nothing of the damaged file is kept');
  assert.ok(!existsSync(join(cache, 'models--tiny--pixart', 'snapshots', server.commitOf(REPO), SHARD)));
});

test('cancel, then start again: only the .incomplete file stays, the new start resumes it, and nothing is downloaded twice', async () => {
  const cache = newCache();
  const at = 200_000;
  const sha = server.hostedFile(REPO, SHARD).sha256;
  const partial = join(blobsOf(cache), `${sha}.incomplete`);
  server.resetCounts();
  const hold = server.holdOnce(REPO, SHARD, at);
  const stop = new AbortController();
  const held = heldAt(at);
  const run = dl(cache, { signal: stop.signal, onProgress: held.onProgress });
  await hold.reached;
  // Cancel once everything else is in and the held file's first bytes have arrived.
  while (!held.arrived()) await sleep(5);
  stop.abort();
  await assert.rejects(run, (e: unknown) => e instanceof DownloadCancelledError);
  hold.release();
  assert.equal(statSync(partial).size, at, 'what arrived is on disk');
  assert.deepEqual(readdirSync(blobsOf(cache)).filter((n) => n.endsWith('.incomplete')), [`${sha}.incomplete`]);
  assert.ok(!existsSync(join(cache, 'models--tiny--pixart', 'snapshots', server.commitOf(REPO), SHARD)), 'the cancelled file is not in the snapshot');

  const snap = await dl(cache);
  assertSnapshotIsFixture(snap.snapshotDir);
  const ranges = server.requests.filter((r) => r.url.startsWith('cdn:') && r.url.includes(encodeURIComponent(SHARD))).map((r) => r.range ?? 'whole');
  assert.deepEqual(ranges, ['whole', `bytes=${at}-`]);
  for (const p of tinyPipelineFiles()) assert.equal(server.bytesServed(REPO, p), server.hostedFile(REPO, p).size, `${p}: each byte served once over both starts`);
});

test('too little disk space is refused before any file is fetched, with the needed and free sizes and the folder', async () => {
  const needed = fixtureBytes();
  const cache = newCache();
  server.resetCounts();
  const asked: string[] = [];
  const short = await dl(cache, { freeSpace: async (f) => (asked.push(f), needed + DISK_MARGIN - 1) }).catch((e: unknown) => e);
  assert.ok(short instanceof HubError && short.kind === 'disk-space', String(short));
  assert.match(short.message, new RegExp(`needs 1\\.8 MB \\(and 67 MB to spare\\) but the disk holding ${blobsOf(cache).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has 69 MB free`));
  assert.deepEqual(asked, [blobsOf(cache)]);
  assert.equal(server.servedFiles(REPO).size, 0, 'not one file was fetched');
  assertSnapshotIsFixture((await dl(cache, { freeSpace: async () => needed + DISK_MARGIN })).snapshotDir);
});

/** A 1 MB tmpfs, when this process may mount one (root on Linux, as in CI); else undefined. */
function tinyDisk(): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'pixart-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

test('on a real 1 MB disk (tmpfs) the 1.8 MB model is refused before downloading', async (t) => {
  const disk = tinyDisk();
  if (!disk) return t.skip('needs root on Linux to mount a tmpfs');
  try {
    const cache = join(disk, 'hub');
    mkdirSync(cache);
    server.resetCounts();
    const err = await dl(cache).catch((e: unknown) => e);
    assert.ok(err instanceof HubError && err.kind === 'disk-space', String(err));
    assert.match(err.message, /has 1\.0 MB free/);
    assert.equal(server.servedFiles(REPO).size, 0);
    assert.deepEqual(readdirSync(join(cache, 'models--tiny--pixart')), ['refs'], 'only the ref was written');
    assert.equal(readFileSync(join(cache, 'models--tiny--pixart', 'refs', 'main'), 'utf8'), server.commitOf(REPO));
    // Told there is room when there is not (a quota, a disk filling meanwhile): the full disk is named.
    const full = await dl(cache, { freeSpace: async () => 1e12 }).catch((e: unknown) => e);
    assert.ok(full instanceof HubError && full.kind === 'write-failed', String(full));
    assert.match(full.message, new RegExp(`could not be saved: the disk holding ${join(cache, 'models--tiny--pixart', 'blobs')} is full \\(ENOSPC\\)`));
  } finally {
    execFileSync('umount', [disk]);
    rmSync(disk, { recursive: true, force: true });
  }
});

test('two downloads of one model at once: the second waits for the first one\'s file instead of fetching it too', async () => {
  const cache = newCache();
  server.resetCounts();
  const hold = server.holdOnce(REPO, SHARD, 100_000);
  const first = dl(cache);
  await hold.reached;
  const second = dl(cache);
  await sleep(300); // the second is waiting on the shard's lock
  hold.release();
  const [a, b] = await Promise.all([first, second]);
  assert.equal(a.snapshotDir, b.snapshotDir);
  assertSnapshotIsFixture(b.snapshotDir);
  for (const p of tinyPipelineFiles()) assert.equal(server.bytesServed(REPO, p), server.hostedFile(REPO, p).size, `${p} fetched once`);
});

test('a lock left by a process that died is taken over', async () => {
  const cache = newCache();
  mkdirSync(blobsOf(cache), { recursive: true });
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  writeFileSync(join(blobsOf(cache), `${server.hostedFile(REPO, SHARD).sha256}.incomplete.lock`), `${hostname()} ${dead}\n`);
  assertSnapshotIsFixture((await dl(cache)).snapshotDir);
  assert.deepEqual(readdirSync(blobsOf(cache)).filter((n) => !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(n)), [], 'no lock or partial file left');
});

test('a connection that goes silent is dropped after the stall time and resumed', async () => {
  const dir = newCache();
  const f = server.hostedFile(REPO, SHARD);
  server.resetCounts();
  server.holdOnce(REPO, SHARD, 100_000); // never released
  const t0 = performance.now();
  await fetchBlob(
    { url: `${server.endpoint}/${REPO}/resolve/main/${SHARD}`, file: { path: SHARD, size: f.size, oid: f.oid, lfs: { oid: f.sha256, size: f.size } }, blobPath: join(dir, f.sha256) },
    { fetch: (u, init) => fetch(u, init), signal: new AbortController().signal, retry: { attempts: 2, delayMs: 5 }, stallMs: 300, onBytes: () => {}, onDiscard: () => {}, explain: (x) => new Error(`HTTP ${x.status}`) },
  );
  assert.ok(performance.now() - t0 >= 300, 'it waited for the stall time');
  assert.ok(readFileSync(join(dir, f.sha256)).equals(readFileSync(join(tinyDiffusersDir, SHARD))));
  const ranges = server.requests.filter((r) => r.url.startsWith('cdn:')).map((r) => r.range ?? 'whole');
  assert.equal(ranges.length, 2);
  assert.match(ranges[1], /^bytes=\d+-$/);
});
