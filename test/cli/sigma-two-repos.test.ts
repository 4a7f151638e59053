// PixArt-Σ 512 and 2K as the hub holds them: transformer/ alone in one repo, the T5, VAE,
// tokenizer and scheduler in another (PixArt-alpha/pixart_sigma_sdxlvae_T5_diffusers). The local hub
// serves the tiny Σ checkpoint split that way; `pixart build-model` assembles a model from the two
// (the known repo's base by default, or --base), fetching each file once, and the model is the one
// built from the one-folder checkpoint: the same files, and every Σ case reproduced through the CLI.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { HubServer, sigmaSplitRepos, sigmaTinyDir, sigmaTinyFiles } from '../support/hub-server';
import { filesIn } from '../support/hub-cache';
import { checkCaseFromCaseJson, cli, runCli, sigmaCases, type SigmaModel } from './sigma-cli-checks';

const T512 = 'PixArt-alpha/PixArt-Sigma-XL-2-512-MS';
const BASE = 'PixArt-alpha/pixart_sigma_sdxlvae_T5_diffusers';
const F32 = ['--weights', 'text_encoder=f32,transformer=f32'];
const work = mkdtempSync(join(tmpdir(), 'pixart-sigma-two-'));
let server: HubServer;
let env: Record<string, string>;

before(async () => {
  // The real base was uploaded before diffusers had PixArtSigmaPipeline (the hub lists it as a PixArtAlphaPipeline).
  server = await HubServer.start([...sigmaSplitRepos(T512, BASE, { baseClass: 'PixArtAlphaPipeline' }), ...sigmaSplitRepos('tiny/sigma-transformer', 'tiny/sigma-base')]);
  env = { PATH: process.env.PATH ?? '', HF_ENDPOINT: server.endpoint, HF_HUB_CACHE: join(work, 'hub') };
  const ref = runCli(['build-model', '--from', sigmaTinyDir, '--out', join(work, 'reference'), ...F32]);
  assert.equal(ref.status, 0, ref.stderr);
});
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

/** The CLI as a child process (the hub runs in this one, so it must not be blocked). */
function run(args: string[], extraEnv: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...env, ...extraEnv } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

interface Manifest {
  source: { repo?: string; commit?: string; revision?: string; base?: { repo?: string; commit?: string; revision?: string; parts: string[] } };
  files: Record<string, { sha256: string }>;
}
const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'pixart-manifest.json'), 'utf8')) as Manifest;
const modelIndex = (dir: string) => JSON.parse(readFileSync(join(dir, 'model_index.json'), 'utf8')) as Record<string, unknown>;

/** The model holds the reference build's files, byte for byte (model_index.json: the same JSON). */
function assertSameModel(dir: string): void {
  const ours = manifestOf(dir).files;
  const ref = manifestOf(join(work, 'reference')).files;
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(ref).sort());
  for (const f of Object.keys(ref).filter((k) => k !== 'model_index.json')) assert.equal(ours[f].sha256, ref[f].sha256, `${f} differs from the one-folder build`);
  assert.deepEqual(modelIndex(dir), modelIndex(join(work, 'reference')));
}

const model: SigmaModel = { dir: join(work, 'sigma-512'), name: 'PixArt-Sigma-XL-2-512-MS', work };

test('Σ 512 builds with its default base: transformer/ from its repo, the rest from the base, each file fetched once, one progress stream', async () => {
  const r = await run(['build-model', '--from', T512, '--out', model.dir, ...F32, '--progress', 'json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), model.dir);
  const events = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { type: string; phase?: string; message?: string; fraction?: number });
  const progress = events.filter((e) => e.type === 'progress');
  assert.deepEqual([...new Set(progress.map((e) => e.phase))], ['download', 'checking', 'vae_decoder', 'text_encoder', 'transformer', 'hashing']);
  const fractions = progress.map((e) => e.fraction!);
  assert.ok(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]), `the fraction never goes back: ${fractions.join(' ')}`);
  assert.ok(progress.filter((e) => e.phase === 'download').every((e) => e.message!.startsWith(`Downloading ${T512} and ${BASE}: `)), 'one download of both repos');
  const sizes = (repo: string, paths: string[]) => new Map(paths.map((p) => [p, server.hostedFile(repo, p).size]));
  const files = sigmaTinyFiles();
  assert.deepEqual(server.servedFiles(T512), sizes(T512, files.filter((p) => p.startsWith('transformer/'))), 'the transformer repo gave transformer/, each file once');
  assert.deepEqual(server.servedFiles(BASE), sizes(BASE, files.filter((p) => !p.startsWith('transformer/'))), 'the base gave everything else, each file once');
  const { source } = manifestOf(model.dir);
  assert.deepEqual([source.repo, source.revision, source.commit], [T512, 'main', server.commitOf(T512)]);
  assert.deepEqual([source.base?.repo, source.base?.revision, source.base?.commit], [BASE, 'main', server.commitOf(BASE)]);
  assert.deepEqual(source.base?.parts, ['model_index.json', 'scheduler', 'tokenizer', 'text_encoder', 'vae']);
  assert.equal(modelIndex(model.dir)._class_name, 'PixArtSigmaPipeline', 'the model is Σ although the base names PixArtAlphaPipeline');
  assertSameModel(model.dir);
});

for (const c of sigmaCases) {
  test(`the model built from two repos reproduces ${c.name}`, () => checkCaseFromCaseJson(model, c));
}

test('offline, with both repos cached, the same model is built without asking the hub', async () => {
  server.resetCounts();
  const out = join(work, 'sigma-512-offline');
  const r = await run(['build-model', '--from', T512, '--out', out, ...F32], { HF_HUB_OFFLINE: '1' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(server.requests, [], 'no request reached the hub');
  assert.deepEqual(manifestOf(out).source.base?.commit, server.commitOf(BASE));
  assertSameModel(out);
});

test('a transformer-only source without a base is refused, naming --base, before anything is downloaded', async () => {
  server.resetCounts();
  const repo = await run(['build-model', '--from', 'tiny/sigma-transformer', '--out', join(work, 'no-base'), ...F32]);
  assert.equal(repo.status, 1);
  assert.match(repo.stderr, /^pixart: tiny\/sigma-transformer at "main" \([0-9a-f]{8}\) holds only a transformer \(transformer\/, no model_index\.json\).*Name that repo with --base REPO_OR_DIR/m);
  assert.equal(server.servedFiles('tiny/sigma-transformer').size, 0, 'nothing was downloaded');
  const folder = join(work, 'transformer-only');
  mkdirSync(folder);
  cpSync(join(sigmaTinyDir, 'transformer'), join(folder, 'transformer'), { recursive: true });
  const dir = await run(['build-model', '--from', folder, '--out', join(work, 'no-base'), ...F32]);
  assert.equal(dir.status, 1);
  assert.match(dir.stderr, /holds only a transformer \(transformer\/, no model_index\.json\).*--base REPO_OR_DIR/);
  const empty = join(work, 'empty');
  mkdirSync(empty);
  const noTransformer = await run(['build-model', '--from', empty, '--base', sigmaTinyDir, '--out', join(work, 'no-base'), ...F32]);
  assert.equal(noTransformer.status, 1);
  assert.match(noTransformer.stderr, /^pixart: --from .*empty has no transformer\/ folder: with --base, --from gives the transformer/m);
  assert.ok(!existsSync(join(work, 'no-base')));
});

test('--base names the base of any transformer-only repo (or folder); the manifest records both', async () => {
  const out = join(work, 'named-base');
  const r = await run(['build-model', '--from', 'tiny/sigma-transformer', '--base', 'tiny/sigma-base', '--out', out, ...F32]);
  assert.equal(r.status, 0, r.stderr);
  const { source } = manifestOf(out);
  assert.deepEqual([source.repo, source.base?.repo], ['tiny/sigma-transformer', 'tiny/sigma-base']);
  assertSameModel(out);
  const local = join(work, 'local-transformer');
  const l = await run(['build-model', '--from', join(work, 'transformer-only'), '--base', 'tiny/sigma-base', '--out', local, ...F32]);
  assert.equal(l.status, 0, l.stderr);
  assertSameModel(local);
});

test('download-model of a transformer-only repo fetches its transformer/ and its base\'s other parts, and prints both folders', async () => {
  const r = await run(['download-model', '--repo', T512, '--cache-dir', join(work, 'dl-cache')]);
  assert.equal(r.status, 0, r.stderr);
  const [transformer, base, extra] = r.stdout.trim().split('\n');
  assert.equal(extra, undefined);
  const files = sigmaTinyFiles();
  assert.deepEqual(filesIn(transformer), files.filter((p) => p.startsWith('transformer/')));
  assert.deepEqual(filesIn(base), files.filter((p) => !p.startsWith('transformer/')));
  assert.match(transformer, /models--PixArt-alpha--PixArt-Sigma-XL-2-512-MS[/\\]snapshots[/\\]/);
  assert.match(base, /models--PixArt-alpha--pixart_sigma_sdxlvae_T5_diffusers[/\\]snapshots[/\\]/);
});
