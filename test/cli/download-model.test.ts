// `pixart download-model` as the extension and a user run it, against the local hub: the
// snapshot folder on stdout, JSON progress lines on stderr, a cancel by SIGTERM that the next
// start resumes, and one clear line for each failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDownloadArgs, progressText } from '../../src/cli/download-model';
import { HubServer } from '../support/hub-server';
import { tinyPipelineFiles, tinyPixArtRepo } from '../support/hub-repo';
import { assertSnapshotIsFixture } from '../support/hub-cache';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
const skip = !existsSync(cli) && 'run npm run build';
const REPO = 'tiny/pixart';
let server: HubServer;

before(async () => {
  server = await HubServer.start([tinyPixArtRepo(REPO)]);
});
after(() => server.close());

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking this process's event loop (the hub answers from it). */
function run(args: string[], env: Record<string, string>, onStderr?: (text: string, kill: () => void) => void): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cli, 'download-model', ...args], { env: { PATH: process.env.PATH ?? '', HF_ENDPOINT: server.endpoint, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, () => child.kill('SIGTERM'));
    });
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

const jsonLines = (stderr: string) => stderr.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

test('--progress json: one JSON object a line on stderr, the snapshot folder on stdout', { skip }, async () => {
  const cache = mkdtempSync(join(tmpdir(), 'pixart-cli-hub-'));
  const r = await run(['--repo', REPO, '--progress', 'json'], { HF_HUB_CACHE: cache });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  const objects = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual([...new Set(objects.map((o) => o.type))], ['progress', 'done']);
  const done = objects.at(-1) as { snapshotDir: string; commit: string; files: string[] };
  assert.equal(r.stdout, `${done.snapshotDir}\n`);
  assert.equal(done.commit, server.commitOf(REPO));
  assert.deepEqual([...done.files].sort(), [...tinyPipelineFiles()].sort());
  const final = objects.at(-2) as { phase: string; bytesDone: number; bytesTotal: number };
  assert.equal(final.phase, 'done');
  assert.equal(final.bytesDone, final.bytesTotal);
  assertSnapshotIsFixture(done.snapshotDir);
});

test('text progress, and --cache-dir', { skip }, async () => {
  const cache = mkdtempSync(join(tmpdir(), 'pixart-cli-hub-'));
  const r = await run(['--repo', REPO, '--cache-dir', cache], {});
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^done: 1\.8 MB in 15 files$/m);
  assert.ok(r.stdout.startsWith(join(cache, 'models--tiny--pixart', 'snapshots')));
});

test('SIGTERM cancels (exit 130, a "cancelled" line); the next start resumes and fetches only the rest', { skip }, async () => {
  const cache = mkdtempSync(join(tmpdir(), 'pixart-cli-hub-'));
  const shard = 'text_encoder/model-00001-of-00002.safetensors';
  const partial = join(cache, 'models--tiny--pixart', 'blobs', `${server.hostedFile(REPO, shard).sha256}.incomplete`);
  server.resetCounts();
  const hold = server.holdOnce(REPO, shard, 100_000);
  const total = tinyPipelineFiles().reduce((n, p) => n + server.hostedFile(REPO, p).size, 0);
  const arrived = total - server.hostedFile(REPO, shard).size + 100_000;
  let killed = false;
  // Cancel once a progress line says the other files are in and the held file's first bytes have arrived.
  const r = await run(['--repo', REPO, '--progress', 'json'], { HF_HUB_CACHE: cache }, (text, kill) => {
    if (!killed && jsonLines(text).some((o) => o.filesDone === 14 && o.bytesDone === arrived)) {
      killed = true;
      kill();
    }
  });
  hold.release();
  assert.equal(statSync(partial).size, 100_000, 'what arrived is on disk');
  assert.equal(r.status, 130, r.stderr);
  const lines = jsonLines(r.stderr);
  assert.equal(lines.at(-1)?.type, 'cancelled');
  assert.equal(lines.filter((o) => o.type === 'progress').at(-1)?.filesDone, 14);
  assert.match(r.stderr, /pixart: the download was cancelled; starting it again resumes where it stopped/);
  const again = await run(['--repo', REPO], { HF_HUB_CACHE: cache });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(server.bytesServed(REPO, shard), server.hostedFile(REPO, shard).size, 'each byte of the held file served once');
});

test('failures: one line naming the problem, and a JSON error object; bad flags exit 2', { skip }, async () => {
  const cache = mkdtempSync(join(tmpdir(), 'pixart-cli-hub-'));
  const unknown = await run(['--repo', 'nobody/nothing', '--progress', 'json'], { HF_HUB_CACHE: cache });
  assert.equal(unknown.status, 1);
  assert.deepEqual(jsonLines(unknown.stderr).at(-1)?.kind, 'not-found');
  assert.match(unknown.stderr, /^pixart: the repo "nobody\/nothing" was not found on http:\/\/127\.0\.0\.1:\d+/m);
  const offline = await run(['--repo', REPO], { HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '1' });
  assert.equal(offline.status, 1);
  assert.match(offline.stderr, /pixart: offline \(HF_HUB_OFFLINE\), and .* holds no copy of tiny\/pixart at "main"/);
  const noRepo = await run([], {});
  assert.equal(noRepo.status, 2);
  assert.match(noRepo.stderr, /download-model needs --repo ID/);
  const badVariant = await run(['--repo', REPO, '--variant', 'fp32'], {});
  assert.equal(badVariant.status, 2);
  assert.match(badVariant.stderr, /--variant takes fp16/);
});

test('the flags, and a progress line in words', () => {
  assert.deepEqual(parseDownloadArgs(['--repo', 'a/b', '--revision', 'v1', '--variant', 'fp16', '--cache-dir', '/c', '--offline', '--progress', 'json']), { repo: 'a/b', revision: 'v1', variant: 'fp16', cacheDir: '/c', offline: true, progress: 'json' });
  assert.throws(() => parseDownloadArgs(['--repo']), /--repo needs a value/);
  assert.throws(() => parseDownloadArgs(['--repo', 'a/b', '--fast']), /unknown argument "--fast"/);
  assert.equal(
    progressText({ phase: 'downloading', file: 'transformer/diffusion_pytorch_model.safetensors', bytesDone: 1.2e9, bytesTotal: 19.5e9, filesDone: 3, filesTotal: 15, bytesPerSecond: 85e6, etaSeconds: 215.3 }),
    '1.2 GB / 20 GB (6 %), 85 MB/s, 3 min 35 s left: transformer/diffusion_pytorch_model.safetensors',
  );
  assert.equal(progressText({ phase: 'downloading', bytesDone: 0, bytesTotal: 100, filesDone: 0, filesTotal: 1 }), '0 B / 100 B (0 %)');
});
