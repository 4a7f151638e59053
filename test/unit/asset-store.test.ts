import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { saveUnique } from '../../src/extension/asset-store';
import { inTempFolder } from '../support/temp-folder';

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
