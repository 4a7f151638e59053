// betas → alphas_cumprod as both schedulers' __init__ build them (float32 torch tensors).

import type { NoiseScheduleConfig } from './config';
import { f32, sqrtF32, torchCumprodF32, torchLinspaceF32 } from '../numerics';

/** diffusers' betas_for_alpha_bar (cosine, max_beta 0.999), computed in Python floats, then float32. */
export function betasForAlphaBar(numDiffusionTimesteps: number, maxBeta = 0.999): Float32Array {
  const alphaBar = (t: number) => {
    const c = Math.cos((((t + 0.008) / 1.008) * Math.PI) / 2);
    return c * c;
  };
  const out = new Float32Array(numDiffusionTimesteps);
  for (let i = 0; i < numDiffusionTimesteps; i++) {
    const t1 = i / numDiffusionTimesteps;
    const t2 = (i + 1) / numDiffusionTimesteps;
    out[i] = Math.min(1 - alphaBar(t2) / alphaBar(t1), maxBeta);
  }
  return out;
}

/** diffusers' rescale_zero_terminal_snr (arXiv 2305.08891, Algorithm 1), in float32 like its torch code. */
export function rescaleZeroTerminalSnr(betas: Float32Array): Float32Array {
  const n = betas.length;
  const alphas = betas.map((b) => f32(1 - b));
  const cumprod = torchCumprodF32(alphas);
  const sqrtBar = cumprod.map(sqrtF32);
  const first = sqrtBar[0];
  const last = sqrtBar[n - 1];
  const factor = f32(first / f32(first - last));
  for (let i = 0; i < n; i++) sqrtBar[i] = f32(f32(sqrtBar[i] - last) * factor);
  const bar = sqrtBar.map((x) => f32(x * x));
  const out = new Float32Array(n);
  out[0] = f32(1 - bar[0]);
  for (let i = 1; i < n; i++) out[i] = f32(1 - f32(bar[i] / bar[i - 1]));
  return out;
}

export function makeBetas(c: NoiseScheduleConfig): Float32Array {
  let betas: Float32Array;
  if (c.trained_betas) betas = Float32Array.from(c.trained_betas);
  else if (c.beta_schedule === 'linear') betas = torchLinspaceF32(c.beta_start, c.beta_end, c.num_train_timesteps);
  else if (c.beta_schedule === 'scaled_linear') {
    // "very specific to the latent diffusion model": linspace of square roots, squared in float32.
    betas = torchLinspaceF32(Math.sqrt(c.beta_start), Math.sqrt(c.beta_end), c.num_train_timesteps).map((x) => f32(x * x));
  } else betas = betasForAlphaBar(c.num_train_timesteps);
  return c.rescale_betas_zero_snr ? rescaleZeroTerminalSnr(betas) : betas;
}

/** alphas_cumprod = cumprod(1 − betas), float32. */
export function makeAlphasCumprod(c: NoiseScheduleConfig): Float32Array {
  return torchCumprodF32(makeBetas(c).map((b) => f32(1 - b)));
}
