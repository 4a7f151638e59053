// Issue 16: image files crafted to freeze or exhaust the reader, or damaged next to good data.
// Each test reproduces a finding with a bound on time or memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readPngText, readPngTextChunks } from '../../src/image/png';
import { fromParameters, NotParametersError, toParameters } from '../../src/image/parameters';
import { readFileParameters, readImageText, withFileSource, MetadataError } from '../../src/image/read-metadata';
import { readImageParameters } from '../../src/extension/image-reader';
import { bombPng, exifUserComment, freezePng, iTXtCompressed, jpegWithExif, parametersPng, pngChunk, pngWith, sampleParameters, tEXt, zeroBomb, zTXt, zTXtRaw } from '../support/crafted-images';

const folder = mkdtempSync(path.join(tmpdir(), 'pixart-hostile-'));
process.on('exit', () => rmSync(folder, { recursive: true, force: true }));
const write = (name: string, bytes: Buffer) => {
  const file = path.join(folder, name);
  writeFileSync(file, bytes);
  return file;
};
const mb = (bytes: number) => bytes / (1 << 20);
const text = toParameters(sampleParameters);

// First in the file, while the process's peak memory is still its current memory.
test('decompression bombs raise memory by less than 64 MB and keep the valid parameters beside them', async () => {
  const files = [write('bomb-3mb.png', bombPng(3_000_000)), write('bomb-1.5mb.png', bombPng(1_500_000))];
  const parametersBomb = write('bomb-parameters.png', pngWith(zTXtRaw('parameters', zeroBomb(1_500_000))));
  const before = process.memoryUsage().rss;
  for (const bytes of [bombPng(3_000_000), bombPng(1_500_000)]) {
    const { text: found, skipped } = readPngTextChunks(bytes);
    assert.deepEqual(Object.keys(found), ['parameters']);
    assert.equal(skipped.length, 1);
    assert.match(skipped[0].reason, /larger than|inflates beyond/);
  }
  await assert.rejects(readFileParameters(parametersBomb), /inflates beyond/);
  for (const file of files) {
    assert.deepEqual(await readImageParameters(file), sampleParameters);
    const all = await withFileSource(file, (src) => readImageText(src));
    assert.deepEqual(Object.keys(all.text), ['parameters']);
  }
  const peak = process.resourceUsage().maxRSS * 1024;
  assert.ok(mb(peak - before) < 64, `memory rose by ${mb(peak - before).toFixed(1)} MB`);
});

test('the 191-byte freeze PNG (zTXt "p\\nSteps: 1," and 60,000 spaces) reads in under 50 ms', async () => {
  const bytes = freezePng();
  assert.ok(bytes.length < 200, `${bytes.length} bytes`);
  const file = write('freeze.png', bytes);
  await readImageParameters(file); // warm up the code paths
  let t0 = performance.now();
  assert.equal(await readImageParameters(file), undefined);
  const fileMs = performance.now() - t0;
  t0 = performance.now();
  assert.throws(() => fromParameters(readPngText(bytes).parameters), NotParametersError);
  const memoryMs = performance.now() - t0;
  assert.ok(fileMs < 50 && memoryMs < 50, `${fileMs.toFixed(1)} ms from the file, ${memoryMs.toFixed(1)} ms in memory`);
  await assert.rejects(readFileParameters(file), /fields line too long/);
});

test('a fields line of spaces inside the caps parses in linear time', () => {
  for (const spaces of [1000, 4000, 16_000 - 100]) {
    const t0 = performance.now();
    assert.throws(() => fromParameters(`p\nSteps: 1,${' '.repeat(spaces)}`), /no valid Seed/);
    const p = fromParameters(`p\nSteps: 1,${' '.repeat(spaces)}Seed: 7`);
    assert.deepEqual([p.steps, p.seed], [1, '7']);
    const ms = performance.now() - t0;
    assert.ok(ms < 50, `${spaces} spaces: ${ms.toFixed(1)} ms`);
  }
});

test('texts over the caps are not parameters', () => {
  assert.throws(() => fromParameters(`p\nSteps: 1, Seed: 2, X: ${'x'.repeat(17_000)}`), /fields line too long/);
  assert.throws(() => fromParameters(`${'p'.repeat(70_000)}\nSteps: 1, Seed: 2`), /text too long/);
  assert.equal(fromParameters(`${'p'.repeat(60_000)}\nSteps: 1, Seed: 2`).seed, '2');
});

test('one corrupt zTXt chunk does not lose the valid parameters chunk next to it', async () => {
  const corrupt = zTXtRaw('comment', Buffer.from('this is not deflate data'));
  for (const bytes of [pngWith(corrupt, tEXt('parameters', text)), pngWith(tEXt('parameters', text), corrupt)]) {
    const { text: found, skipped } = readPngTextChunks(bytes);
    assert.equal(found.parameters, text);
    assert.deepEqual(skipped.map((s) => s.keyword), ['comment']);
    assert.deepEqual(await readImageParameters(write('corrupt.png', bytes)), sampleParameters);
  }
});

test('a chunk with a wrong CRC is skipped, text after IEND and after 10,000 chunks is not read', () => {
  const damaged = pngChunk('tEXt', Buffer.from('parameters\0x\nSteps: 1, Seed: 1', 'latin1'), 1234);
  const r = readPngTextChunks(pngWith(damaged, tEXt('comment', 'kept')));
  assert.deepEqual(r.text, { comment: 'kept' });
  assert.deepEqual(r.skipped, [{ keyword: 'parameters', reason: 'CRC mismatch (damaged chunk)' }]);
  const afterEnd = Buffer.concat([parametersPng(), tEXt('late', 'x')]);
  assert.deepEqual(Object.keys(readPngText(afterEnd)), ['parameters']);
  const many = pngWith(...Array.from({ length: 10_000 }, () => pngChunk('juNk', Buffer.alloc(0))), tEXt('parameters', text));
  const t0 = performance.now();
  assert.deepEqual(readPngText(many), {});
  assert.ok(performance.now() - t0 < 50);
});

test('a compressed parameters chunk that inflates beyond its limit is named in the error', async () => {
  const file = write('big-parameters.png', pngWith(zTXt('parameters', 'x'.repeat(2 << 20))));
  await assert.rejects(readFileParameters(file), (err: Error) => err instanceof MetadataError && /"parameters" text chunk cannot be read: text inflates beyond/.test(err.message));
  await assert.rejects(readFileParameters(write('none.png', parametersPng().subarray(0, 33))), /no generation parameters/);
  await assert.rejects(readFileParameters(write('text.png', Buffer.from('hello'))), /not a PNG, WebP or JPEG/);
  await assert.rejects(readFileParameters(folder), /not a regular file|EISDIR/);
});

test('an AUTOMATIC1111 JPEG (EXIF UserComment, UTF-16) is read', async () => {
  const a1111 = 'masterpiece, 日本の城\nNegative prompt: ugly\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512';
  const r = await readFileParameters(write('a1111.jpg', jpegWithExif(exifUserComment(a1111))));
  assert.equal(r.format, 'jpeg');
  assert.equal(r.text, a1111);
  assert.equal(r.parameters.prompt, 'masterpiece, 日本の城');
});

test('zTXt and compressed iTXt parameters are read', () => {
  assert.equal(readPngText(pngWith(zTXt('parameters', text))).parameters, text);
  assert.equal(readPngText(pngWith(iTXtCompressed('parameters', `${text}, Note: 日本`))).parameters, `${text}, Note: 日本`);
});
