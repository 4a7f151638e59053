/** Draws standard normals of the latents' shape from the pipeline's torch-compatible generator
 *  (diffusers: randn_tensor(model_output.shape, generator=generator)). */
export type RandnFn = () => Float32Array;

/** What the denoising loop needs of a scheduler. Latents are flat float32 NCHW arrays. */
export interface Scheduler {
  readonly className: string;
  /** Multiplies the initial noise (diffusers' init_noise_sigma; 1.0 for both supported classes). */
  readonly initNoiseSigma: number;
  /** Sets the schedule for n inference steps and resets the step counter and solver history;
   *  returns the timesteps as diffusers has them, e.g. [999, 759, 499, 259]. */
  setTimesteps(numInferenceSteps: number): number[];
  readonly timesteps: readonly number[];
  /**
   * One step, diffusers' `step(model_output, t, sample, generator=…)[0]` after
   * `set_begin_index(0)`: model output (the guided noise prediction with learned-sigma channels
   * dropped, same length as `sample`) → the next latents. Steps must be taken in order
   * 0, 1, … (multistep solvers keep a history); `stepIndex` is checked against that.
   * `randn` is called only when diffusers draws noise: LCM before every step but the last,
   * SDE variants of DPM-Solver on every step.
   * `batchSize` is needed only with `thresholding` (a per-image quantile); otherwise ignored.
   * `scale_model_input` is the identity for both classes, so it has no counterpart here.
   */
  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array, randn: RandnFn, batchSize?: number): Float32Array;
  /** The clean-image estimate x̂₀ of the last step (LCM's `denoised`, DPM-Solver's data
   *  prediction), e.g. for previews; null before the first step. */
  readonly denoised: Float32Array | null;
}
