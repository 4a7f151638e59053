// What the scheduler tests share: the fixture cases' scheduler configs, the pipeline's guidance
// step, and a replay of a case's denoising loop without a model.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpyF32 } from './npy';
import { casesDir } from './paths';
import { createScheduler, parseLenientJson } from '../../src/pipeline/schedulers';

export interface CaseJson {
  num_inference_steps: number;
  guidance_scale: number;
  do_classifier_free_guidance: boolean;
  timesteps: number[];
}

export function readCase(name: string): CaseJson {
  return JSON.parse(readFileSync(join(casesDir, name, 'case.json'), 'utf8')) as CaseJson;
}

export function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function relError(a: Float32Array, b: Float32Array): number {
  return maxAbsDiff(a, b) / Math.max(1, maxAbs(b));
}

/** The pipeline's guidance u + g·(c − u) on all channels (float32 ops), then the first half of the
 *  channels (learned sigma: out_channels = 2 × in_channels). */
export function noisePrediction(out: { shape: number[]; data: Float32Array }, cfg: boolean, g: number): Float32Array {
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

/** The scheduler_config.json of fixture case `name`, as a plain object to edit. */
export function fixtureConfig(name: string): Record<string, unknown> {
  return parseLenientJson(readFileSync(join(casesDir, name, 'scheduler_config.json'), 'utf8')) as Record<string, unknown>;
}
export const LCM_RAW = () => fixtureConfig('lcm_4step_seed42');
export const DPM_RAW = () => fixtureConfig('dpm_20step_cfg45_negative');

export const noNoise = () => assert.fail('this scheduler must not draw noise');

type Scheduler = ReturnType<typeof createScheduler>;

/** Case `name`'s loop with its config edited by `edit` and, when given, each noise prediction
 *  rewritten by `transform`; returns the final latents and the ones diffusers recorded. */
export function replayFixture(name: string, edit: Record<string, unknown>, transform?: (pred: Float32Array, sample: Float32Array, i: number, s: Scheduler) => Float32Array) {
  const dir = join(casesDir, name);
  const c = readCase(name);
  const s = createScheduler({ ...fixtureConfig(name), ...edit });
  const ts = s.setTimesteps(c.num_inference_steps);
  let latents: Float32Array = readNpyF32(join(dir, 'randn_0.npy')).data;
  let k = 1;
  const randn = () => readNpyF32(join(dir, `randn_${k++}.npy`)).data;
  for (let i = 0; i < ts.length; i++) {
    let pred = noisePrediction(readNpyF32(join(dir, `transformer_${i}_output.npy`)), c.do_classifier_free_guidance, c.guidance_scale);
    if (transform) pred = transform(pred, latents, i, s);
    latents = s.step(pred, i, latents, randn);
  }
  return { latents, expected: readNpyF32(join(dir, `latents_after_step_${ts.length - 1}.npy`)).data };
}
