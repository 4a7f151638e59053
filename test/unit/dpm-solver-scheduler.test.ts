// DPMSolverMultistepScheduler in configurations the fixtures do not cover: schedules, solver
// orders against exact solutions, prediction types, SDE noise and thresholding; checked against
// relations that follow from diffusers' formulas, not against hand-computed numbers.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DPM_RAW, maxAbs, noNoise, relError, replayFixture } from '../support/scheduler-replay';
import { createScheduler, DPMSolverMultistepScheduler } from '../../src/pipeline/schedulers';

describe('DPMSolverMultistepScheduler beyond the fixtures', () => {
  const dpm = (edit: Record<string, unknown>) => createScheduler({ ...DPM_RAW(), ...edit }) as DPMSolverMultistepScheduler;

  test('timestep spacings: trailing ends on the last training step, leading honours steps_offset', () => {
    for (const n of [1, 3, 4, 7, 10, 25]) {
      const trailing = dpm({ timestep_spacing: 'trailing' }).setTimesteps(n);
      assert.equal(trailing.length, n);
      assert.equal(trailing[0], 999);
      const leading = dpm({ timestep_spacing: 'leading' }).setTimesteps(n);
      const offset = dpm({ timestep_spacing: 'leading', steps_offset: 1 }).setTimesteps(n);
      assert.deepEqual(offset, leading.map((t) => t + 1));
      const ratio = Math.floor(1000 / (n + 1));
      assert.deepEqual(leading, leading.map((_, i) => (n - i) * ratio));
      for (const ts of [trailing, leading, dpm({}).setTimesteps(n)]) {
        for (let i = 1; i < ts.length; i++) assert.ok(ts[i] < ts[i - 1], `decreasing: ${ts}`);
      }
    }
  });

  test('sigmas follow the timesteps; final_sigmas_type picks 0 or the smallest training sigma', () => {
    const zero = dpm({});
    zero.setTimesteps(10);
    const atT0 = dpm({ final_sigmas_type: 'sigma_min' });
    atT0.setTimesteps(10);
    const z = zero.scheduleSigmas;
    const m = atT0.scheduleSigmas;
    assert.equal(z.length, 11);
    assert.equal(z[10], 0);
    assert.deepEqual([...z.subarray(0, 10)], [...m.subarray(0, 10)]);
    // The training sigma at t = 0: the last of a 1000-step trailing schedule (999 … 0).
    const all = dpm({ timestep_spacing: 'trailing' });
    all.setTimesteps(1000);
    assert.equal(all.timesteps[999], 0);
    assert.equal(m[10], all.scheduleSigmas[999]);
  });

  test('Karras, exponential and Lu schedules have their defining shapes', () => {
    const n = 12;
    const base = dpm({ timestep_spacing: 'trailing' });
    base.setTimesteps(1000);
    const trainMax = base.scheduleSigmas[0];
    const trainMin = base.scheduleSigmas[999];
    const shapes: [string, Record<string, unknown>, (s: number) => number][] = [
      ['karras', { use_karras_sigmas: true }, (s) => s ** (1 / 7)],
      ['exponential', { use_exponential_sigmas: true }, Math.log],
      ['lu', { use_lu_lambdas: true }, Math.log],
    ];
    for (const [name, edit, warp] of shapes) {
      const s = dpm(edit);
      const ts = s.setTimesteps(n);
      const sig = s.scheduleSigmas;
      assert.equal(sig.length, n + 1);
      assert.equal(sig[n], 0);
      assert.ok(Math.abs(sig[0] - trainMax) / trainMax < 1e-5, `${name} starts at sigma_max`);
      assert.ok(Math.abs(sig[n - 1] - trainMin) / trainMin < 1e-5, `${name} ends at sigma_min`);
      // Evenly spaced in the warped coordinate.
      const w = [...sig.subarray(0, n)].map(warp);
      const step = (w[n - 1] - w[0]) / (n - 1);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(w[i] - (w[0] + i * step)) < 1e-5 * Math.max(1, Math.abs(w[i])), `${name} ${i}`);
      for (let i = 1; i < n; i++) assert.ok(ts[i] <= ts[i - 1] && Number.isInteger(ts[i]), `${name} timesteps`);
      assert.equal(ts[0], 999);
    }
    // config sigma_min / sigma_max (registered extra keys) override the schedule's ends.
    const custom = dpm({ use_karras_sigmas: true, sigma_min: 0.1, sigma_max: 10 });
    custom.setTimesteps(n);
    assert.ok(Math.abs(custom.scheduleSigmas[0] - 10) < 1e-5 && Math.abs(custom.scheduleSigmas[n - 1] - 0.1) < 1e-6, `${custom.scheduleSigmas}`);
  });

  test('lambda_min_clipped drops the noisiest timesteps of the cosine schedule', () => {
    const full = dpm({ beta_schedule: 'squaredcos_cap_v2' }).setTimesteps(10);
    const clipped = dpm({ beta_schedule: 'squaredcos_cap_v2', lambda_min_clipped: -5.1 }).setTimesteps(10);
    assert.equal(full[0], 999);
    assert.ok(clipped[0] < full[0], `${clipped[0]} < ${full[0]}`);
  });

  // Exactness: with x̂0(λ) (DPM-Solver++) or ε̂(λ) (DPM-Solver) a polynomial of degree d in
  // λ = log α − log σ, the exact solution of the ODE over a step is
  //   x_t = σ_t/σ_s·x_s + σ_t ∫ e^λ x̂0 dλ      resp.   x_t = α_t/α_s·x_s − α_t ∫ e^−λ ε̂ dλ,
  // which order 1 reproduces for d = 0 and order 2 with the heun rule for d = 1. diffusers' (and
  // Lu's) third-order multistep update recovers x̂0′ exactly but takes D2 = h²·x̂0″/2 where its φ3
  // term expects h²·x̂0″, so for d = 2 it lands short by half the quadratic term; the check
  // includes that half term, derived from the update's formula.
  function exactnessError(algorithm: 'dpmsolver++' | 'dpmsolver', order: 1 | 2 | 3, solver: 'midpoint' | 'heun', degree: number) {
    const n = 16;
    const s = dpm({
      algorithm_type: algorithm, solver_order: order, solver_type: solver, lower_order_final: false,
      final_sigmas_type: 'sigma_min', prediction_type: algorithm === 'dpmsolver++' ? 'sample' : 'epsilon',
    });
    s.setTimesteps(n);
    const sig = [...s.scheduleSigmas];
    const alpha = sig.map((x) => 1 / Math.sqrt(x * x + 1));
    const sigma = sig.map((x, i) => x * alpha[i]);
    const lambda = alpha.map((a, i) => Math.log(a) - Math.log(sigma[i]));
    const [c0, c1, c2] = [0.3, degree >= 1 ? -0.2 : 0, degree >= 2 ? 0.05 : 0];
    const p = (l: number) => c0 + c1 * l + c2 * l * l;
    // Antiderivatives of e^{±λ}·p(λ).
    const F = (l: number) => algorithm === 'dpmsolver++'
      ? Math.exp(l) * (c0 + c1 * (l - 1) + c2 * (l * l - 2 * l + 2))
      : -Math.exp(-l) * (c0 + c1 * (l + 1) + c2 * (l * l + 2 * l + 2));
    let worst = 0;
    let x = 0.7;
    for (let i = 0; i < n; i++) {
      const h = lambda[i + 1] - lambda[i];
      const exact = algorithm === 'dpmsolver++'
        ? (sigma[i + 1] / sigma[i]) * x + sigma[i + 1] * (F(lambda[i + 1]) - F(lambda[i]))
        : (alpha[i + 1] / alpha[i]) * x - alpha[i + 1] * (F(lambda[i + 1]) - F(lambda[i]));
      const halfQuadratic = algorithm === 'dpmsolver++'
        ? (alpha[i + 1] * c2 * (h * h - 2 * h + 2 - 2 * Math.exp(-h))) / 2
        : (-sigma[i + 1] * c2 * (2 * Math.exp(h) - h * h - 2 * h - 2)) / 2;
      const expected = order === 3 ? exact - halfQuadratic : exact;
      const got = s.step(Float32Array.of(p(lambda[i])), i, Float32Array.of(x), noNoise)[0];
      if (i >= order - 1) worst = Math.max(worst, Math.abs(got - expected) / Math.max(1, Math.abs(expected)));
      x = exact; // feed the exact trajectory so each step is judged on its own
    }
    return worst;
  }

  for (const algorithm of ['dpmsolver++', 'dpmsolver'] as const) {
    test(`${algorithm}: orders 1, 2 (heun) and 3 against the exact solution for polynomial predictions`, () => {
      for (const [order, solver, degree] of [[1, 'midpoint', 0], [2, 'heun', 1], [3, 'midpoint', 2]] as const) {
        const e = exactnessError(algorithm, order, solver, degree);
        assert.ok(e < 2e-6, `order ${order} ${solver}, degree ${degree}: relative error ${e}`);
      }
      // The midpoint rule is only an approximation for a linear prediction.
      const mid = exactnessError(algorithm, 2, 'midpoint', 1);
      assert.ok(mid > 1e-4, `midpoint error ${mid}`);
    });
  }

  test('v_prediction and sample predictions reproduce the epsilon run (solver orders 2 and 3 alike)', () => {
    const toOther = (kind: 'v' | 'x0') => (eps: Float32Array, x: Float32Array, i: number, s: ReturnType<typeof createScheduler>) => {
      const sg = (s as DPMSolverMultistepScheduler).scheduleSigmas[i];
      const a = 1 / Math.sqrt(sg * sg + 1);
      const b = sg * a;
      return eps.map((e, j) => {
        const x0 = (x[j] - b * e) / a;
        return kind === 'x0' ? x0 : a * e - b * x0;
      });
    };
    for (const order of [2, 3]) {
      for (const algorithm of ['dpmsolver++', 'dpmsolver']) {
        const edit = { solver_order: order, algorithm_type: algorithm, final_sigmas_type: 'sigma_min' };
        const ref = replayFixture('dpm_20step_cfg45_negative', edit).latents;
        for (const [kind, type] of [['v', 'v_prediction'], ['x0', 'sample']] as const) {
          const { latents } = replayFixture('dpm_20step_cfg45_negative', { ...edit, prediction_type: type }, toOther(kind));
          assert.ok(relError(latents, ref) < 1e-5, `${algorithm} order ${order} ${type}: ${relError(latents, ref)}`);
        }
      }
    }
  });

  test('SDE variants draw noise on every step and add σ_t·√(1−e^{−2h})·z (sde-dpmsolver++)', () => {
    const n = 6;
    const sample = new Float32Array(8).map((_, i) => i - 3);
    const out = new Float32Array(8).map((_, i) => Math.sin(i));
    const run = (noise: number) => {
      const s = dpm({ algorithm_type: 'sde-dpmsolver++', solver_order: 1 });
      s.setTimesteps(n);
      let draws = 0;
      const randn = () => { draws++; return new Float32Array(8).fill(noise); };
      const r = s.step(out, 0, sample, randn);
      return { r, draws, sig: s.scheduleSigmas };
    };
    const a = run(0);
    const b = run(1);
    assert.equal(a.draws, 1);
    const al = (x: number) => 1 / Math.sqrt(x * x + 1);
    const lam = (x: number) => Math.log(al(x)) - Math.log(x * al(x));
    const h = lam(a.sig[1]) - lam(a.sig[0]);
    const expected = a.sig[1] * al(a.sig[1]) * Math.sqrt(1 - Math.exp(-2 * h));
    for (let i = 0; i < 8; i++) assert.ok(Math.abs(b.r[i] - a.r[i] - expected) < 1e-5, `noise term ${b.r[i] - a.r[i]} vs ${expected}`);
    const all = dpm({ algorithm_type: 'sde-dpmsolver', final_sigmas_type: 'sigma_min' });
    all.setTimesteps(n);
    let draws = 0;
    let x: Float32Array = sample;
    for (let i = 0; i < n; i++) x = all.step(out, i, x, () => { draws++; return new Float32Array(8); });
    assert.equal(draws, n);
  });

  test('dynamic thresholding bounds x0 per image', () => {
    const s = dpm({ thresholding: true, sample_max_value: 1.0, prediction_type: 'sample' });
    s.setTimesteps(4);
    const out = new Float32Array(16).map((_, i) => (i < 8 ? 0.5 : 40) * Math.cos(i));
    s.step(out, 0, new Float32Array(16), noNoise, 2);
    const d = s.denoised!;
    assert.ok(maxAbs(d) <= 1 + 1e-6, `max |x0| ${maxAbs(d)}`);
    // The first image lies within [-1, 1] already and is left as it is.
    assert.deepEqual([...d.subarray(0, 8)], [...out.subarray(0, 8)]);
  });
});
