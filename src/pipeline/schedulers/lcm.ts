// diffusers' LCMScheduler (scheduling_lcm.py): latent consistency model multistep sampling.
// Scalars are float32 0-d torch tensors in diffusers, so every scalar op is rounded to float32 too.

import { makeAlphasCumprod } from './betas';
import type { LcmConfig } from './config';
import { f32, npLinspace, sqrtF32 } from '../numerics';
import { thresholdSample } from './threshold';
import type { RandnFn, Scheduler } from './types';
import { checkStep } from './step-checks';

export class LCMScheduler implements Scheduler {
  readonly className = 'LCMScheduler';
  readonly initNoiseSigma = 1.0;
  private readonly alphasCumprod: Float32Array;
  private readonly finalAlphaCumprod: number;
  private ts: number[] = [];
  private stepIdx = 0;
  private lastDenoised: Float32Array | null = null;

  constructor(readonly config: LcmConfig) {
    this.alphasCumprod = makeAlphasCumprod(config);
    // Only used when the previous timestep is negative, which LCM's schedules never produce.
    this.finalAlphaCumprod = config.set_alpha_to_one ? 1 : this.alphasCumprod[0];
  }

  get timesteps(): readonly number[] {
    return this.ts;
  }

  get denoised(): Float32Array | null {
    return this.lastDenoised;
  }

  /** ᾱ_t for every training timestep (float32), for tests and diagnostics. */
  get alphasCumprodF32(): Float32Array {
    return this.alphasCumprod.slice();
  }

  /** LCMScheduler.set_timesteps(num_inference_steps) with strength 1 and no custom timesteps.
   *  timestep_spacing and steps_offset are not read, as in diffusers. */
  setTimesteps(numInferenceSteps: number): number[] {
    const c = this.config;
    const n = numInferenceSteps;
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`num_inference_steps must be a positive integer, got ${n}`);
    const originalSteps = c.original_inference_steps;
    if (originalSteps > c.num_train_timesteps) {
      throw new Error(
        `original_inference_steps ${originalSteps} cannot be larger than num_train_timesteps ${c.num_train_timesteps}`,
      );
    }
    if (n > c.num_train_timesteps) {
      throw new Error(`num_inference_steps ${n} cannot be larger than num_train_timesteps ${c.num_train_timesteps}`);
    }
    // The distillation schedule: every k-th training timestep, k = num_train // original_steps.
    const k = Math.floor(c.num_train_timesteps / originalSteps);
    const origin: number[] = [];
    for (let i = originalSteps; i >= 1; i--) origin.push(i * k - 1); // already reversed
    if (Math.floor(origin.length / n) < 1 || n > originalSteps) {
      throw new Error(
        `num_inference_steps ${n} cannot be larger than original_inference_steps ${originalSteps}: ` +
          'LCM takes its steps from that schedule',
      );
    }
    // Evenly spaced indices into it: floor(linspace(0, len, n, endpoint=False)).
    this.ts = npLinspace(0, origin.length, n, false).map((x) => origin[Math.floor(x)]);
    this.stepIdx = 0;
    this.lastDenoised = null;
    return [...this.ts];
  }

  /** get_scalings_for_boundary_condition_discrete: c_skip, c_out with σ_data = 0.5. */
  private boundaryScalings(timestep: number): [number, number] {
    // int64 timestep × Python float → float32 tensor.
    const scaled = f32(f32(timestep) * f32(this.config.timestep_scaling));
    const denom = f32(f32(scaled * scaled) + 0.25);
    return [f32(0.25 / denom), f32(scaled / sqrtF32(denom))];
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array, randn: RandnFn, batchSize?: number): Float32Array {
    const c = this.config;
    checkStep(this.ts.length, this.stepIdx, stepIndex, modelOutput, sample);
    const t = this.ts[stepIndex];
    const last = stepIndex === this.ts.length - 1;
    // diffusers: prev_timestep = the current one on the last step (its value is then unused).
    const prevT = last ? t : this.ts[stepIndex + 1];

    const alphaProdT = this.alphasCumprod[t];
    const alphaProdPrev = prevT >= 0 ? this.alphasCumprod[prevT] : this.finalAlphaCumprod;
    const betaProdT = f32(1 - alphaProdT);
    const betaProdPrev = f32(1 - alphaProdPrev);
    const [cSkip, cOut] = this.boundaryScalings(t);

    const sqrtA = sqrtF32(alphaProdT);
    const sqrtB = sqrtF32(betaProdT);
    const n = sample.length;
    let x0: Float32Array = new Float32Array(n);
    if (c.prediction_type === 'epsilon') {
      for (let i = 0; i < n; i++) x0[i] = f32(sample[i] - f32(sqrtB * modelOutput[i])) / sqrtA;
    } else if (c.prediction_type === 'sample') {
      x0.set(modelOutput);
    } else {
      for (let i = 0; i < n; i++) x0[i] = f32(sqrtA * sample[i]) - f32(sqrtB * modelOutput[i]);
    }

    if (c.thresholding) {
      if (batchSize === undefined) throw new Error('LCMScheduler: thresholding needs step(..., batchSize)');
      x0 = thresholdSample(x0, batchSize, c.dynamic_thresholding_ratio, c.sample_max_value);
    } else if (c.clip_sample) {
      const r = f32(c.clip_sample_range);
      for (let i = 0; i < n; i++) x0[i] = Math.min(Math.max(x0[i], -r), r);
    }

    const denoised = new Float32Array(n);
    for (let i = 0; i < n; i++) denoised[i] = f32(cOut * x0[i]) + f32(cSkip * sample[i]);
    this.lastDenoised = denoised;
    this.stepIdx++;

    // Noise is injected between steps only: never on the last one (so never for one-step sampling).
    if (last) return denoised.slice();
    const noise = randn();
    if (noise.length !== n) throw new Error(`LCMScheduler: randn() gave ${noise.length} values, expected ${n}`);
    const a = sqrtF32(alphaProdPrev);
    const b = sqrtF32(betaProdPrev);
    const prev = new Float32Array(n);
    for (let i = 0; i < n; i++) prev[i] = f32(a * denoised[i]) + f32(b * noise[i]);
    return prev;
  }
}
