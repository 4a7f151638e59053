// Schedulers against diffusers' golden runs: timesteps, and the denoising loop replayed without a
// model (recorded transformer outputs in, recorded latents out), plus config parsing and
// configurations the fixtures do not cover.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpyF32 } from '../support/npy';
import { casesDir } from '../support/paths';
import {
  createScheduler,
  parseLenientJson,
  parseSchedulerConfig,
  DPMSolverMultistepScheduler,
  LCMScheduler,
  SchedulerConfigError,
} from '../../src/pipeline/schedulers';

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

// ---------------------------------------------------------------------------------------------
// scheduler_config.json parsing

function fixtureConfig(name: string): Record<string, unknown> {
  return parseLenientJson(readFileSync(join(casesDir, name, 'scheduler_config.json'), 'utf8')) as Record<string, unknown>;
}
const LCM_RAW = () => fixtureConfig('lcm_4step_seed42');
const DPM_RAW = () => fixtureConfig('dpm_20step_cfg45_negative');

describe('lenient JSON', () => {
  test('accepts NaN, Infinity and -Infinity outside strings only', () => {
    const v = parseLenientJson('{"a": NaN, "b": [Infinity, -Infinity, -1.5e3], "c": "-Infinity", "d": null}') as Record<string, unknown>;
    assert.ok(Number.isNaN(v.a), 'NaN');
    assert.deepEqual(v.b, [Infinity, -Infinity, -1500]);
    assert.equal(v.c, '-Infinity');
    assert.equal(v.d, null);
  });
  test('agrees with JSON.parse on standard JSON, escapes included', () => {
    const text = '{"s": "a\\"b\\\\c\\u00e9\\n", "n": [0, -0.25, 1E-7, true, false], "o": {"__proto__": 1}}';
    assert.deepEqual(parseLenientJson(text), JSON.parse(text));
    assert.equal(Object.getPrototypeOf(parseLenientJson(text) as object), Object.prototype);
  });
  test('rejects what is not JSON, with a position', () => {
    for (const bad of ['{"a": -Inf}', '{"a": 1,}', '[1 2]', '{"a": nan}', '"open', '{"a": 1} x', '']) {
      assert.throws(() => parseLenientJson(bad), /invalid JSON at line \d+, column \d+/, bad);
    }
  });
});

describe('scheduler config', () => {
  test('reads the fixtures as diffusers wrote them (lambda_min_clipped: -Infinity)', () => {
    const { config, ignoredKeys } = parseSchedulerConfig(readFileSync(join(casesDir, 'dpm_4step_cfg45_empty_negative', 'scheduler_config.json'), 'utf8'));
    assert.equal(config._class_name, 'DPMSolverMultistepScheduler');
    assert.equal(config._class_name === 'DPMSolverMultistepScheduler' && config.lambda_min_clipped, -Infinity);
    assert.deepEqual(ignoredKeys, []);
    assert.equal(parseSchedulerConfig(LCM_RAW()).config._class_name, 'LCMScheduler');
  });

  test('missing fields take the defaults of diffusers __init__', () => {
    const lcm = parseSchedulerConfig({ _class_name: 'LCMScheduler' }).config;
    assert.equal(lcm._class_name, 'LCMScheduler');
    if (lcm._class_name !== 'LCMScheduler') return;
    assert.deepEqual(
      [lcm.beta_start, lcm.beta_end, lcm.beta_schedule, lcm.original_inference_steps, lcm.timestep_scaling, lcm.set_alpha_to_one, lcm.timestep_spacing],
      [0.00085, 0.012, 'scaled_linear', 50, 10.0, true, 'leading'],
    );
    const dpm = parseSchedulerConfig({ _class_name: 'DPMSolverMultistepScheduler' }).config;
    if (dpm._class_name !== 'DPMSolverMultistepScheduler') assert.fail('wrong class');
    assert.deepEqual(
      [dpm.beta_start, dpm.beta_end, dpm.beta_schedule, dpm.solver_order, dpm.algorithm_type, dpm.solver_type, dpm.final_sigmas_type, dpm.lambda_min_clipped, dpm.timestep_spacing, dpm.lower_order_final],
      [0.0001, 0.02, 'linear', 2, 'dpmsolver++', 'midpoint', 'zero', -Infinity, 'linspace', true],
    );
  });

  test('an unknown class is a clear error', () => {
    assert.throws(
      () => createScheduler({ _class_name: 'EulerDiscreteScheduler' }),
      (e: Error) => e instanceof SchedulerConfigError &&
        e.message === 'scheduler class EulerDiscreteScheduler is not supported; supported: LCMScheduler, DPMSolverMultistepScheduler',
    );
    assert.throws(() => createScheduler({ beta_start: 0.1 }), /_class_name/);
    assert.throws(() => createScheduler('[1, 2]'), /JSON object/);
  });

  const rejected: [string, () => Record<string, unknown>, string, RegExp][] = [
    ['DPM use_beta_sigmas', DPM_RAW, 'use_beta_sigmas', /use_beta_sigmas = true is not supported/],
    ['DPM use_flow_sigmas', DPM_RAW, 'use_flow_sigmas', /use_flow_sigmas = true is not supported/],
    ['DPM two sigma schedules', DPM_RAW, 'two', /only one of use_beta_sigmas, use_exponential_sigmas, use_karras_sigmas/],
    ['DPM variance_type', DPM_RAW, 'variance_type', /variance_type = "learned_range" is not supported/],
    ['DPM flow_prediction', DPM_RAW, 'prediction_type', /prediction_type = "flow_prediction" is not supported/],
    ['DPM unknown algorithm', DPM_RAW, 'algorithm_type', /algorithm_type = "unipc" is not supported: supported: "dpmsolver\+\+"/],
    ['DPM solver_order 4', DPM_RAW, 'solver_order', /solver_order = 4 is not supported/],
    ['DPM dpmsolver with zero final sigma', DPM_RAW, 'final', /final_sigmas_type "zero" is not supported for algorithm_type "dpmsolver"/],
    ['DPM sde-dpmsolver third order', DPM_RAW, 'sde3', /solver_order = 3 is not supported: diffusers has no third-order update/],
    ['LCM beta_schedule', LCM_RAW, 'beta_schedule', /beta_schedule = "sigmoid" is not supported/],
    ['LCM prediction_type', LCM_RAW, 'prediction_type', /prediction_type = "flow_prediction" is not supported/],
    ['LCM num_train_timesteps as text', LCM_RAW, 'num_train_timesteps', /num_train_timesteps = "1000" is invalid: expected an integer/],
    ['LCM timestep_scaling NaN', LCM_RAW, 'timestep_scaling', /timestep_scaling = NaN is invalid: expected a finite number/],
    ['LCM trained_betas length', LCM_RAW, 'trained_betas', /trained_betas has 3 values but num_train_timesteps is 1000/],
  ];
  const edits: Record<string, Record<string, unknown>> = {
    use_beta_sigmas: { use_beta_sigmas: true },
    use_flow_sigmas: { use_flow_sigmas: true },
    two: { use_karras_sigmas: true, use_exponential_sigmas: true },
    variance_type: { variance_type: 'learned_range' },
    prediction_type: { prediction_type: 'flow_prediction' },
    algorithm_type: { algorithm_type: 'unipc' },
    solver_order: { solver_order: 4 },
    final: { algorithm_type: 'dpmsolver', final_sigmas_type: 'zero' },
    sde3: { algorithm_type: 'sde-dpmsolver', final_sigmas_type: 'sigma_min', solver_order: 3 },
    beta_schedule: { beta_schedule: 'sigmoid' },
    num_train_timesteps: { num_train_timesteps: '1000' },
    timestep_scaling: { timestep_scaling: NaN },
    trained_betas: { trained_betas: [0.1, 0.2, 0.3] },
  };
  for (const [label, base, edit, message] of rejected) {
    test(`rejects ${label}`, () => {
      assert.throws(() => createScheduler({ ...base(), ...edits[edit] }), (e: Error) => e instanceof SchedulerConfigError && message.test(e.message));
    });
  }

  test('keys diffusers does not take are reported, as diffusers warns about them', () => {
    const parsed = parseSchedulerConfig({ ...LCM_RAW(), skip_prk_steps: true, solver_order: 2 });
    assert.deepEqual(parsed.ignoredKeys.sort(), ['skip_prk_steps', 'solver_order']);
  });

  test('deis and logrho are mapped as diffusers maps them; "-inf" is read as Python would', () => {
    const { config } = parseSchedulerConfig({ ...DPM_RAW(), algorithm_type: 'deis', solver_type: 'logrho', lambda_min_clipped: '-inf' });
    if (config._class_name !== 'DPMSolverMultistepScheduler') assert.fail('wrong class');
    assert.deepEqual([config.algorithm_type, config.solver_type, config.lambda_min_clipped], ['dpmsolver++', 'midpoint', -Infinity]);
  });
});

// ---------------------------------------------------------------------------------------------
// Configurations the fixtures do not cover: checked against relations that follow from
// diffusers' formulas, not against hand-computed numbers.

const noNoise = () => assert.fail('this scheduler must not draw noise');

function replayFixture(name: string, edit: Record<string, unknown>, transform?: (pred: Float32Array, sample: Float32Array, i: number, s: ReturnType<typeof createScheduler>) => Float32Array) {
  const dir = join(casesDir, name);
  const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseJson;
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

function relError(a: Float32Array, b: Float32Array): number {
  return maxAbsDiff(a, b) / Math.max(1, maxAbs(b));
}

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
