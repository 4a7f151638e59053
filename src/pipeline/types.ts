// What a PixArt pipeline takes and gives: its load options, what a loaded model offers (ModelInfo),
// and a generation's steps, images and timings. Shared by the worker, the CLI and the benchmarks,
// and by any further pipeline family over the same models.
import type { SizeBin, Size } from './resolution';

export interface StepInfo {
  /** 1-based */
  step: number;
  steps: number;
  timestep: number;
  /** The latents after this step: [images, 4, h, w] */
  latents: Float32Array;
  latentShape: number[];
  /** The scheduler's clean-latent estimate at this step (sharper previews than noisy latents). */
  denoised: Float32Array | null;
  elapsedMs: number;
}

export interface GeneratedImage {
  width: number;
  height: number;
  /** HWC, 8-bit RGB */
  rgb: Uint8Array;
  prompt: string;
  negativePrompt: string;
  /** Position in the batch: prompt-major, as diffusers orders it. */
  index: number;
}

export interface Timings {
  textEncoderMs: number;
  /** Prompt batches T5 encoded for this image (0 when the embedding cache had them all). */
  textEncoderCalls: number;
  transformerMs: number[];
  schedulerMs: number;
  vaeMs: number;
  postprocessMs: number;
  /** Sum of the engines' inference calls (as the pipeline waits for them: with feeding inputs and copying outputs). */
  inferenceMs: number;
  /** The runtime's own share of those calls (CompiledModel.lastInferMs): pure inference. */
  engineMs: number;
  totalMs: number;
}

export interface GenerateResult {
  images: GeneratedImage[];
  seed: bigint;
  generatedWidth: number;
  generatedHeight: number;
  timings: Timings;
}

export interface ModelInfo {
  modelDir: string;
  name: string;
  /** The pipeline family the folder's model_index.json names: 'PixArt-α' or 'PixArt-Σ'. */
  family: string;
  schedulerClass: string;
  sampleSize: number;
  /** Set when the transformer's spatial input shape is fixed (e.g. the notebook's 1024×1024 IR). */
  staticSize: Size | null;
  /** Sizes to offer: the model's aspect-ratio bins, or its one static size. */
  supportedSizes: SizeBin[];
  defaults: { steps: number; guidanceScale: number };
  /** The most steps the scheduler can take (LCM: its original_inference_steps). */
  maxSteps: number;
  /** Prompt tokens the model sees (the family's max_sequence_length: α 120, Σ 300). */
  maxTokens: number;
}

export interface LoadOptions {
  device?: string;
  cacheDir?: string;
  /**
   * 'f32' forces full precision everywhere (what conformance checks need). 'auto' lets the device
   * choose for the transformer and the VAE (bf16 on CPUs that have it: the VAE decodes 1.6× faster
   * with half the activation memory, PSNR ~50 dB against f32 — see DESIGN.md "Precision") but keeps
   * T5 at f32: T5 in f16/bf16 overflows into black images.
   */
  precision?: 'f32' | 'auto';
  onStatus?: (status: 'loading' | 'compiling' | 'ready') => void;
  /** A scheduler_config.json to use instead of the model folder's (e.g. DPM-Solver for an LCM model). */
  schedulerConfigFile?: string;
  /**
   * Release the text encoder after each encoding (T5-XXL is most of the memory, and idle while
   * denoising), and the VAE decoder after each decode (its working memory: 2.25 GB at 1024²); a
   * new prompt then reloads T5 from the compiled-model cache, and each decode compiles the VAE
   * again (~0.5 s). Embeddings of recent prompts are kept either way, so an unchanged prompt is
   * never encoded twice. (The name predates the VAE's part.)
   */
  releaseTextEncoder?: boolean;
}
