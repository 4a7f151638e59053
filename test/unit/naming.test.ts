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

test('long non-ASCII templates: at most 200 UTF-8 bytes, cut between characters, room left for -N and the extension', () => {
  const base = expandTemplate('日本'.repeat(100), { date: when, seed: '1', prompt: 'p' });
  assert.ok(Buffer.byteLength(base) <= 200, `${Buffer.byteLength(base)} bytes`);
  assert.equal(base, '日本'.repeat(33), 'whole characters only');
  assert.ok(Buffer.byteLength(nthName(fileNameFor('日本'.repeat(100), { date: when, seed: '1', prompt: 'p' }, 'jpeg'), 10000)) <= 255);
  const emoji = sanitiseBaseName('🌵'.repeat(100));
  assert.equal(emoji, '🌵'.repeat(50), 'no half of a surrogate pair');
  assert.equal(sanitiseBaseName('é'.repeat(150)).length, 100);
});

test('template tokens are looked up as own entries: {constructor} and {toString} are unknown', () => {
  for (const token of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
    assert.equal(expandTemplate(`{${token}}-{seed}`, { date: when, seed: '7', prompt: 'p' }), '7', token);
  }
});

test('CONIN$ and CONOUT$ are reserved like CON', () => {
  assert.equal(sanitiseBaseName('CONIN$'), 'image-CONIN$');
  assert.equal(sanitiseBaseName('conout$.png'), 'image-conout$.png');
  assert.equal(sanitiseBaseName('CONIN$x'), 'CONIN$x');
});

test('bidirectional controls are removed (no "gnp.exe" that reads as "exe.png")', () => {
  for (const c of ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069']) {
    assert.equal(sanitiseBaseName(`cat${c}gnp.exe`), 'catgnp.exe', `U+${c.charCodeAt(0).toString(16)}`);
  }
  assert.equal(expandTemplate('{seed}\u202e{slug}', { date: when, seed: '1', prompt: 'cat' }), '1cat');
});
