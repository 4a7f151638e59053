// `pixart info FILE…` as a user runs it: the parameters of PNG, WebP and JPEG files as stored or
// as JSON, one clear line per file that fails, exit code 1 when any did; crafted files included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { toParameters } from '../../src/image/parameters';
import { encodeImage } from '../../src/image/encode';
import { bombPng, exifUserComment, freezePng, jpegWithExif, parametersPng, pngWith, sampleParameters, tEXt } from '../support/crafted-images';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'pixart-info-'));
const text = toParameters(sampleParameters);
const file = (name: string, bytes: Uint8Array) => {
  writeFileSync(join(dir, name), bytes);
  return join(dir, name);
};
const info = (...args: string[]) => spawnSync(process.execPath, [cli, 'info', ...args], { encoding: 'utf8' });

test('pixart info prints the parameters text of a PNG as stored', { skip: !existsSync(cli) && 'run npm run build' }, () => {
  const r = info(file('a.png', parametersPng()));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${text}\n`);
});

test('pixart info --json reads PNG, WebP, an A1111 JPEG, and reports each failing file', { skip: !existsSync(cli) && 'run npm run build' }, async () => {
  const webp = file('b.webp', await encodeImage({ width: 2, height: 1, rgb: new Uint8Array(6), parameters: text }, 'webp'));
  const a1111 = 'a castle\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 512x512';
  const jpeg = file('c.jpg', jpegWithExif(exifUserComment(a1111)));
  const bad = [file('freeze.png', freezePng()), file('bomb.png', bombPng(1_500_000).subarray(0, 1_000_000)), file('notes.txt', Buffer.from('hello')), join(dir, 'missing.png')];
  const t0 = performance.now();
  const bomb = file('bomb-beside.png', bombPng(3_000_000));
  const r = info('--json', join(dir, 'a.png'), webp, jpeg, bomb, ...bad);
  const ms = performance.now() - t0;
  assert.equal(r.status, 1);
  const out = JSON.parse(r.stdout) as { file: string; format?: string; parameters?: { seed: string }; text?: string; error?: string }[];
  assert.deepEqual(out.map((e) => e.format ?? 'error'), ['png', 'webp', 'jpeg', 'png', 'error', 'error', 'error', 'error']);
  assert.deepEqual([0, 1, 3].map((i) => out[i].parameters), [sampleParameters, sampleParameters, sampleParameters]);
  assert.equal(out[2].text, a1111);
  assert.match(out[4].error!, /fields line too long/);
  assert.match(out[5].error!, /no generation parameters/);
  assert.match(out[6].error!, /not a PNG, WebP or JPEG file/);
  assert.match(out[7].error!, /no such file/);
  assert.deepEqual(r.stderr.trim().split('\n'), out.slice(4).map((e) => `pixart: ${e.file}: ${e.error}`));
  assert.ok(ms < 5000, `${ms} ms`);
});

test('pixart info with several files heads each one; without files it is a usage error', { skip: !existsSync(cli) && 'run npm run build' }, () => {
  const a = join(dir, 'a.png');
  const r = info(a, a);
  assert.equal(r.stdout, `==> ${a} <==\n${text}\n\n==> ${a} <==\n${text}\n`);
  const none = info();
  assert.equal(none.status, 2);
  assert.match(none.stderr, /needs at least one FILE/);
  assert.match(info('--bogus', a).stderr, /unknown option "--bogus"/);
});

test('pixart info reads a ComfyUI PNG (its API graph in the `prompt` chunk) as parameters text', { skip: !existsSync(cli) && 'run npm run build' }, () => {
  // A hand-written graph in ComfyUI's API format: checkpoint, two prompts, empty latent, KSampler.
  const graph = {
    '3': { class_type: 'KSampler', inputs: { seed: 8566257, steps: 20, cfg: 8, sampler_name: 'euler', scheduler: 'normal', denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'model.safetensors' } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: 512, height: 512, batch_size: 1 } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a lighthouse', clip: ['4', 1] } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: 'fog', clip: ['4', 1] } },
  };
  const comfy = file('comfy.png', pngWith(tEXt('prompt', JSON.stringify(graph))));
  const r = info(comfy);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'a lighthouse\nNegative prompt: fog\nSteps: 20, Sampler: euler, CFG scale: 8, Seed: 8566257, Size: 512x512, Model: model.safetensors, Schedule type: normal\n');
  const json = JSON.parse(info('--json', comfy).stdout) as { source: string; parameters: { seed: string } }[];
  assert.deepEqual([json[0].source, json[0].parameters.seed], ['comfyui', '8566257']);
});
