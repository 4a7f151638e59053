// The whole pipeline on the real OpenVINO runtime against diffusers' golden outputs, case by case:
// every step's latents and the final 8-bit images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { PixArtPipeline, CancelledError, type StepInfo } from '../../src/pipeline/pipeline';
import { tinyModelDir } from '../support/paths';
import { readNpyF32 } from '../support/npy';
import { listCases, modelFolderForCase, caseFile } from '../support/cases';
import { conformanceEngines } from '../support/engines';

/** max |a − b| / max |b| */
function relErr(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

test('pipeline reproduces diffusers on every fixture case', async (t) => {
for (const { name: engineName, engine } of await conformanceEngines()) {
  for (const c of listCases()) {
    await t.test(`[${engineName}] ${c.name}`, async () => {
      const pipeline = await PixArtPipeline.load(modelFolderForCase(c), engine, {
        precision: 'f32',
        schedulerConfigFile: caseFile(c, 'scheduler_config.json'),
      });
      try {
        const steps: StepInfo[] = [];
        const result = await pipeline.generate({
          prompt: c.prompt,
          negativePrompt: c.negative_prompt,
          seed: c.seed,
          steps: c.num_inference_steps,
          guidanceScale: c.guidance_scale,
          width: c.width,
          height: c.height,
          resolutionBinning: c.use_resolution_binning,
          imagesPerPrompt: c.num_images_per_prompt,
        }, { onStep: (s) => steps.push({ ...s, latents: s.latents.slice() }) });

        assert.deepEqual(steps.map((s) => s.timestep), c.timesteps);
        assert.deepEqual([result.generatedHeight, result.generatedWidth], [c.generated_height, c.generated_width]);
        const errors = steps.map((s, i) => relErr(s.latents, readNpyF32(caseFile(c, `latents_after_step_${i}.npy`)).data));
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
          assert.ok(existsSync(caseFile(c, `image_${i}.png`)));
          const ref = await sharp(caseFile(c, `image_${i}.png`)).raw().toBuffer();
          for (let k = 0; k < ref.length; k++) {
            const d = Math.abs(img.rgb[k] - ref[k]);
            if (d > 1) off1++;
            worst = Math.max(worst, d);
          }
          total += ref.length;
        }
        const within1 = 1 - off1 / total;
        console.log(`# ${c.name}: latents rel err last ${last.toExponential(2)}; image: ${(within1 * 100).toFixed(3)}% within ±1, max diff ${worst}; ` +
          `text ${result.timings.textEncoderMs.toFixed(1)} ms, transformer ${result.timings.transformerMs.map((t) => t.toFixed(1)).join('/')} ms, vae ${result.timings.vaeMs.toFixed(1)} ms`);
        assert.ok(within1 >= 0.999, `only ${(within1 * 100).toFixed(3)}% of values within ±1`);
        assert.ok(worst <= 2, `a value differs by ${worst}`);
      } finally {
        pipeline.dispose();
      }
    });
  }
}
});

/** Runs `body` on the tiny model (f32) on the first engine, disposing the pipeline afterwards. */
async function withTinyPipeline(body: (pipeline: PixArtPipeline) => Promise<void>): Promise<void> {
  const [{ engine }] = await conformanceEngines();
  const pipeline = await PixArtPipeline.load(tinyModelDir, engine, { precision: 'f32' });
  try {
    await body(pipeline);
  } finally {
    pipeline.dispose();
  }
}

test('a model fixed to one size generates at that size and resizes to the request when binning', () => withTinyPipeline(async (pipeline) => {
  assert.deepEqual(pipeline.info.staticSize, { width: 128, height: 128 });
  assert.deepEqual(pipeline.info.supportedSizes.map((s) => [s.width, s.height]), [[128, 128]]);
  const r = await pipeline.generate({ prompt: 'a red apple', seed: 1, steps: 1, guidanceScale: 0, width: 96, height: 64 });
  assert.deepEqual([r.generatedWidth, r.generatedHeight], [128, 128]);
  assert.deepEqual([r.images[0].width, r.images[0].height, r.images[0].rgb.length], [96, 64, 96 * 64 * 3]);
  await assert.rejects(pipeline.generate({ prompt: 'x', seed: 1, steps: 1, guidanceScale: 0, width: 96, height: 64, resolutionBinning: false }),
    /only runs 128x128 .* 96x64 was asked without resolution binning/);
}));

test('cancelling between steps stops the run with CancelledError', () => withTinyPipeline(async (pipeline) => {
  const ac = new AbortController();
  const seen: number[] = [];
  await assert.rejects(
    pipeline.generate({ prompt: 'x', seed: 1, steps: 4, guidanceScale: 0, width: 128, height: 128 }, { signal: ac.signal, onStep: (s) => { seen.push(s.step); if (s.step === 2) ac.abort(); } }),
    CancelledError,
  );
  assert.deepEqual(seen, [1, 2]);
}));
