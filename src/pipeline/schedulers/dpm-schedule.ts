// DPMSolverMultistepScheduler.set_timesteps: timesteps and the float32 sigma schedule.
// numpy (float64) parts are mirrored in float64, torch (float32) parts in float32.

import type { DpmConfig } from './config';
import { f32, npArange, npLinspace, npLogF32, roundHalfEven, sqrtF32, torchLogF32 } from '../numerics';

export interface DpmSchedule {
  timesteps: number[];
  /** One per timestep plus the final sigma (float32, as diffusers keeps them). */
  sigmas: Float32Array;
}

/** σ_t = sqrt((1 − ᾱ_t)/ᾱ_t) for every training timestep, in float32. */
export function trainSigmas(alphasCumprod: Float32Array): Float32Array {
  return alphasCumprod.map((a) => sqrtF32(f32(f32(1 - a) / a)));
}

/** The last timestep kept after clipping λ(t) = log α_t − log σ_t at lambda_min_clipped
 *  (torch.searchsorted(flip(lambda_t), lambda_min_clipped)); matters for the cosine schedule. */
function lastTimestep(c: DpmConfig, alphasCumprod: Float32Array): number {
  const n = c.num_train_timesteps;
  const v = f32(c.lambda_min_clipped);
  let clipped = 0;
  // λ decreases with t, so its flip is ascending: count the smallest values below the threshold.
  for (let t = n - 1; t >= 0; t--) {
    const a = alphasCumprod[t];
    const lambda = f32(torchLogF32(sqrtF32(a)) - torchLogF32(sqrtF32(f32(1 - a))));
    if (lambda < v) clipped++;
    else break;
  }
  return n - clipped;
}

function spacedTimesteps(c: DpmConfig, last: number, n: number): number[] {
  if (c.timestep_spacing === 'linspace') {
    return npLinspace(0, last - 1, n + 1).map(roundHalfEven).reverse().slice(0, n);
  }
  if (c.timestep_spacing === 'leading') {
    const ratio = Math.floor(last / (n + 1));
    const ts: number[] = [];
    for (let i = n; i >= 1; i--) ts.push(i * ratio + c.steps_offset);
    return ts;
  }
  // trailing
  const ratio = c.num_train_timesteps / n;
  return npArange(last, 0, -ratio).map((t) => roundHalfEven(t) - 1);
}

/** np.interp(t, arange(len), fp) at integer t: fp[t], clamped at the ends. */
function interpAt(fp: Float32Array, t: number): number {
  return fp[Math.min(Math.max(t, 0), fp.length - 1)];
}

/** _sigma_to_t: fractional timestep of σ by linear interpolation in log σ (numpy 2 promotion:
 *  float64 except low − high, which is a float32 difference). */
export function sigmaToT(sigma: number, logSigmas: Float32Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  let lowIdx = 0;
  for (let i = 0; i < logSigmas.length; i++) if (logSigma - logSigmas[i] >= 0) lowIdx = i;
  lowIdx = Math.min(lowIdx, logSigmas.length - 2);
  const low = logSigmas[lowIdx];
  const high = logSigmas[lowIdx + 1];
  const w = Math.min(Math.max((low - logSigma) / f32(low - high), 0), 1);
  return (1 - w) * lowIdx + w * (lowIdx + 1);
}

/** _convert_to_karras (Karras et al. 2022, ρ = 7). */
function karrasSigmas(sigmaMin: number, sigmaMax: number, n: number): number[] {
  const rho = 7.0;
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  return npLinspace(0, 1, n).map((r) => (maxInv + r * (minInv - maxInv)) ** rho);
}

export function dpmSchedule(c: DpmConfig, alphasCumprod: Float32Array, n: number): DpmSchedule {
  const sigmasTrain = trainSigmas(alphasCumprod);
  const logSigmas = sigmasTrain.map(npLogF32);
  const smallest = sigmasTrain[0];
  const largest = sigmasTrain[sigmasTrain.length - 1];
  // diffusers keeps fractional timesteps for the cosine schedule (by name, even with trained_betas).
  const cosine = c.beta_schedule === 'squaredcos_cap_v2';
  const toT = (sigmas: number[], round: boolean) =>
    sigmas.map((s) => sigmaToT(s, logSigmas)).map((t) => (round ? roundHalfEven(t) : t));

  let timesteps: number[];
  let sigmas: number[];
  if (c.use_karras_sigmas) {
    sigmas = karrasSigmas(c.sigma_min ?? smallest, c.sigma_max ?? largest, n);
    timesteps = toT(sigmas, !cosine);
  } else if (c.use_lu_lambdas) {
    // _convert_to_lu: uniform in log σ between the schedule's ends (ρ = 1).
    const lMin = logSigmas[0];
    const lMax = logSigmas[logSigmas.length - 1];
    sigmas = npLinspace(0, 1, n).map((r) => Math.exp(lMax + r * (lMin - lMax)));
    timesteps = toT(sigmas, !cosine);
  } else if (c.use_exponential_sigmas) {
    const sMin = c.sigma_min ?? smallest;
    const sMax = c.sigma_max ?? largest;
    sigmas = npLinspace(Math.log(sMax), Math.log(sMin), n).map(Math.exp);
    timesteps = toT(sigmas, false);
  } else {
    timesteps = spacedTimesteps(c, lastTimestep(c, alphasCumprod), n);
    sigmas = timesteps.map((t) => interpAt(sigmasTrain, t));
  }
  const sigmaLast = c.final_sigmas_type === 'sigma_min' ? smallest : 0;
  return {
    // torch .to(int64) truncates the fractional timesteps the unrounded branches leave.
    timesteps: timesteps.map((t) => Math.trunc(t) + 0),
    sigmas: Float32Array.from([...sigmas, sigmaLast]),
  };
}
