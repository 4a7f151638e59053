// The whole pipeline on the real OpenVINO runtime against diffusers' golden outputs, case by case:
// every step's latents and the final 8-bit images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PixArtPipeline, CancelledError } from '../../src/pipeline/pipeline';
import { tinyModelDir } from '../support/paths';
import { listCases, modelFolderForCase, caseFile } from '../support/cases';
import { checkCase } from '../support/compare';
import { conformanceEngines } from '../support/engines';

test('pipeline reproduces diffusers on every fixture case', async (t) => {
  for (const { name: engineName, engine } of await conformanceEngines()) {
    for (const c of listCases()) {
      await t.test(`[${engineName}] ${c.name}`, async () => {
        const pipeline = await PixArtPipeline.load(modelFolderForCase(c), engine, {
          precision: 'f32',
          schedulerConfigFile: caseFile(c, 'scheduler_config.json'),
        });
        try {
          console.log(`# ${await checkCase(pipeline, c)}`);
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
