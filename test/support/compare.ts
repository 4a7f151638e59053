// Comparing our outputs with diffusers' golden ones (test/fixtures/cases/): the relative error of
// an array, and a whole pipeline run against a case at the pipeline's bar (latents after the last
// step ≤ 1e-3 relative, 8-bit images within ±1 almost everywhere and never more than 2 off).
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { PixArtPipeline, StepInfo } from '../../src/pipeline/pipeline';
import { readNpyF32 } from './npy';
import { caseFile, type CaseMeta } from './cases';

/** max |a − b| / max |b| */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

/** 8-bit images compared value by value: how many differ by more than 1, and the largest difference. */
export function pixelsOff(ours: ArrayLike<number>, ref: ArrayLike<number>): { off1: number; worst: number } {
  assert.equal(ours.length, ref.length);
  let off1 = 0;
  let worst = 0;
  for (let k = 0; k < ref.length; k++) {
    const d = Math.abs(ours[k] - ref[k]);
    if (d > 1) off1++;
    worst = Math.max(worst, d);
  }
  return { off1, worst };
}

/** Runs case `c` on `pipeline` and asserts it reproduces diffusers; returns the line to log. */
export async function checkCase(pipeline: PixArtPipeline, c: CaseMeta): Promise<string> {
  const steps: StepInfo[] = [];
  const result = await pipeline.generate({
    prompt: c.prompt, negativePrompt: c.negative_prompt, seed: c.seed, steps: c.num_inference_steps, guidanceScale: c.guidance_scale,
    width: c.width, height: c.height, resolutionBinning: c.use_resolution_binning, imagesPerPrompt: c.num_images_per_prompt,
  }, { onStep: (s) => steps.push({ ...s, latents: s.latents.slice() }) });
  assert.deepEqual(steps.map((s) => s.timestep), c.timesteps);
  assert.deepEqual([result.generatedHeight, result.generatedWidth], [c.generated_height, c.generated_width]);
  const errors = steps.map((s, i) => maxRelError(s.latents, readNpyF32(caseFile(c, `latents_after_step_${i}.npy`)).data));
  const last = errors[errors.length - 1];
  assert.ok(last <= 1e-3, `latents after the last step differ by ${last} (relative); per step: ${errors.map((e) => e.toExponential(1)).join(' ')}`);
  const [n, h, w] = c.image_shape;
  assert.equal(result.images.length, n);
  let off1 = 0;
  let worst = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const img = result.images[i];
    assert.deepEqual([img.height, img.width], [h, w]);
    const ref = await sharp(caseFile(c, `image_${i}.png`)).raw().toBuffer();
    const d = pixelsOff(img.rgb, ref);
    off1 += d.off1;
    worst = Math.max(worst, d.worst);
    total += ref.length;
  }
  const within1 = 1 - off1 / total;
  assert.ok(within1 >= 0.999, `only ${(within1 * 100).toFixed(3)}% of values within ±1`);
  assert.ok(worst <= 2, `a value differs by ${worst}`);
  const t = result.timings;
  return `${c.name}: latents rel err last ${last.toExponential(2)}; image: ${(within1 * 100).toFixed(3)}% within ±1, max diff ${worst}; ` +
    `text ${t.textEncoderMs.toFixed(1)} ms, transformer ${t.transformerMs.map((x) => x.toFixed(1)).join('/')} ms, vae ${t.vaeMs.toFixed(1)} ms`;
}
