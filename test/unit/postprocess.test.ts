import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { resizeAndCrop, toRgb8, toUnitHwc, type PlanarImage } from '../../src/pipeline/postprocess';
import { aspectRatioBins, classifyBin } from '../../src/pipeline/resolution';
import { readNpyF32 } from '../support/npy';
import { casesDir } from '../support/paths';

// The fixtures store arrays over this many elements as float16 (fixtures README).
const F16_ABOVE = 400_000;

const cases = readdirSync(casesDir).map((name) => ({ name, meta: JSON.parse(readFileSync(join(casesDir, name, 'case.json'), 'utf8')) }));

test('resolution binning picks the generated size of every case', () => {
  const bins = aspectRatioBins(128);
  for (const { name, meta } of cases) {
    if (!meta.use_resolution_binning) continue;
    const bin = classifyBin({ width: meta.width, height: meta.height }, bins);
    assert.deepEqual([bin.height, bin.width], [meta.generated_height, meta.generated_width], name);
  }
  assert.ok(cases.some((c) => c.meta.use_resolution_binning), 'fixtures include a binning case');
});

test('binning: exact ratios map to their bin, ties go to the first bin, unknown sample sizes are refused', () => {
  const bins = aspectRatioBins(128);
  for (const b of bins) assert.equal(classifyBin({ width: b.width, height: b.height }, bins), b);
  assert.deepEqual(classifyBin({ width: 1000, height: 1000 }, bins), { ratio: '1.0', height: 1024, width: 1024 });
  assert.equal(aspectRatioBins(64).find((b) => b.ratio === '1.0')?.width, 512);
  assert.throws(() => aspectRatioBins(100), /sample_size 32, 64 or 128, not 100/);
});

for (const { name, meta } of cases) {
  test(`VAE sample → image matches diffusers: ${name}`, async () => {
    const sample = readNpyF32(join(casesDir, name, 'vae_0_sample.npy'));
    const [n, c, h, w] = sample.shape;
    const ref = readNpyF32(join(casesDir, name, 'image.npy'));
    const [rn, rh, rw] = ref.shape;
    assert.equal(n, rn);
    for (let i = 0; i < n; i++) {
      let img: PlanarImage = { data: sample.data.subarray(i * c * h * w, (i + 1) * c * h * w), channels: c, height: h, width: w };
      if (meta.use_resolution_binning) img = resizeAndCrop(img, meta.width, meta.height);
      assert.deepEqual([img.height, img.width], [rh, rw]);
      const unit = toUnitHwc(img);
      const refImg = ref.data.subarray(i * rh * rw * 3, (i + 1) * rh * rw * 3);
      let maxErr = 0;
      for (let k = 0; k < unit.length; k++) maxErr = Math.max(maxErr, Math.abs(unit[k] - refImg[k]));
      const rgb = toRgb8(img);
      const png = await sharp(join(casesDir, name, `image_${i}.png`)).raw().toBuffer();
      let diff = 0;
      let off = 0;
      for (let k = 0; k < rgb.length; k++) {
        diff = Math.max(diff, Math.abs(rgb[k] - png[k]));
        if (rgb[k] !== png[k]) off++;
      }
      if (sample.data.length <= F16_ABOVE) {
        assert.ok(maxErr <= 1e-6, `${name} image ${i}: max float error ${maxErr}`);
        assert.equal(diff, 0, `${name} image ${i}: 8-bit values differ by up to ${diff}`);
      } else {
        // The VAE sample was stored in float16, so the input itself is off by up to 2^-11 relative.
        assert.ok(maxErr <= 1e-3, `${name} image ${i}: max float error ${maxErr}`);
        assert.ok(diff <= 1 && off / rgb.length < 0.01, `${name} image ${i}: ${off} values differ, by up to ${diff}`);
      }
    }
  });
}
