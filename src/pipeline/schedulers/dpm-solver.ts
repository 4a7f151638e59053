// diffusers' DPMSolverMultistepScheduler (scheduling_dpmsolver_multistep.py): DPM-Solver(++)
// (arXiv 2206.00927, 2211.01095), multistep orders 1–3, ODE and SDE variants.
// Its per-step scalars are float32 0-d tensors; every scalar and tensor op is rounded to float32.

import { makeAlphasCumprod } from './betas';
import type { DpmConfig } from './config';
import { dpmSchedule } from './dpm-schedule';
import { f32, sqrtF32, torchExpF32 as expF32, torchLogF32 as logF32 } from '../numerics';
import { checkStep } from './step-checks';
import { thresholdSample } from './threshold';
import type { RandnFn, Scheduler } from './types';

interface Point {
  alpha: number;
  sigma: number;
  lambda: number;
}

/** Σ coef_k · tensor_k, left to right, each product and partial sum rounded (as torch evaluates
 *  `a * x - b * y + …`; a subtraction is the sum with the negated coefficient, exactly). */
function combine(coefs: number[], tensors: Float32Array[]): Float32Array {
  const n = tensors[0].length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let acc = f32(coefs[0] * tensors[0][i]);
    for (let k = 1; k < coefs.length; k++) acc = f32(acc + f32(coefs[k] * tensors[k][i]));
    out[i] = acc;
  }
  return out;
}

/** c·(a − b), elementwise, two roundings. */
function scaledDiff(c: number, a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = c * f32(a[i] - b[i]);
  return out;
}

export class DPMSolverMultistepScheduler implements Scheduler {
  readonly className = 'DPMSolverMultistepScheduler';
  readonly initNoiseSigma = 1.0;
  private readonly alphasCumprod: Float32Array;
  private ts: number[] = [];
  private sigmas: Float32Array = new Float32Array(0);
  private history: (Float32Array | null)[] = [];
  private lowerOrderNums = 0;
  private stepIdx = 0;
  private lastDenoised: Float32Array | null = null;

  constructor(readonly config: DpmConfig) {
    this.alphasCumprod = makeAlphasCumprod(config);
    // With zero terminal SNR, diffusers nudges ᾱ_T off 0 (fp16's smallest subnormal) so σ_T is finite.
    if (config.rescale_betas_zero_snr) this.alphasCumprod[this.alphasCumprod.length - 1] = 2 ** -24;
  }

  get timesteps(): readonly number[] {
    return this.ts;
  }

  get denoised(): Float32Array | null {
    return this.lastDenoised;
  }

  /** The float32 sigma schedule (length = steps + 1), for tests and diagnostics. */
  get scheduleSigmas(): Float32Array {
    return this.sigmas.slice();
  }

  setTimesteps(numInferenceSteps: number): number[] {
    const n = numInferenceSteps;
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`num_inference_steps must be a positive integer, got ${n}`);
    const s = dpmSchedule(this.config, this.alphasCumprod, n);
    this.ts = s.timesteps;
    this.sigmas = s.sigmas;
    this.history = new Array<Float32Array | null>(this.config.solver_order).fill(null);
    this.lowerOrderNums = 0;
    this.stepIdx = 0;
    this.lastDenoised = null;
    return [...this.ts];
  }

  /** _sigma_to_alpha_sigma_t (VP): α = 1/√(σ²+1), σ_t = σ·α; and λ = log α − log σ_t. */
  private point(index: number): Point {
    const s = this.sigmas[index];
    const alpha = f32(1 / sqrtF32(f32(f32(s * s) + 1)));
    const sigma = f32(s * alpha);
    return { alpha, sigma, lambda: f32(logF32(alpha) - logF32(sigma)) };
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array, randn: RandnFn, batchSize?: number): Float32Array {
    const c = this.config;
    checkStep(this.ts.length, this.stepIdx, stepIndex, modelOutput, sample);
    const n = this.ts.length;
    // "Improve numerical stability for small number of steps" (diffusers' step()).
    const lowerOrderFinal =
      stepIndex === n - 1 && (c.euler_at_final || (c.lower_order_final && n < 15) || c.final_sigmas_type === 'zero');
    const lowerOrderSecond = stepIndex === n - 2 && c.lower_order_final && n < 15;

    const converted = this.convertModelOutput(modelOutput, sample, batchSize);
    this.history.shift();
    this.history.push(converted);

    let noise: Float32Array | null = null;
    if (c.algorithm_type === 'sde-dpmsolver++' || c.algorithm_type === 'sde-dpmsolver') {
      noise = randn();
      if (noise.length !== sample.length) {
        throw new Error(`DPMSolverMultistepScheduler: randn() gave ${noise.length} values, expected ${sample.length}`);
      }
    }

    let prev: Float32Array;
    if (c.solver_order === 1 || this.lowerOrderNums < 1 || lowerOrderFinal) prev = this.firstOrder(converted, sample, noise);
    else if (c.solver_order === 2 || this.lowerOrderNums < 2 || lowerOrderSecond) prev = this.secondOrder(sample, noise);
    else prev = this.thirdOrder(sample, noise);

    if (this.lowerOrderNums < c.solver_order) this.lowerOrderNums++;
    this.stepIdx++;
    return prev;
  }

  /** convert_model_output: DPM-Solver++ integrates the data prediction x̂₀, DPM-Solver the noise ε̂. */
  private convertModelOutput(m: Float32Array, sample: Float32Array, batchSize: number | undefined): Float32Array {
    const c = this.config;
    const { alpha, sigma } = this.point(this.stepIdx);
    const n = m.length;
    const threshold = (x0: Float32Array) => {
      if (batchSize === undefined) throw new Error('DPMSolverMultistepScheduler: thresholding needs step(..., batchSize)');
      return thresholdSample(x0, batchSize, c.dynamic_thresholding_ratio, c.sample_max_value);
    };
    const x0FromEps = (eps: Float32Array) => {
      const x0 = new Float32Array(n);
      for (let i = 0; i < n; i++) x0[i] = f32(sample[i] - f32(sigma * eps[i])) / alpha;
      return x0;
    };

    if (c.algorithm_type === 'dpmsolver++' || c.algorithm_type === 'sde-dpmsolver++') {
      let x0: Float32Array;
      if (c.prediction_type === 'epsilon') x0 = x0FromEps(m);
      else if (c.prediction_type === 'sample') x0 = m.slice();
      else x0 = combine([alpha, -sigma], [sample, m]);
      if (c.thresholding) x0 = threshold(x0);
      this.lastDenoised = x0;
      return x0;
    }

    let eps: Float32Array;
    if (c.prediction_type === 'epsilon') eps = m.slice();
    else if (c.prediction_type === 'sample') {
      eps = new Float32Array(n);
      for (let i = 0; i < n; i++) eps[i] = f32(sample[i] - f32(alpha * m[i])) / sigma;
    } else eps = combine([alpha, sigma], [m, sample]);
    let x0: Float32Array = x0FromEps(eps);
    if (c.thresholding) {
      x0 = threshold(x0);
      for (let i = 0; i < n; i++) eps[i] = f32(sample[i] - f32(alpha * x0[i])) / sigma;
    }
    this.lastDenoised = x0;
    return eps;
  }

  /** dpm_solver_first_order_update (DDIM-equivalent). */
  private firstOrder(m: Float32Array, sample: Float32Array, noise: Float32Array | null): Float32Array {
    const t = this.point(this.stepIdx + 1);
    const s = this.point(this.stepIdx);
    const h = f32(t.lambda - s.lambda);
    switch (this.config.algorithm_type) {
      case 'dpmsolver++':
        return combine([f32(t.sigma / s.sigma), -f32(t.alpha * f32(expF32(-h) - 1))], [sample, m]);
      case 'dpmsolver':
        return combine([f32(t.alpha / s.alpha), -f32(t.sigma * f32(expF32(h) - 1))], [sample, m]);
      case 'sde-dpmsolver++': {
        const e2 = expF32(f32(-2 * h));
        return combine(
          [f32(f32(t.sigma / s.sigma) * expF32(-h)), f32(t.alpha * f32(1 - e2)), f32(t.sigma * sqrtF32(f32(1 - e2)))],
          [sample, m, noise!],
        );
      }
      case 'sde-dpmsolver':
        return combine(
          [
            f32(t.alpha / s.alpha),
            -f32(2 * f32(t.sigma * f32(expF32(h) - 1))),
            f32(t.sigma * sqrtF32(f32(expF32(f32(2 * h)) - 1))),
          ],
          [sample, m, noise!],
        );
    }
  }

  /** multistep_dpm_solver_second_order_update. */
  private secondOrder(sample: Float32Array, noise: Float32Array | null): Float32Array {
    const { algorithm_type: algo, solver_type: solver } = this.config;
    const m0 = this.history[this.history.length - 1]!;
    const m1 = this.history[this.history.length - 2]!;
    const t = this.point(this.stepIdx + 1);
    const s0 = this.point(this.stepIdx);
    const s1 = this.point(this.stepIdx - 1);
    const h = f32(t.lambda - s0.lambda);
    const h0 = f32(s0.lambda - s1.lambda);
    const r0 = f32(h0 / h);
    const D1 = scaledDiff(f32(1 / r0), m0, m1);

    if (algo === 'dpmsolver++') {
      const a = f32(t.alpha * f32(expF32(-h) - 1));
      const d1 = solver === 'midpoint' ? -f32(0.5 * a) : f32(t.alpha * f32(f32(f32(expF32(-h) - 1) / h) + 1));
      return combine([f32(t.sigma / s0.sigma), -a, d1], [sample, m0, D1]);
    }
    if (algo === 'dpmsolver') {
      const a = f32(t.sigma * f32(expF32(h) - 1));
      const d1 = solver === 'midpoint' ? f32(0.5 * a) : f32(t.sigma * f32(f32(f32(expF32(h) - 1) / h) - 1));
      return combine([f32(t.alpha / s0.alpha), -a, -d1], [sample, m0, D1]);
    }
    if (algo === 'sde-dpmsolver++') {
      const e2 = expF32(f32(-2 * h));
      const a = f32(t.alpha * f32(1 - e2));
      const d1 = solver === 'midpoint' ? f32(0.5 * a) : f32(t.alpha * f32(f32(f32(1 - e2) / f32(-2 * h)) + 1));
      const z = f32(t.sigma * sqrtF32(f32(1 - e2)));
      return combine([f32(f32(t.sigma / s0.sigma) * expF32(-h)), a, d1, z], [sample, m0, D1, noise!]);
    }
    // sde-dpmsolver
    const a = f32(t.sigma * f32(expF32(h) - 1));
    const d1 = solver === 'midpoint' ? a : f32(2 * f32(t.sigma * f32(f32(f32(expF32(h) - 1) / h) - 1)));
    const z = f32(t.sigma * sqrtF32(f32(expF32(f32(2 * h)) - 1)));
    return combine([f32(t.alpha / s0.alpha), -f32(2 * a), -d1, z], [sample, m0, D1, noise!]);
  }

  /** multistep_dpm_solver_third_order_update (no sde-dpmsolver variant: rejected in config). */
  private thirdOrder(sample: Float32Array, noise: Float32Array | null): Float32Array {
    const algo = this.config.algorithm_type;
    const k = this.history.length;
    const [m0, m1, m2] = [this.history[k - 1]!, this.history[k - 2]!, this.history[k - 3]!];
    const t = this.point(this.stepIdx + 1);
    const s0 = this.point(this.stepIdx);
    const s1 = this.point(this.stepIdx - 1);
    const s2 = this.point(this.stepIdx - 2);
    const h = f32(t.lambda - s0.lambda);
    const h0 = f32(s0.lambda - s1.lambda);
    const h1 = f32(s1.lambda - s2.lambda);
    const r0 = f32(h0 / h);
    const r1 = f32(h1 / h);
    const r01 = f32(r0 + r1);
    const D1_0 = scaledDiff(f32(1 / r0), m0, m1);
    const D1_1 = scaledDiff(f32(1 / r1), m1, m2);
    const diff = new Float32Array(D1_0.length);
    for (let i = 0; i < diff.length; i++) diff[i] = D1_0[i] - D1_1[i];
    const c1 = f32(r0 / r01);
    const c2 = f32(1 / r01);
    const D1 = new Float32Array(diff.length);
    const D2 = new Float32Array(diff.length);
    for (let i = 0; i < diff.length; i++) {
      D1[i] = D1_0[i] + f32(c1 * diff[i]);
      D2[i] = c2 * diff[i];
    }
    const hh = f32(h * h);

    if (algo === 'dpmsolver++') {
      const em1 = f32(expF32(-h) - 1);
      return combine(
        [
          f32(t.sigma / s0.sigma),
          -f32(t.alpha * em1),
          f32(t.alpha * f32(f32(em1 / h) + 1)),
          -f32(t.alpha * f32(f32(f32(em1 + h) / hh) - 0.5)),
        ],
        [sample, m0, D1, D2],
      );
    }
    if (algo === 'dpmsolver') {
      const em1 = f32(expF32(h) - 1);
      return combine(
        [
          f32(t.alpha / s0.alpha),
          -f32(t.sigma * em1),
          -f32(t.sigma * f32(f32(em1 / h) - 1)),
          -f32(t.sigma * f32(f32(f32(em1 - h) / hh) - 0.5)),
        ],
        [sample, m0, D1, D2],
      );
    }
    if (algo === 'sde-dpmsolver++') {
      const e2 = expF32(f32(-2 * h));
      const one = f32(1 - e2);
      const h2 = f32(2 * h);
      return combine(
        [
          f32(f32(t.sigma / s0.sigma) * expF32(-h)),
          f32(t.alpha * one),
          f32(t.alpha * f32(f32(one / f32(-2 * h)) + 1)),
          f32(t.alpha * f32(f32(f32(one - h2) / f32(h2 * h2)) - 0.5)),
          f32(t.sigma * sqrtF32(one)),
        ],
        [sample, m0, D1, D2, noise!],
      );
    }
    throw new Error(`DPMSolverMultistepScheduler: no third-order update for algorithm_type "${algo}"`);
  }
}
