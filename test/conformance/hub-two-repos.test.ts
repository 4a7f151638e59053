// downloadSnapshots: a transformer from one repo and the rest of its pipeline from another, as one
// download against the local hub (test/support/hub-server.ts): one disk check that counts both
// repos before any byte moves, one progress stream whose total is both repos' from the first
// report, each part's files only, and the cache alone when offline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadSnapshots, HubError, type DownloadProgress, type SharedDownloadOptions, type SnapshotRequest } from '../../src/hub';
import { DISK_MARGIN } from '../../src/hub/disk-space';
import { HubServer, sigmaSplitRepos, sigmaTinyFiles } from '../support/hub-server';
import { filesIn } from '../support/hub-cache';

const TRANSFORMER = 'tiny/sigma-transformer';
const BASE = 'tiny/sigma-base';
const requests: SnapshotRequest[] = [{ repo: TRANSFORMER, part: 'transformer' }, { repo: BASE, part: 'base' }];
const work = mkdtempSync(join(tmpdir(), 'pixart-hub-two-'));
let server: HubServer;
let n = 0;
const newCache = () => join(work, `cache-${n++}`);
const dl = (cacheDir: string, o: Partial<SharedDownloadOptions> = {}) =>
  downloadSnapshots(requests, { cacheDir, endpoint: server.endpoint, env: {}, retry: { attempts: 3, delayMs: 5 }, ...o });

before(async () => {
  server = await HubServer.start(sigmaSplitRepos(TRANSFORMER, BASE));
});
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

const files = sigmaTinyFiles();
const transformerFiles = files.filter((p) => p.startsWith('transformer/'));
const baseFiles = files.filter((p) => !p.startsWith('transformer/'));
const bytesOf = (repo: string, paths: string[]) => paths.reduce((sum, p) => sum + server.hostedFile(repo, p).size, 0);

test('each repo gives its part: transformer/ from one, everything else from the other, into their own snapshots', async () => {
  server.resetCounts();
  const [t, b] = await dl(newCache());
  assert.deepEqual([filesIn(t.snapshotDir), filesIn(b.snapshotDir)], [transformerFiles, baseFiles]);
  assert.deepEqual([[...t.files].sort(), [...b.files].sort()], [transformerFiles, baseFiles]);
  assert.deepEqual([t.commit, b.commit], [server.commitOf(TRANSFORMER), server.commitOf(BASE)]);
  assert.deepEqual([...server.servedFiles(TRANSFORMER).keys()].sort(), transformerFiles, 'no README');
  assert.deepEqual([...server.servedFiles(BASE).keys()].sort(), baseFiles);
});

test('the disk check counts both repos: one byte short of both refuses before anything is fetched', async () => {
  const needed = bytesOf(TRANSFORMER, transformerFiles) + bytesOf(BASE, baseFiles);
  const free = needed + DISK_MARGIN - 1;
  assert.ok(bytesOf(TRANSFORMER, transformerFiles) + DISK_MARGIN <= free && bytesOf(BASE, baseFiles) + DISK_MARGIN <= free, 'each repo alone would fit');
  server.resetCounts();
  const cache = newCache();
  const short = await dl(cache, { freeSpace: async () => free }).catch((e: unknown) => e);
  assert.ok(short instanceof HubError && short.kind === 'disk-space', String(short));
  assert.equal(server.servedFiles(TRANSFORMER).size + server.servedFiles(BASE).size, 0, 'no byte was fetched');
  const [t, b] = await dl(cache, { freeSpace: async () => needed + DISK_MARGIN });
  assert.deepEqual([filesIn(t.snapshotDir), filesIn(b.snapshotDir)], [transformerFiles, baseFiles]);
});

test('one progress stream: both repos\' bytes and files in every report, never going back, done at the total', async () => {
  const reports: DownloadProgress[] = [];
  await dl(newCache(), { onProgress: (p) => reports.push(p), concurrency: 1 });
  const total = bytesOf(TRANSFORMER, transformerFiles) + bytesOf(BASE, baseFiles);
  const downloading = reports.filter((p) => p.phase === 'downloading');
  assert.equal(reports[0].phase, 'resolving');
  assert.ok(downloading.length >= files.length, `a report per file at least (${downloading.length})`);
  assert.ok(downloading.every((p) => p.bytesTotal === total && p.filesTotal === files.length), 'the total is both repos\' from the first report');
  assert.ok(downloading.every((p, i) => i === 0 || p.bytesDone >= downloading[i - 1].bytesDone), 'bytes done never go back');
  assert.ok(downloading.some((p) => p.file?.startsWith('transformer/')) && downloading.some((p) => p.file?.startsWith('vae/')), 'files of both repos');
  assert.deepEqual(reports.at(-1), { phase: 'done', bytesDone: total, bytesTotal: total, filesDone: files.length, filesTotal: files.length });
});

test('offline, both from the cache; a cache that lacks the base\'s part names it', async () => {
  const cache = newCache();
  await dl(cache);
  server.resetCounts();
  const [t, b] = await dl(cache, { offline: true });
  assert.ok(t.fromCache && b.fromCache);
  assert.deepEqual([filesIn(t.snapshotDir), filesIn(b.snapshotDir)], [transformerFiles, baseFiles]);
  assert.deepEqual(server.requests, []);
  const onlyTransformer = newCache();
  await downloadSnapshots([requests[0]], { cacheDir: onlyTransformer, endpoint: server.endpoint, env: {} });
  const missing = await dl(onlyTransformer, { offline: true }).catch((e: unknown) => e);
  assert.ok(missing instanceof HubError && missing.kind === 'offline-incomplete', String(missing));
  assert.match(missing.message, /holds no copy of tiny\/sigma-base at "main"/);
});

test('the per-file guarantees hold in either repo: a damaged base shard is fetched again, and a second start fetches only what the first left', async () => {
  const shard = 'text_encoder/model-00001-of-00002.safetensors';
  server.resetCounts();
  server.corrupt(BASE, shard, 1);
  const cache = newCache();
  const [, b] = await dl(cache, { concurrency: 1 });
  assert.equal(server.bytesServed(BASE, shard), 2 * server.hostedFile(BASE, shard).size, 'the damaged copy was dropped and fetched again');
  assert.deepEqual(filesIn(b.snapshotDir), baseFiles);
  // Cancelled once the transformer is in: the next start asks the hub again but fetches only the base's files.
  const partial = newCache();
  const stop = new AbortController();
  server.resetCounts();
  const cancelled = await dl(partial, { signal: stop.signal, concurrency: 1, onProgress: (p) => p.file === 'transformer/diffusion_pytorch_model.safetensors' && p.filesDone >= transformerFiles.length && stop.abort() }).catch((e: unknown) => e);
  assert.ok(cancelled instanceof Error && cancelled.name === 'AbortError', String(cancelled));
  server.resetCounts();
  const [t2, b2] = await dl(partial);
  assert.equal(server.servedFiles(TRANSFORMER).size, 0, 'the transformer was not fetched again');
  assert.deepEqual([filesIn(t2.snapshotDir), filesIn(b2.snapshotDir)], [transformerFiles, baseFiles]);
});
