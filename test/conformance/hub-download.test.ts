// downloadSnapshot against a local hub (test/support/hub-server.ts) serving the tiny PixArt
// checkpoint under the hub's URL scheme: what is fetched and where it lands, reuse of a cache
// (ours or Python's), offline, and each failure's message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { fileDownloadInfo, listFiles } from '@huggingface/hub';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadSnapshot, HubError, type DownloadOptions } from '../../src/hub';
import { HubServer } from '../support/hub-server';
import { DUPLICATES, tinyPipelineFiles, tinyPixArtRepo } from '../support/hub-repo';
import { assertSnapshotIsFixture, filesIn, pythonBlobName, writePythonCache } from '../support/hub-cache';
import { tinyDiffusersDir } from '../support/hub-repo';

const REPO = 'tiny/pixart';
let server: HubServer;
const newCache = () => mkdtempSync(join(tmpdir(), 'pixart-hub-cache-'));
const dl = (cacheDir: string, o: Partial<DownloadOptions> = {}) =>
  downloadSnapshot({ repo: REPO, cacheDir, endpoint: server.endpoint, env: {}, retry: { attempts: 3, delayMs: 5 }, ...o });

async function failure(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof HubError, `a HubError, not ${String(err)}`);
    return err;
  }
  assert.fail('the download was expected to fail');
}

before(async () => {
  server = await HubServer.start([
    tinyPixArtRepo(REPO),
    tinyPixArtRepo('gated/pixart', { gated: true, accepted: ['hf_accepted_test_token'] }),
    tinyPixArtRepo('secret/pixart', { private: true, accepted: ['hf_accepted_test_token'] }),
    { id: 'bins/pixart', files: tinyPixArtRepo('x').files.filter((f) => !f.path.startsWith('transformer/diffusion_pytorch_model')).concat(DUPLICATES.filter((d) => d.path.startsWith('transformer/'))) },
  ]);
  server.pageSize = 7; // the listing comes in pages, as the hub's does for big repos
});
after(() => server.close());

test('downloads exactly the pipeline files into the standard cache layout; a second start fetches nothing', async () => {
  const cache = newCache();
  server.resetCounts();
  const snap = await dl(cache);
  const folder = join(cache, 'models--tiny--pixart');
  assert.equal(snap.snapshotDir, join(folder, 'snapshots', server.commitOf(REPO)));
  assert.equal(snap.fromCache, false);
  assert.deepEqual([...snap.files].sort(), [...tinyPipelineFiles()].sort());
  assertSnapshotIsFixture(snap.snapshotDir);
  assert.equal(readFileSync(join(folder, 'refs', 'main'), 'utf8'), server.commitOf(REPO));
  const blobs = filesIn(join(folder, 'blobs'));
  assert.deepEqual(blobs, tinyPipelineFiles().map((p) => pythonBlobName(p, readFileSync(join(tinyDiffusersDir, p)))).sort(), 'blobs named as huggingface_hub names them');
  const served = server.servedFiles(REPO);
  assert.deepEqual([...served.keys()].sort(), [...tinyPipelineFiles()].sort(), 'no duplicate (.bin, fp16, ONNX, Flax, README) is fetched');
  for (const p of tinyPipelineFiles()) assert.equal(served.get(p), server.hostedFile(REPO, p).size, `${p} served once`);
  assert.ok(!server.requests.some((r) => r.url.startsWith('cdn:') && r.auth), 'no Authorization header reaches the CDN');

  server.resetCounts();
  const again = await dl(cache);
  assert.equal(again.snapshotDir, snap.snapshotDir);
  assert.equal(server.servedFiles(REPO).size, 0, 'nothing downloaded twice');
  assert.ok(server.requests.every((r) => r.url.startsWith('/api/')), 'only the revision and the listing are asked for');
});

test('the fp16 variant fetches fp16 weights where the repo has them, the plain ones elsewhere', async () => {
  server.resetCounts();
  const snap = await dl(newCache(), { variant: 'fp16' });
  const weights = snap.files.filter((p) => p.endsWith('.safetensors')).sort();
  assert.deepEqual(weights, ['text_encoder/model-00001-of-00002.safetensors', 'text_encoder/model-00002-of-00002.safetensors', 'transformer/diffusion_pytorch_model.fp16.safetensors', 'vae/diffusion_pytorch_model.fp16.safetensors']);
  const served = [...server.servedFiles(REPO).keys()];
  assert.ok(!served.some((p) => /^(transformer|vae)\/diffusion_pytorch_model(-\d+-of-\d+)?\.safetensors$/.test(p)), served.join(', '));
});

test('a cache made the way Python\'s huggingface_hub makes it is reused: nothing is downloaded again', async () => {
  const cache = newCache();
  const older = 'a'.repeat(40);
  writePythonCache(cache, REPO, older);
  server.resetCounts();
  const snap = await dl(cache);
  assert.equal(server.servedFiles(REPO).size, 0, 'every blob was there (from an older commit)');
  assertSnapshotIsFixture(snap.snapshotDir);
  const entry = join(snap.snapshotDir, 'transformer', 'diffusion_pytorch_model.safetensors');
  assert.equal(readlinkSync(entry), join('..', '..', '..', 'blobs', pythonBlobName('transformer/diffusion_pytorch_model.safetensors', readFileSync(join(tinyDiffusersDir, 'transformer/diffusion_pytorch_model.safetensors')))));

  const windows = newCache();
  writePythonCache(windows, REPO, server.commitOf(REPO), { copies: true });
  server.resetCounts();
  assertSnapshotIsFixture((await dl(windows)).snapshotDir, { symlinks: false });
  assert.equal(server.servedFiles(REPO).size, 0, 'a snapshot of copies (no symlinks) is reused too');
});

test('offline: a complete cache works without a request; an incomplete one names the missing files', async () => {
  const cache = newCache();
  const snap = await dl(cache);
  server.resetCounts();
  const offline = await dl(cache, { env: { HF_HUB_OFFLINE: '1' } });
  assert.deepEqual(offline, { ...snap, fromCache: true });
  assert.equal(server.requests.length, 0);

  unlinkSync(join(snap.snapshotDir, 'text_encoder', 'model-00002-of-00002.safetensors'));
  rmSync(join(cache, 'models--tiny--pixart', 'blobs', pythonBlobName('vae/config.json', readFileSync(join(tinyDiffusersDir, 'vae/config.json')))));
  const err = await failure(dl(cache, { offline: true }));
  assert.equal(err.kind, 'offline-incomplete');
  assert.deepEqual(err.missing.sort(), ['text_encoder/model-00002-of-00002.safetensors', 'vae/config.json']);
  assert.match(err.message, /offline \(HF_HUB_OFFLINE\), and the cached copy of tiny\/pixart at "main" .* is incomplete: it lacks .*vae\/config\.json.*: download it once without HF_HUB_OFFLINE/);

  const none = await failure(dl(newCache(), { offline: true }));
  assert.match(none.message, /holds no copy of tiny\/pixart at "main"/);
  assert.equal(server.requests.length, 0);
});

test('a hub that cannot be reached: the message names HF_ENDPOINT and HF_HUB_OFFLINE; a complete cache is used instead', async () => {
  const closed = await HubServer.start();
  const endpoint = closed.endpoint;
  await closed.close();
  const err = await failure(dl(newCache(), { endpoint }));
  assert.equal(err.kind, 'unreachable');
  assert.match(err.message, new RegExp(`cannot reach the Hugging Face hub at ${endpoint} \\(ECONNREFUSED\\): .*HF_ENDPOINT.*HF_HUB_OFFLINE=1`));
  const cache = newCache();
  await dl(cache);
  const snap = await dl(cache, { endpoint });
  assert.equal(snap.fromCache, true);
  assertSnapshotIsFixture(snap.snapshotDir);
});

test('a gated repo: 401 without a token names HF_TOKEN and the page to accept; 403 for a token without access; an accepted token works (HF_TOKEN or the token file)', async () => {
  const e401 = await failure(dl(newCache(), { repo: 'gated/pixart' }));
  assert.equal(e401.kind, 'gated');
  assert.match(e401.message, new RegExp(`gated/pixart is a gated repo: open ${server.endpoint}/gated/pixart, log in and accept the conditions, then set HF_TOKEN`));
  const e403 = await failure(dl(newCache(), { repo: 'gated/pixart', env: { HF_TOKEN: 'hf_valid_test_token' } }));
  assert.match(e403.message, /the token from HF_TOKEN has no access yet/);
  const refused = await failure(dl(newCache(), { repo: 'gated/pixart', token: 'hf_expired' }));
  assert.equal(refused.kind, 'token-refused');
  const home = mkdtempSync(join(tmpdir(), 'pixart-hf-home-'));
  writeFileSync(join(home, 'token'), 'hf_accepted_test_token\n');
  assertSnapshotIsFixture((await dl(newCache(), { repo: 'gated/pixart', env: { HF_HOME: home } })).snapshotDir);
  server.resetCounts();
  const snap = await dl(newCache(), { repo: 'gated/pixart', env: { HF_TOKEN: 'hf_accepted_test_token' } });
  assertSnapshotIsFixture(snap.snapshotDir);
  assert.ok(server.requests.filter((r) => !r.url.startsWith('cdn:')).every((r) => r.auth), 'the token goes to the hub');
  assert.ok(server.requests.filter((r) => r.url.startsWith('cdn:')).every((r) => !r.auth), 'and not to the CDN');
});

test('an unknown repo id, a private repo without a token, and an unknown revision are named', async () => {
  const unknown = await failure(dl(newCache(), { repo: 'nobody/nothing' }));
  assert.equal(unknown.kind, 'not-found');
  assert.match(unknown.message, /the repo "nobody\/nothing" was not found on http:\/\/127\.0\.0\.1:\d+: check the id/);
  const secret = await failure(dl(newCache(), { repo: 'secret/pixart' }));
  assert.match(secret.message, /if it is private, set HF_TOKEN/);
  assertSnapshotIsFixture((await dl(newCache(), { repo: 'secret/pixart', token: 'hf_accepted_test_token' })).snapshotDir);
  const rev = await failure(dl(newCache(), { revision: 'v9' }));
  assert.equal(rev.kind, 'revision-not-found');
  assert.match(rev.message, /tiny\/pixart has no revision "v9"/);
  await assert.rejects(dl(newCache(), { repo: 'not a repo' }), /"not a repo" is not a Hugging Face repo id/);
});

test('a repo without safetensors weights for a folder is refused before anything is fetched, naming what it lacks', async () => {
  const cache = newCache();
  server.resetCounts();
  const err = await failure(dl(cache, { repo: 'bins/pixart' }));
  assert.equal(err.kind, 'not-a-pipeline');
  assert.match(err.message, /bins\/pixart at "main" \([0-9a-f]{8}\) is not a PixArt diffusers checkpoint .*transformer\/\*\.safetensors \(it has only fp16 weights: choose the fp16 variant\)/);
  assert.equal(server.servedFiles('bins/pixart').size, 0);
  assert.ok(!existsSync(join(cache, 'models--bins--pixart', 'blobs')));
});

test('the hub\'s own JS client reads the local hub as it reads huggingface.co', async () => {
  const shard = 'text_encoder/model-00001-of-00002.safetensors';
  const info = await fileDownloadInfo({ repo: REPO, path: shard, hubUrl: server.endpoint });
  assert.equal(info?.size, readFileSync(join(tinyDiffusersDir, shard)).length);
  assert.equal(info?.etag, `"${pythonBlobName(shard, readFileSync(join(tinyDiffusersDir, shard)))}"`);
  assert.equal(await fileDownloadInfo({ repo: REPO, path: 'no/such.json', hubUrl: server.endpoint }), null);
  const entries = [];
  for await (const e of listFiles({ repo: REPO, path: 'vae', expand: true, hubUrl: server.endpoint })) entries.push(e);
  assert.deepEqual(entries.map((e) => e.path).sort(), ['vae/config.json', 'vae/diffusion_pytorch_model-00001-of-00002.safetensors', 'vae/diffusion_pytorch_model-00002-of-00002.safetensors', 'vae/diffusion_pytorch_model.fp16.safetensors', 'vae/diffusion_pytorch_model.safetensors.index.json']);
  assert.ok(entries.every((e) => e.lastCommit?.id === server.commitOf(REPO)));
});
