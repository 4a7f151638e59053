// Schedulers against diffusers' golden runs: timesteps, and the denoising loop replayed without a
// model (recorded transformer outputs in, recorded latents out), plus config parsing and
// configurations the fixtures do not cover.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpyF32 } from '../support/npy';
import { casesDir } from '../support/paths';
import { createScheduler } from '../../src/pipeline/schedulers';

// Latents here reach |x| ≈ 1700 (random-weight models), where one float32 ulp is 1.2e-4, so the
// bound is relative to each tensor's scale: a few ulps.
const RELATIVE_TOLERANCE = 1e-6;

interface CaseJson {
  num_inference_steps: number;
  guidance_scale: number;
  do_classifier_free_guidance: boolean;
  timesteps: number[];
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The pipeline's guidance u + g·(c − u) on all channels (float32 ops), then the first half of the
 *  channels (learned sigma: out_channels = 2 × in_channels). */
function noisePrediction(out: { shape: number[]; data: Float32Array }, cfg: boolean, g: number): Float32Array {
  const [rows, ch, h, w] = out.shape;
  const plane = h * w;
  const batch = cfg ? rows / 2 : rows;
  const guided = new Float32Array(batch * ch * plane);
  const stride = batch * ch * plane;
  for (let i = 0; i < guided.length; i++) {
    if (!cfg) guided[i] = out.data[i];
    else {
      const u = out.data[i];
      const c = out.data[stride + i];
      guided[i] = u + Math.fround(g * Math.fround(c - u));
    }
  }
  const keep = ch / 2;
  const result = new Float32Array(batch * keep * plane);
  for (let b = 0; b < batch; b++) {
    result.set(guided.subarray(b * ch * plane, (b * ch + keep) * plane), b * keep * plane);
  }
  return result;
}

const caseNames = readdirSync(casesDir).filter((n) => existsSync(join(casesDir, n, 'case.json'))).sort();

describe('schedulers replay every fixture case', () => {
  assert.ok(caseNames.length > 0, 'no fixture cases');
  for (const name of caseNames) {
    test(name, () => {
      const dir = join(casesDir, name);
      const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseJson;
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
