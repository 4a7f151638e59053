// scheduler_config.json as diffusers writes it → a validated, normalised config per scheduler class.
// Field names stay as in the file (and as diffusers' `self.config.*`); a missing field takes the
// default of the class's `__init__` in diffusers 0.40. Values this port does not implement are
// rejected here with an error naming the field and value — never silently replaced.

import { parseLenientJson } from './lenient-json';
import { Fields, SchedulerConfigError } from './config-fields';

export { parseLenientJson, LenientJsonError } from './lenient-json';
export { SchedulerConfigError } from './config-fields';

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
export type PredictionType = 'epsilon' | 'sample' | 'v_prediction';
export type TimestepSpacing = 'linspace' | 'leading' | 'trailing';

/** The fields both classes use to build betas → alphas_cumprod. */
export interface NoiseScheduleConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: BetaSchedule;
  trained_betas: number[] | null;
  rescale_betas_zero_snr: boolean;
}

export interface LcmConfig extends NoiseScheduleConfig {
  _class_name: 'LCMScheduler';
  original_inference_steps: number;
  clip_sample: boolean;
  clip_sample_range: number;
  set_alpha_to_one: boolean;
  /** Validated but, as in diffusers, never read by LCMScheduler.set_timesteps. */
  steps_offset: number;
  prediction_type: PredictionType;
  thresholding: boolean;
  dynamic_thresholding_ratio: number;
  sample_max_value: number;
  /** Validated but, as in diffusers, never read by LCMScheduler.set_timesteps. */
  timestep_spacing: TimestepSpacing;
  timestep_scaling: number;
}

export type DpmAlgorithm = 'dpmsolver++' | 'sde-dpmsolver++' | 'dpmsolver' | 'sde-dpmsolver';

export interface DpmConfig extends NoiseScheduleConfig {
  _class_name: 'DPMSolverMultistepScheduler';
  solver_order: 1 | 2 | 3;
  prediction_type: PredictionType;
  thresholding: boolean;
  dynamic_thresholding_ratio: number;
  sample_max_value: number;
  algorithm_type: DpmAlgorithm;
  solver_type: 'midpoint' | 'heun';
  lower_order_final: boolean;
  euler_at_final: boolean;
  use_karras_sigmas: boolean;
  use_exponential_sigmas: boolean;
  use_lu_lambdas: boolean;
  final_sigmas_type: 'zero' | 'sigma_min';
  lambda_min_clipped: number;
  timestep_spacing: TimestepSpacing;
  steps_offset: number;
  /** Extra (non-__init__) keys diffusers still registers on the config; its Karras/exponential
   *  sigma conversions prefer them over the schedule's own ends when set (`hasattr(self.config, "sigma_min")`). */
  sigma_min: number | null;
  sigma_max: number | null;
}

export type SchedulerConfig = LcmConfig | DpmConfig;

export const SUPPORTED_SCHEDULERS = ['LCMScheduler', 'DPMSolverMultistepScheduler'] as const;

export interface ParsedSchedulerConfig {
  config: SchedulerConfig;
  /** Keys diffusers' `__init__` does not take; diffusers ignores them with a warning, and so do we. */
  ignoredKeys: string[];
}

/** Reads a scheduler_config.json text (or an already parsed object) and normalises it. */
export function parseSchedulerConfig(input: string | Readonly<Record<string, unknown>>): ParsedSchedulerConfig {
  const raw = typeof input === 'string' ? parseLenientJson(input) : input;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SchedulerConfigError('scheduler config must be a JSON object');
  }
  const obj = raw as Readonly<Record<string, unknown>>;
  const className = obj._class_name;
  if (typeof className !== 'string') {
    throw new SchedulerConfigError('scheduler config has no "_class_name" string');
  }
  if (className === 'LCMScheduler') return normaliseLcm(new Fields(className, obj));
  if (className === 'DPMSolverMultistepScheduler') return normaliseDpm(new Fields(className, obj));
  throw new SchedulerConfigError(
    `scheduler class ${className} is not supported; supported: ${SUPPORTED_SCHEDULERS.join(', ')}`,
  );
}

function normaliseLcm(f: Fields): ParsedSchedulerConfig {
  // Defaults: diffusers LCMScheduler.__init__.
  const schedule = noiseSchedule(f, { beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear' });
  const config: LcmConfig = {
    _class_name: 'LCMScheduler',
    ...schedule,
    // diffusers refuses more at set_timesteps; refused here, before its schedule is built.
    original_inference_steps: f.int('original_inference_steps', 50, 1, schedule.num_train_timesteps, 'num_train_timesteps'),
    clip_sample: f.bool('clip_sample', false),
    clip_sample_range: f.float('clip_sample_range', 1.0),
    set_alpha_to_one: f.bool('set_alpha_to_one', true),
    steps_offset: stepsOffset(f, schedule),
    prediction_type: f.oneOf('prediction_type', 'epsilon', PREDICTION_TYPES),
    thresholding: f.bool('thresholding', false),
    dynamic_thresholding_ratio: f.ratio('dynamic_thresholding_ratio', 0.995),
    sample_max_value: f.float('sample_max_value', 1.0),
    timestep_spacing: f.oneOf('timestep_spacing', 'leading', SPACINGS),
    timestep_scaling: f.float('timestep_scaling', 10.0),
  };
  return { config, ignoredKeys: f.unreadKeys() };
}

function normaliseDpm(f: Fields): ParsedSchedulerConfig {
  // Defaults: diffusers DPMSolverMultistepScheduler.__init__. Fields are read in one fixed order,
  // so of several bad fields the same one is always reported.
  const schedule = noiseSchedule(f, { beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear' });
  const { solverOrder, algorithm, solverType } = dpmSolver(f);
  const predictionType = f.oneOf('prediction_type', 'epsilon', [...PREDICTION_TYPES, 'flow_prediction'] as const);
  if (predictionType === 'flow_prediction') f.unsupported('prediction_type', predictionType, 'PixArt (α and Σ) is not a flow-matching model');
  const { karras, exponential } = dpmSigmaSpacing(f);
  rejectVarianceType(f);
  const finalSigmas = dpmFinalSigmas(f, algorithm);
  if (algorithm === 'sde-dpmsolver' && solverOrder === 3) {
    f.unsupported('solver_order', 3, 'diffusers has no third-order update for algorithm_type "sde-dpmsolver"');
  }

  const lambdaMin = f.float('lambda_min_clipped', -Infinity, { allowNegInf: true });
  const config: DpmConfig = {
    _class_name: 'DPMSolverMultistepScheduler',
    ...schedule,
    solver_order: solverOrder,
    prediction_type: predictionType,
    thresholding: f.bool('thresholding', false),
    dynamic_thresholding_ratio: f.ratio('dynamic_thresholding_ratio', 0.995),
    sample_max_value: f.float('sample_max_value', 1.0),
    algorithm_type: algorithm,
    solver_type: solverType,
    lower_order_final: f.bool('lower_order_final', true),
    euler_at_final: f.bool('euler_at_final', false),
    use_karras_sigmas: karras,
    use_exponential_sigmas: exponential,
    use_lu_lambdas: f.bool('use_lu_lambdas', false),
    final_sigmas_type: finalSigmas,
    lambda_min_clipped: lambdaMin,
    timestep_spacing: f.oneOf('timestep_spacing', 'linspace', SPACINGS),
    steps_offset: stepsOffset(f, schedule),
    sigma_min: f.optionalPositive('sigma_min'),
    sigma_max: f.optionalPositive('sigma_max'),
  };
  return { config, ignoredKeys: f.unreadKeys() };
}

/** The solver: its order, algorithm and second-order type (DEIS/UniPC names mapped as diffusers does). */
function dpmSolver(f: Fields): { solverOrder: DpmConfig['solver_order']; algorithm: DpmAlgorithm; solverType: DpmConfig['solver_type'] } {
  const solverOrder = f.int('solver_order', 2, 1);
  if (solverOrder > 3) {
    throw new SchedulerConfigError(`${f.className}.solver_order = ${solverOrder} is not supported; DPM-Solver has orders 1, 2 and 3`);
  }
  // diffusers maps DEIS/UniPC names onto its own when a config is shared between those schedulers.
  let algorithm = f.oneOf('algorithm_type', 'dpmsolver++', ['dpmsolver++', 'sde-dpmsolver++', 'dpmsolver', 'sde-dpmsolver', 'deis'] as const);
  if (algorithm === 'deis') algorithm = 'dpmsolver++';
  let solverType = f.oneOf('solver_type', 'midpoint', ['midpoint', 'heun', 'logrho', 'bh1', 'bh2'] as const);
  if (solverType !== 'midpoint' && solverType !== 'heun') solverType = 'midpoint';
  return { solverOrder: solverOrder as 1 | 2 | 3, algorithm, solverType };
}

/** The sigma spacing flags: at most one, and only those this port implements. */
function dpmSigmaSpacing(f: Fields): { karras: boolean; exponential: boolean } {
  const karras = f.bool('use_karras_sigmas', false);
  const exponential = f.bool('use_exponential_sigmas', false);
  const beta = f.bool('use_beta_sigmas', false);
  if (Number(karras) + Number(exponential) + Number(beta) > 1) {
    throw new SchedulerConfigError(
      `${f.className}: only one of use_beta_sigmas, use_exponential_sigmas, use_karras_sigmas can be true`,
    );
  }
  if (beta) f.unsupported('use_beta_sigmas', true, 'beta sigmas need scipy.stats.beta.ppf, which this port does not implement');
  if (f.bool('use_flow_sigmas', false)) f.unsupported('use_flow_sigmas', true, 'flow-matching sigmas are not used by PixArt (α and Σ)');
  // Only read on the flow-sigma path (rejected above) or when a caller passes `mu`; inert here as in diffusers.
  f.float('flow_shift', 1.0);
  f.bool('use_dynamic_shifting', false);
  f.oneOf('time_shift_type', 'exponential', ['exponential'] as const);
  return { karras, exponential };
}

function rejectVarianceType(f: Fields): void {
  const variance = f.raw('variance_type');
  if (variance !== undefined && variance !== null) {
    f.unsupported(
      'variance_type',
      variance,
      'the pipeline already keeps only the predicted-noise channels, and diffusers would slice them again to 3',
    );
  }
}

function dpmFinalSigmas(f: Fields, algorithm: DpmAlgorithm): DpmConfig['final_sigmas_type'] {
  const finalSigmas = f.oneOf('final_sigmas_type', 'zero', ['zero', 'sigma_min'] as const);
  if ((algorithm === 'dpmsolver' || algorithm === 'sde-dpmsolver') && finalSigmas === 'zero') {
    // Same refusal as diffusers' __init__.
    throw new SchedulerConfigError(
      `${f.className}: final_sigmas_type "zero" is not supported for algorithm_type "${algorithm}"; use "sigma_min"`,
    );
  }
  return finalSigmas;
}

/** A timestep offset past the training schedule would point outside it. */
function stepsOffset(f: Fields, schedule: NoiseScheduleConfig): number {
  return f.int('steps_offset', 0, 0, schedule.num_train_timesteps - 1, 'num_train_timesteps − 1');
}

/** Betas, ᾱ and the DPM sigma search are this long; diffusers' models use 1000. */
export const MAX_TRAIN_TIMESTEPS = 10_000;

const PREDICTION_TYPES = ['epsilon', 'sample', 'v_prediction'] as const;
const SPACINGS = ['linspace', 'leading', 'trailing'] as const;

function noiseSchedule(
  f: Fields,
  defaults: { beta_start: number; beta_end: number; beta_schedule: BetaSchedule },
): NoiseScheduleConfig {
  const num = f.int('num_train_timesteps', 1000, 2, MAX_TRAIN_TIMESTEPS);
  const trained = f.raw('trained_betas');
  let trainedBetas: number[] | null = null;
  if (trained !== undefined && trained !== null) {
    if (!Array.isArray(trained) || !trained.every((b) => typeof b === 'number' && Number.isFinite(b))) {
      throw new SchedulerConfigError(`${f.className}.trained_betas must be null or an array of finite numbers`);
    }
    if (trained.length !== num) {
      throw new SchedulerConfigError(
        `${f.className}.trained_betas has ${trained.length} values but num_train_timesteps is ${num}`,
      );
    }
    trainedBetas = trained as number[];
  }
  return {
    num_train_timesteps: num,
    beta_start: f.float('beta_start', defaults.beta_start),
    beta_end: f.float('beta_end', defaults.beta_end),
    beta_schedule: f.oneOf('beta_schedule', defaults.beta_schedule, ['linear', 'scaled_linear', 'squaredcos_cap_v2'] as const),
    trained_betas: trainedBetas,
    rescale_betas_zero_snr: f.bool('rescale_betas_zero_snr', false),
  };
}
