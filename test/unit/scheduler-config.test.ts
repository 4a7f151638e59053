// scheduler_config.json parsing: the lenient JSON diffusers writes, defaults, and what is refused.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { casesDir } from '../support/paths';
import { DPM_RAW, LCM_RAW } from '../support/scheduler-replay';
import { createScheduler, parseLenientJson, parseSchedulerConfig, SchedulerConfigError } from '../../src/pipeline/schedulers';

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
