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
import { bombPng, exifUserComment, freezePng, jpegWithExif, parametersPng, sampleParameters } from '../support/crafted-images';

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
