// `pixart build-model` as a user (or the extension, running the CLI bundle as a child) runs it:
// bad flags exit 2 with one line, a refused source exits 1 naming it, --progress json writes one
// JSON object per line on stderr, and SIGTERM cancels a build, leaving nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fixturesDir } from '../support/paths';
import { HubServer } from '../support/hub-server';
import { tinyPixArtRepo } from '../support/hub-repo';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
const source = join(fixturesDir, 'pixart-tiny-diffusers');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, 'build-model', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('bad flags exit 2 with one line naming the flag', () => {
  assert.ok(existsSync(cli), `${cli} is missing: run npm run build`);
  const cases: [string[], RegExp][] = [
    [['--out', 'x'], /--from REPO_OR_DIR \(a Hugging Face repo id or a diffusers PixArt checkpoint folder\) is required/],
    [['--from', source], /--out DIR \(the model folder to create\) is required/],
    [['--from', source, '--out', 'x', '--weights', 'text_encoder=int3'], /--weights: "text_encoder=int3" is not text_encoder=int8\|int4\|f16\|f32 or transformer=f32\|f16\|bf16/],
    [['--from', source, '--out', 'x', '--weights', 'vae=f16'], /--weights: "vae=f16"/],
    [['--from', source, '--out', 'x', '--progress', 'xml'], /--progress takes text or json, got "xml"/],
    [['--from', source, '--out', 'x', '--force'], /unknown option "--force" for build-model/],
  ];
  for (const [args, pattern] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.equal(r.stdout, '');
  }
});

test('a refused source exits 1 with the reason, in text and as JSON', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'pixart-build-cli-')), 'model');
  const text = run(['--from', join(source, 'vae'), '--out', out]);
  assert.equal(text.status, 1);
  assert.match(text.stderr, /^pixart: .*vae has no model_index\.json: it is not a diffusers checkpoint/m);
  const json = run(['--from', join(source, 'vae'), '--out', out, '--progress', 'json']);
  assert.equal(json.status, 1);
  const lines = json.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines[0], { type: 'progress', phase: 'checking', message: 'Checking the checkpoint…', fraction: 0 });
  assert.equal(lines.at(-1)!.type, 'error');
  assert.match(String(lines.at(-1)!.message), /has no model_index\.json/);
  assert.ok(!existsSync(out));
});

/**
 * diffusers' AutoencoderKL decoder tensors at PixArt's real size (block_out_channels
 * [128, 256, 512, 512], layers_per_block 2): name → shape.
 */
function realSizeDecoderTensors(): Map<string, number[]> {
  const t = new Map<string, number[]>();
  const conv = (p: string, o: number, i: number, k: number) => { t.set(`${p}.weight`, [o, i, k, k]); t.set(`${p}.bias`, [o]); };
  const norm = (p: string, c: number) => { t.set(`${p}.weight`, [c]); t.set(`${p}.bias`, [c]); };
  const resnet = (p: string, i: number, o: number) => {
    norm(`${p}.norm1`, i); conv(`${p}.conv1`, o, i, 3); norm(`${p}.norm2`, o); conv(`${p}.conv2`, o, o, 3);
    if (i !== o) conv(`${p}.conv_shortcut`, o, i, 1);
  };
  conv('post_quant_conv', 4, 4, 1);
  conv('decoder.conv_in', 512, 4, 3);
  resnet('decoder.mid_block.resnets.0', 512, 512);
  norm('decoder.mid_block.attentions.0.group_norm', 512);
  for (const l of ['to_q', 'to_k', 'to_v', 'to_out.0']) { t.set(`decoder.mid_block.attentions.0.${l}.weight`, [512, 512]); t.set(`decoder.mid_block.attentions.0.${l}.bias`, [512]); }
  resnet('decoder.mid_block.resnets.1', 512, 512);
  const widths = [512, 512, 256, 128];
  widths.forEach((w, i) => {
    for (let j = 0; j < 3; j++) resnet(`decoder.up_blocks.${i}.resnets.${j}`, j === 0 ? widths[Math.max(0, i - 1)] : w, w);
    if (i < 3) conv(`decoder.up_blocks.${i}.upsamplers.0.conv`, w, w, 3);
  });
  norm('decoder.conv_norm_out', 128);
  conv('decoder.conv_out', 3, 128, 3);
  return t;
}

/**
 * The tiny checkpoint with a real-size VAE whose tensors all share one block of zeros (safetensors
 * ranges may overlap): a 10 MB file from which the builder writes ~200 MB, so a build lasts long
 * enough to be cancelled.
 */
function checkpointWithRealSizeVae(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pixart-build-cli-src-'));
  cpSync(source, dir, { recursive: true });
  rmSync(join(dir, 'vae'), { recursive: true });
  mkdirSync(join(dir, 'vae'));
  const tensors = realSizeDecoderTensors();
  const largest = Math.max(...[...tensors.values()].map((s) => s.reduce((a, b) => a * b, 1) * 4));
  const header: Record<string, unknown> = {};
  for (const [name, shape] of tensors) header[name] = { dtype: 'F32', shape, data_offsets: [0, shape.reduce((a, b) => a * b, 1) * 4] };
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(join(dir, 'vae', 'diffusion_pytorch_model.safetensors'), Buffer.concat([length, json, Buffer.alloc(largest)]));
  const config = JSON.parse(readFileSync(join(source, 'vae', 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'vae', 'config.json'), JSON.stringify({ ...config, block_out_channels: [128, 256, 512, 512], layers_per_block: 2, norm_num_groups: 32 }));
  return dir;
}

test('--progress json reports each phase on stderr, one object per line, and SIGTERM cancels leaving nothing', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'pixart-build-cli-'));
  const from = checkpointWithRealSizeVae();
  const child = spawn(process.execPath, [cli, 'build-model', '--from', from, '--out', join(parent, 'model'), '--progress', 'json']);
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    if (/"phase":"vae_decoder"/.test(stderr) && !child.killed) child.kill('SIGTERM');
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  rmSync(from, { recursive: true, force: true });
  const events = stderr.trim().split('\n').map((l) => JSON.parse(l) as { type: string; phase?: string; fraction?: number; message?: string });
  assert.deepEqual(events[0], { type: 'progress', phase: 'checking', message: 'Checking the checkpoint…', fraction: 0 });
  const vae = events.filter((e) => e.phase === 'vae_decoder');
  // the VAE is the second of five phases: its progress lies in [1/5, 2/5)
  assert.ok(vae.length && vae.every((e) => /^Building the VAE decoder: \d+ %$/.test(e.message!) && e.fraction! >= 0.2 && e.fraction! < 0.4), `cancelled while building the VAE: ${stderr}`);
  assert.deepEqual(events.at(-1), { type: 'cancelled', message: 'build-model cancelled; nothing was written' }, stderr);
  assert.equal(status, 130);
  assert.equal(stdout, '');
  assert.deepEqual(readdirSync(parent), [], 'no model and no .partial folder are left');
});

test('--from a repo id downloads it from the hub (HF_ENDPOINT) into the cache, then builds it, with one progress stream', async () => {
  const server = await HubServer.start([tinyPixArtRepo('tiny/pixart')]);
  const parent = mkdtempSync(join(tmpdir(), 'pixart-build-cli-'));
  try {
    const env = { PATH: process.env.PATH ?? '', HF_ENDPOINT: server.endpoint, HF_HUB_CACHE: join(parent, 'hub') };
    const child = spawn(process.execPath, [cli, 'build-model', '--from', 'tiny/pixart', '--out', join(parent, 'model'), '--progress', 'json'], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(status, 0, stderr);
    const events = stderr.trim().split('\n').map((l) => JSON.parse(l) as { type: string; phase?: string; fraction?: number });
    const phases = [...new Set(events.filter((e) => e.type === 'progress').map((e) => e.phase))];
    assert.deepEqual(phases, ['download', 'checking', 'vae_decoder', 'text_encoder', 'transformer', 'hashing']);
    const fractions = events.filter((e) => e.type === 'progress').map((e) => e.fraction!);
    assert.ok(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]), `the fraction never goes back: ${fractions.join(' ')}`);
    assert.equal(events.at(-1)!.type, 'done');
    assert.equal(stdout.trim(), join(parent, 'model'));
    const manifest = JSON.parse(readFileSync(join(parent, 'model', 'pixart-manifest.json'), 'utf8')) as { source: { repo?: string; revision?: string; commit?: string } };
    assert.equal(manifest.source.repo, 'tiny/pixart');
    assert.equal(manifest.source.revision, 'main');
    assert.match(manifest.source.commit ?? '', /^[0-9a-f]{40}$/);
    assert.ok(existsSync(join(parent, 'hub', 'models--tiny--pixart', 'snapshots', manifest.source.commit!, 'model_index.json')), 'downloaded into the Hugging Face cache layout');
  } finally {
    await server.close();
    rmSync(parent, { recursive: true, force: true });
  }
});
