import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { slugify, timestampParts, sanitiseBaseName, expandTemplate, fileNameFor, nthName, isInside, resolveInside, DEFAULT_FILE_NAME_TEMPLATE, extensionFor } from '../../src/extension/naming';

const when = new Date(2026, 10, 26, 15, 30, 12); // local time

test('the default name matches the documented example', () => {
  assert.equal(fileNameFor(DEFAULT_FILE_NAME_TEMPLATE, { date: when, seed: '42', prompt: 'A small cactus' }, 'png'), '2026-11-26-153012-seed42-small-cactus.png');
});

test('timestamp parts are zero-padded local time', () => {
  assert.deepEqual(timestampParts(new Date(2026, 0, 2, 3, 4, 5)), { date: '2026-01-02', time: '030405' });
});

test('slugs: ascii words, accents stripped, cut at word boundaries, never empty', () => {
  assert.equal(slugify('A small cactus, in a pot!'), 'small-cactus-in-pot');
  assert.equal(slugify('The'), 'image');
  assert.equal(slugify('Café crème brûlée'), 'cafe-creme-brulee');
  assert.equal(slugify('../../etc/passwd'), 'etc-passwd');
  assert.equal(slugify('日本の猫'), 'image');
  assert.equal(slugify('   '), 'image');
  const long = slugify('word '.repeat(50));
  assert.ok(long.length <= 48 && !long.endsWith('-'), long);
  assert.equal(slugify('x'.repeat(100), 10), 'xxxxxxxxxx');
});

test('sanitising removes separators, dots, controls and reserved names', () => {
  assert.equal(sanitiseBaseName('../../evil'), 'evil');
  assert.equal(sanitiseBaseName('a/b\\c:d'), 'a-b-c-d');
  assert.equal(sanitiseBaseName('..'), 'image');
  assert.equal(sanitiseBaseName('.hidden'), 'hidden');
  assert.equal(sanitiseBaseName('a\u0000b\nc'), 'a-b-c');
  assert.equal(sanitiseBaseName('con'), 'image-con');
  assert.equal(sanitiseBaseName('LPT1.txt'), 'image-LPT1.txt');
  assert.equal(sanitiseBaseName('x'.repeat(300)).length, 120);
  assert.equal(sanitiseBaseName(''), 'image');
});

test('templates: tokens, unknown tokens dropped, hostile templates stay one segment', () => {
  assert.equal(expandTemplate('{model}_{steps}_{index}_{seed}', { date: when, seed: '7', prompt: 'p', model: 'PixArt-LCM-XL-2-1024-MS', steps: 4, index: 2 }), 'pixart-lcm-xl-2-1024-ms_4_2_7');
  assert.equal(expandTemplate('{nope}{seed}', { date: when, seed: '7', prompt: 'p' }), '7');
  const evil = expandTemplate('../../{slug}/../x', { date: when, seed: '1', prompt: 'cat' });
  assert.ok(!evil.includes('/') && !evil.includes('..'), evil);
  assert.equal(expandTemplate('   ', { date: when, seed: '1', prompt: 'cat' }), '2026-11-26-153012-seed1-cat');
});

test('alternative names never overwrite: name, name-2, name-3', () => {
  assert.equal(nthName('a.png', 1), 'a.png');
  assert.equal(nthName('a.png', 2), 'a-2.png');
  assert.equal(nthName('a.b.webp', 3), 'a.b-3.webp');
});

test('paths stay inside the output folder', () => {
  const folder = path.resolve('/ws/assets/generated');
  assert.equal(resolveInside(folder, 'a.png'), path.join(folder, 'a.png'));
  for (const bad of ['../a.png', '..', '.', '', 'x/../../a.png', 'sub/a.png', '..\\a.png']) assert.throws(() => resolveInside(folder, bad), Error, bad);
  assert.ok(isInside(folder, path.join(folder, 'x.png')));
  assert.ok(!isInside(folder, path.resolve(folder, '..', 'generated2', 'x.png')));
  assert.ok(!isInside(folder, '/etc/passwd'));
});

test('extensions', () => {
  assert.equal(extensionFor('jpeg'), 'jpg');
  assert.equal(extensionFor('png'), 'png');
});
