import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latentsToPreview, SD15_LATENT_RGB_FACTORS } from '../../src/worker/preview';

function latents(b: number, h: number, w: number, fill: (bi: number, c: number, y: number, x: number) => number): Float32Array {
  const out = new Float32Array(b * 4 * h * w);
  for (let bi = 0; bi < b; bi++) for (let c = 0; c < 4; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((bi * 4 + c) * h + y) * w + x] = fill(bi, c, y, x);
  return out;
}

test('zero latents give mid grey', () => {
  const p = latentsToPreview(new Float32Array(4 * 2 * 3), [1, 4, 2, 3]);
  assert.equal(p.width, 3);
  assert.equal(p.height, 2);
  assert.deepEqual([...p.rgb], new Array(18).fill(128));
});

test('each channel projects with the SD1.5 factors', () => {
  for (let c = 0; c < 4; c++) {
    const p = latentsToPreview(latents(1, 1, 1, (_b, ch) => (ch === c ? 1 : 0)), [1, 4, 1, 1]);
    const want = SD15_LATENT_RGB_FACTORS[c].map((v) => Math.round(((v + 1) / 2) * 255));
    assert.deepEqual([...p.rgb], want, `channel ${c}`);
  }
});

test('values clamp to 0..255 and NaN is black', () => {
  assert.deepEqual([...latentsToPreview(latents(1, 1, 1, (_b, c) => (c === 1 ? 100 : 0)), [1, 4, 1, 1]).rgb], [255, 255, 255]);
  assert.deepEqual([...latentsToPreview(latents(1, 1, 1, (_b, c) => (c === 3 ? 100 : 0)), [1, 4, 1, 1]).rgb], [0, 0, 0]);
  assert.deepEqual([...latentsToPreview(latents(1, 1, 1, () => NaN), [1, 4, 1, 1]).rgb], [0, 0, 0]);
});

test('pixel layout is HWC and the batch index selects the row', () => {
  // Image 1 has channel 0 = 1 at (y=1, x=0) only.
  const l = latents(2, 2, 2, (b, c, y, x) => (b === 1 && c === 0 && y === 1 && x === 0 ? 1 : 0));
  const p0 = latentsToPreview(l, [2, 4, 2, 2], 0);
  assert.ok(p0.rgb.every((v) => v === 128));
  const p1 = latentsToPreview(l, [2, 4, 2, 2], 1);
  const at = (y: number, x: number) => [...p1.rgb.subarray((y * 2 + x) * 3, (y * 2 + x) * 3 + 3)];
  assert.deepEqual(at(0, 0), [128, 128, 128]);
  assert.deepEqual(at(1, 0), SD15_LATENT_RGB_FACTORS[0].map((v) => Math.round(((v + 1) / 2) * 255)));
});

test('downsamples by box average to fit maxSize, keeping aspect', () => {
  const l = latents(1, 128, 96, (_b, c, y) => (c === 3 ? (y < 64 ? 1 : -1) : 0));
  const p = latentsToPreview(l, [1, 4, 128, 96], 0, 64);
  assert.equal(p.width, 48);
  assert.equal(p.height, 64);
  // Box rows straddle nothing: top half +1 on channel 3, bottom half −1.
  const top = [...p.rgb.subarray(0, 3)];
  const bottom = [...p.rgb.subarray((63 * 48) * 3, (63 * 48) * 3 + 3)];
  assert.deepEqual(top, SD15_LATENT_RGB_FACTORS[3].map((v) => Math.round(((v + 1) / 2) * 255)));
  assert.deepEqual(bottom, SD15_LATENT_RGB_FACTORS[3].map((v) => Math.round(((-v + 1) / 2) * 255)));
});

test('rejects bad shapes and indexes', () => {
  assert.throws(() => latentsToPreview(new Float32Array(8), [1, 8, 1, 1]), /\[B,4,h,w\]/);
  assert.throws(() => latentsToPreview(new Float32Array(3), [1, 4, 1, 1]), /hold 3/);
  assert.throws(() => latentsToPreview(new Float32Array(4), [1, 4, 1, 1], 1), /out of range/);
});
