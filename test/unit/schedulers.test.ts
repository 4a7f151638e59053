// Schedulers against diffusers' golden runs: timesteps, and the denoising loop replayed without a
// model (recorded transformer outputs in, recorded latents out). Config parsing:
// scheduler-config.test.ts; configurations the fixtures do not cover: lcm-scheduler.test.ts and
// dpm-solver-scheduler.test.ts.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpyF32 } from '../support/npy';
import { casesDir } from '../support/paths';
import { maxAbs, maxAbsDiff, noisePrediction, readCase } from '../support/scheduler-replay';
import { createScheduler } from '../../src/pipeline/schedulers';

// Latents here reach |x| ≈ 1700 (random-weight models), where one float32 ulp is 1.2e-4, so the
// bound is relative to each tensor's scale: a few ulps.
const RELATIVE_TOLERANCE = 1e-6;

const caseNames = readdirSync(casesDir).filter((n) => existsSync(join(casesDir, n, 'case.json'))).sort();

describe('schedulers replay every fixture case', () => {
  assert.ok(caseNames.length > 0, 'no fixture cases');
  for (const name of caseNames) {
    test(name, () => {
      const dir = join(casesDir, name);
      const c = readCase(name);
      const scheduler = createScheduler(readFileSync(join(dir, 'scheduler_config.json'), 'utf8'));
      const timesteps = scheduler.setTimesteps(c.num_inference_steps);
      assert.deepEqual(timesteps, c.timesteps);
      assert.deepEqual([...scheduler.timesteps], c.timesteps);

      const randn0 = readNpyF32(join(dir, 'randn_0.npy')).data;
      let latents: Float32Array = randn0.map((x) => x * scheduler.initNoiseSigma);
      let k = 1;
      const randn = () => {
        const file = join(dir, `randn_${k++}.npy`);
        assert.ok(existsSync(file), `scheduler drew noise that diffusers did not (${file})`);
        return readNpyF32(file).data;
      };
      const errors: number[] = [];
      for (let i = 0; i < timesteps.length; i++) {
        // The latents fed to transformer i are the previous step's output (duplicated with CFG).
        const fed = readNpyF32(join(dir, `transformer_${i}_hidden_states.npy`)).data;
        const fedError = maxAbsDiff(fed.subarray(0, latents.length), latents);
        assert.ok(fedError <= RELATIVE_TOLERANCE * Math.max(1, maxAbs(latents)), `input of step ${i}: ${fedError}`);
        const out = readNpyF32(join(dir, `transformer_${i}_output.npy`));
        const pred = noisePrediction(out, c.do_classifier_free_guidance, c.guidance_scale);
        latents = scheduler.step(pred, i, latents, randn);
        const expected = readNpyF32(join(dir, `latents_after_step_${i}.npy`)).data;
        const error = maxAbsDiff(latents, expected);
        errors.push(error);
        const bound = RELATIVE_TOLERANCE * Math.max(1, maxAbs(expected));
        assert.ok(error <= bound, `step ${i}: max abs error ${error} > ${bound}`);
      }
      assert.equal(existsSync(join(dir, `randn_${k}.npy`)), false, 'diffusers drew noise the scheduler did not');
      console.log(`# ${name}: max abs error per step ${errors.map((e) => e.toExponential(2)).join(' ')}`);
    });
  }
});
