// LCMScheduler in configurations the fixtures do not cover: checked against relations that follow
// from diffusers' formulas, not against hand-computed numbers.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { LCM_RAW, maxAbs, noNoise, relError, replayFixture } from '../support/scheduler-replay';
import { createScheduler, LCMScheduler } from '../../src/pipeline/schedulers';

describe('LCMScheduler beyond the fixtures', () => {
  test('timesteps are evenly spaced picks of the distillation schedule', () => {
    for (const original of [50, 20, 4]) {
      const s = createScheduler({ ...LCM_RAW(), original_inference_steps: original });
      const k = Math.floor(1000 / original);
      for (let n = 1; n <= original; n += Math.max(1, Math.floor(original / 7))) {
        const ts = s.setTimesteps(n);
        assert.equal(ts.length, n);
        assert.equal(ts[0], k * original - 1);
        for (let i = 0; i < n; i++) {
          assert.equal((ts[i] + 1) % k, 0, `${ts[i]} is on the k=${k} grid`);
          if (i > 0) assert.ok(ts[i] < ts[i - 1], `decreasing: ${ts}`);
        }
      }
      assert.throws(() => s.setTimesteps(original + 1), /cannot be larger than original_inference_steps/);
    }
  });

  test('timestep_spacing and steps_offset do not change LCM timesteps (diffusers never reads them)', () => {
    const base = createScheduler(LCM_RAW()).setTimesteps(4);
    for (const edit of [{ timestep_spacing: 'trailing' }, { timestep_spacing: 'linspace', steps_offset: 1 }]) {
      assert.deepEqual(createScheduler({ ...LCM_RAW(), ...edit }).setTimesteps(4), base);
    }
  });

  test('v_prediction and sample predictions reproduce the epsilon run when fed the equivalent outputs', () => {
    const toOther = (kind: 'v' | 'x0') => (eps: Float32Array, x: Float32Array, i: number, s: ReturnType<typeof createScheduler>) => {
      const ac = (s as LCMScheduler).alphasCumprodF32[s.timesteps[i]];
      const a = Math.sqrt(ac);
      const b = Math.sqrt(1 - ac);
      return eps.map((e, j) => {
        const x0 = (x[j] - b * e) / a;
        return kind === 'x0' ? x0 : a * e - b * x0;
      });
    };
    for (const [kind, type] of [['v', 'v_prediction'], ['x0', 'sample']] as const) {
      const { latents, expected } = replayFixture('lcm_4step_seed42', { prediction_type: type }, toOther(kind));
      assert.ok(relError(latents, expected) < 1e-5, `${type}: ${relError(latents, expected)}`);
    }
  });

  test('clip_sample and thresholding bound the predicted x0', () => {
    const n = 64;
    const sample = new Float32Array(n).map((_, i) => Math.sin(i) * 3);
    const out = new Float32Array(n).map((_, i) => Math.cos(i) * 5);
    // clip to ±range; thresholding clamps to ±s and divides by s, so ends within ±1.
    for (const [edit, bound] of [[{ clip_sample: true, clip_sample_range: 0.5 }, 0.5], [{ thresholding: true, sample_max_value: 2 }, 1]] as const) {
      const s = createScheduler({ ...LCM_RAW(), prediction_type: 'sample', ...edit });
      s.setTimesteps(1);
      // One step at t=999: denoised = c_out·x0 + c_skip·x with c_out ≈ 1, c_skip ≈ 2.5e-9.
      s.step(out, 0, sample, noNoise, 2);
      assert.ok(maxAbs(s.denoised!) <= bound + 1e-5, JSON.stringify(edit));
      assert.ok(maxAbs(s.denoised!) >= bound - 1e-2, JSON.stringify(edit));
    }
    const t = createScheduler({ ...LCM_RAW(), thresholding: true });
    t.setTimesteps(1);
    assert.throws(() => t.step(out, 0, sample, noNoise), /thresholding needs step\(\.\.\., batchSize\)/);
  });

  test('noise is drawn before every step but the last, and steps must run in order', () => {
    const s = createScheduler(LCM_RAW());
    s.setTimesteps(3);
    let draws = 0;
    const randn = () => { draws++; return new Float32Array(4); };
    assert.throws(() => s.step(new Float32Array(4), 1, new Float32Array(4), randn), /next step is 0/);
    for (let i = 0; i < 3; i++) s.step(new Float32Array(4), i, new Float32Array(4), randn);
    assert.equal(draws, 2);
    assert.throws(() => s.step(new Float32Array(4), 3, new Float32Array(4), randn), /all 3 steps/);
    assert.throws(() => createScheduler(LCM_RAW()).step(new Float32Array(4), 0, new Float32Array(4), randn), /setTimesteps/);
    const u = createScheduler(LCM_RAW());
    u.setTimesteps(2);
    assert.throws(() => u.step(new Float32Array(8), 0, new Float32Array(4), randn), /learned-sigma/);
  });
});
