import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { saveUnique, Gallery, readImageParameters } from '../../src/extension/asset-store';
import { encodePng } from '../../src/image/png';
import { toParameters } from '../../src/image/parameters';
import { inTempFolder } from '../support/temp-folder';

const params = { prompt: 'a small cactus', negativePrompt: 'blurry', steps: 4, sampler: 'LCM', guidanceScale: 0, seed: '42', width: 2, height: 1, model: 'PixArt-LCM-XL-2-1024-MS' };
const png = () => encodePng(new Uint8Array([255, 0, 0, 0, 255, 0]), 2, 1, { parameters: toParameters(params) });

test('saves atomically, never overwriting, creating the folder', () => inTempFolder(async (root) => {
  const folder = path.join(root, 'assets', 'generated');
  const a = await saveUnique(folder, 'x.png', new Uint8Array([1]));
  const b = await saveUnique(folder, 'x.png', new Uint8Array([2]));
  const c = await saveUnique(folder, 'x.png', new Uint8Array([3]));
  assert.deepEqual([a, b, c].map((p) => path.basename(p)), ['x.png', 'x-2.png', 'x-3.png']);
  assert.deepEqual([...readFileSync(a)], [1]);
  assert.deepEqual([...readFileSync(c)], [3]);
  assert.deepEqual(readdirSync(folder).sort(), ['x-2.png', 'x-3.png', 'x.png'], 'no temporary files left');
}));

test('concurrent saves of one name all land under distinct names', () => inTempFolder(async (folder) => {
  const paths = await Promise.all(Array.from({ length: 8 }, (_, i) => saveUnique(folder, 'same.png', new Uint8Array([i]))));
  assert.equal(new Set(paths).size, 8);
  assert.equal(readdirSync(folder).length, 8);
}));

test('refuses names that would leave the folder', () => inTempFolder(async (folder) => {
  for (const bad of ['../x.png', 'a/b.png', '..']) await assert.rejects(saveUnique(folder, bad, new Uint8Array([1])), Error, bad);
  assert.deepEqual(readdirSync(folder), []);
}));

test('metadata written is read back', () => inTempFolder(async (folder) => {
  const p = await saveUnique(folder, 'cactus.png', png());
  const back = await readImageParameters(p, true);
  assert.deepEqual(back, params);
  assert.equal(await readImageParameters(path.join(folder, 'nope.webp')), undefined);
}));

test('gallery lists images newest first with their parameters, skipping others', () => inTempFolder(async (folder) => {
  const old = await saveUnique(folder, 'old.png', png());
  const fresh = await saveUnique(folder, 'new.png', png());
  writeFileSync(path.join(folder, 'notes.txt'), 'x');
  writeFileSync(path.join(folder, '.pixart-abc.tmp'), 'x');
  writeFileSync(path.join(folder, 'plain.png'), 'not a png');
  utimesSync(old, new Date(2020, 0, 1), new Date(2020, 0, 1));
  utimesSync(fresh, new Date(2026, 0, 1), new Date(2026, 0, 1));
  utimesSync(path.join(folder, 'plain.png'), new Date(2023, 0, 1), new Date(2023, 0, 1));
  const g = new Gallery();
  const items = await g.list(folder);
  assert.deepEqual(items.map((i) => i.file), ['new.png', 'plain.png', 'old.png']);
  assert.equal(items.find((i) => i.file === 'plain.png')?.parameters, undefined);
  assert.equal(items[0].parameters?.seed, '42');
  assert.equal((await g.list(folder, 1)).length, 1);
  assert.deepEqual(await g.list(path.join(folder, 'missing')), []);
}));
