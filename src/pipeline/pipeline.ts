// diffusers' PixArtAlphaPipeline and PixArtSigmaPipeline on an Engine: text → T5 → denoising loop →
// VAE → RGB, in diffusers' numbered steps. Each network is a class in models/ that owns its inputs
// and shape rules; what a family decides (prompt length, micro-conditions, resolution bins) is its
// PipelineFamily (family.ts), chosen at load from the folder's model_index.json.
import { readFileSync } from 'node:fs';
import type { CompileOptions, Engine, Tensor } from '../engine/types';
import { T5Tokenizer, preprocessPrompt } from './tokenizer';
import { TorchGenerator } from './random';
import { createScheduler, parseSchedulerConfig, type ParsedSchedulerConfig } from './schedulers';
import { aspectRatioBins, classifyBin, type Size, type SizeBin } from './resolution';
import { resizeAndCrop, toRgb8, type PlanarImage } from './postprocess';
import { checkMicroConditions, readModelFolder, ModelFolderError, type ModelFolder } from './model-folder';
import type { PipelineFamily } from './family';
import { T5EncoderModel, type Encoded } from './models/text-encoder';
import { PixArtTransformer2DModel } from './models/transformer';
import { AutoencoderKL } from './models/vae';
import { validateRequest, type GenerateRequest, type ValidRequest } from './request';
import { LIMITS, schedulerDefaults } from '../protocol/generation';
import type { GeneratedImage, GenerateResult, LoadOptions, ModelInfo, StepInfo, Timings } from './types';

export { ModelFolderError } from './model-folder';
export type { GenerateRequest } from './request';
export type { GeneratedImage, GenerateResult, LoadOptions, ModelInfo, StepInfo, Timings } from './types';

/**
 * What a generation is doing, reported as each phase starts: encoding the prompt (T5), running
 * denoising step `step` of `steps` (1-based), or decoding the latents (the VAE).
 */
export interface PhaseInfo {
  phase: 'encoding' | 'denoising' | 'decoding';
  /** The step running (denoising); 0 while encoding; `steps` while decoding. */
  step: number;
  steps: number;
  elapsedMs: number;
}

export interface GenerateOptions {
  /** Aborting it cancels the model call that is running (T5, a step, the VAE) and ends with CancelledError. */
  signal?: AbortSignal;
  /** After each denoising step. */
  onStep?: (s: StepInfo) => void;
  /** As each phase starts (see PhaseInfo). */
  onPhase?: (p: PhaseInfo) => void;
}

export class CancelledError extends Error {
  constructor() {
    super('generation cancelled');
    this.name = 'CancelledError';
  }
}

export type Component = 'textEncoder' | 'transformer' | 'vae';

/** The side of the warm-up's image: small (a tenth of a 1024² call), a multiple of every model's patch. */
const WARM_UP_SIDE = 256;

/**
 * How each model is compiled for these load options. One place, so that benchmarks can hand other
 * runners (bench/anchor.py) exactly the properties the pipeline uses.
 */
export function compileOptionsFor(options: Pick<LoadOptions, 'device' | 'cacheDir' | 'precision'>): Record<Component, CompileOptions> {
  const base: CompileOptions = { device: options.device, cacheDir: options.cacheDir };
  const f32: CompileOptions = { ...base, precision: 'f32' };
  const auto = options.precision === 'auto' ? base : f32;
  return { textEncoder: f32, transformer: auto, vae: auto };
}

export class PixArtPipeline {
  private constructor(
    readonly info: ModelInfo,
    private readonly textEncoder: T5EncoderModel,
    private readonly transformer: PixArtTransformer2DModel,
    private readonly vae: AutoencoderKL,
    private readonly schedulerConfig: ParsedSchedulerConfig,
    private readonly family: PipelineFamily,
  ) {}

  static async load(modelDir: string, engine: Engine, options: LoadOptions = {}): Promise<PixArtPipeline> {
    options.onStatus?.('loading');
    const folder = readModelFolder(modelDir);
    const tokenizer = T5Tokenizer.fromFolder(folder.tokenizerDir);
    const scheduler = readScheduler(options.schedulerConfigFile ?? folder.schedulerConfigFile);

    options.onStatus?.('compiling');
    const compile = compileOptionsFor(options);
    const { family } = folder;
    const maxTokens = family.maxTokens;
    const textEncoder = await T5EncoderModel.load(engine, folder.textEncoderFile, compile.textEncoder, tokenizer, { maxTokens, release: options.releaseTextEncoder ?? false });
    const transformer = await PixArtTransformer2DModel.load(engine, folder.transformerFile, compile.transformer, { config: folder.transformer, vaeScaleFactor: folder.vaeScaleFactor, maxTokens });
    checkMicroConditions(folder, transformer.inputNames, family.microConditionsAt);
    const vae = await AutoencoderKL.load(engine, folder.vaeDecoderFile, compile.vae, { scaleFactor: folder.vaeScaleFactor, scalingFactor: folder.scalingFactor }, { release: options.releaseTextEncoder ?? false });
    const info = modelInfo(modelDir, folder, scheduler, transformer.staticSize);
    options.onStatus?.('ready');
    return new PixArtPipeline(info, textEncoder, transformer, vae, scheduler.parsed, family);
  }

  /**
   * Prepares a freshly loaded pipeline while the user is still typing, so that the first image pays
   * no first-call costs (OpenVINO repacks a model's weights at its first call, and sets up each new
   * shape at its first call at that shape). T5 runs on the empty prompt (~7 s for T5-XXL int8 here;
   * "", the default negative prompt, then stays in the embedding cache). The transformer runs once
   * on zeros at the smallest size, 256² (or the model's fixed size): its first call at a new shape
   * costs little, so a tenth of a full call's cost repacks it. The VAE's first call at a new shape
   * costs ~5 s more at 1024², so it is decoded once at `decodeAt`, the size the first image will be
   * generated at (by default the model's own, the bin of every square request). T5 and the VAE are
   * skipped when they are
   * released after each use (their reload is the next image's).
   * Returns the components it ran. Aborting `signal` cancels it (an unload or a reload need not
   * wait for it); aborting `decoderSignal` skips or cancels the VAE's step alone (a job that
   * arrives would otherwise wait a whole decode for a saving of seconds).
   */
  async warmUp(signal?: AbortSignal, decoderSignal?: AbortSignal, decodeAt: Size = this.defaultSize): Promise<Component[]> {
    const ran: Component[] = [];
    if (!this.textEncoder.release) {
      await this.textEncoder.encode([preprocessPrompt('')], signal);
      ran.push('textEncoder');
    }
    const small = this.transformer.staticSize ?? { width: WARM_UP_SIDE, height: WARM_UP_SIDE };
    const shape = (size: Size) => [1, this.transformer.config.inChannels, size.height / this.vae.scaleFactor, size.width / this.vae.scaleFactor];
    await this.transformer.warmUp(shape(small), this.info.sampleSize === this.family.microConditionsAt ? small : null, signal);
    ran.push('transformer');
    const both = decoderSignal && signal ? AbortSignal.any([signal, decoderSignal]) : (decoderSignal ?? signal);
    if (!this.vae.release && !both?.aborted) {
      const latentShape = shape(decodeAt);
      await this.vae.decode(new Float32Array(latentShape.reduce((a, b) => a * b, 1)), latentShape, both);
      ran.push('vae');
    }
    return ran;
  }

  /** The size a request without one gets (the form's, the CLI's): the model's fixed size, else its own (sample size × the VAE's scale). */
  get defaultSize(): Size {
    const side = this.info.sampleSize * this.vae.scaleFactor;
    return this.info.staticSize ? { ...this.info.staticSize } : { width: side, height: side };
  }

  /** Whether T5 is in memory now (false between generations with releaseTextEncoder). */
  get textEncoderLoaded(): boolean {
    return this.textEncoder.loaded;
  }

  /** Whether the VAE decoder is compiled now (false between generations with releaseTextEncoder). */
  get vaeLoaded(): boolean {
    return this.vae.loaded;
  }

  /** Tokens the prompt takes (with `</s>`), against the family's most (α 120, Σ 300). */
  countTokens(prompt: string): { tokens: number; max: number; truncated: boolean } {
    return this.textEncoder.countTokens(prompt);
  }

  /**
   * The size generated for a request: with binning, diffusers' closest aspect-ratio bin — or, for a
   * model fixed to one size, that size (diffusers would pick a bin the model cannot run; resizing
   * and cropping from the size it can run is what binning is for).
   */
  generatedSize(req: Pick<GenerateRequest, 'width' | 'height' | 'resolutionBinning'>): Size {
    if (req.resolutionBinning === false) return { width: req.width, height: req.height };
    if (this.info.staticSize) return { ...this.info.staticSize };
    const bin = classifyBin(req, aspectRatioBins(this.info.sampleSize, this.family.bins));
    return { width: bin.width, height: bin.height };
  }

  async generate(request: GenerateRequest, opts: GenerateOptions = {}): Promise<GenerateResult> {
    try {
      return await this.run(request, opts);
    } catch (e) {
      // A model call the signal cancelled rejects with the engine's AbortError: one error for callers.
      if (opts.signal?.aborted) throw new CancelledError();
      throw e;
    }
  }

  private async run(request: GenerateRequest, opts: GenerateOptions): Promise<GenerateResult> {
    const t0 = now();
    const req = validateRequest(request);
    const { signal } = opts;
    const phase = (p: PhaseInfo['phase'], step: number) => opts.onPhase?.({ phase: p, step, steps: req.steps, elapsedMs: now() - t0 });
    const throwIfCancelled = () => {
      if (signal?.aborted) throw new CancelledError();
    };
    // 1. Check inputs: the size to generate, which the transformer must be able to run.
    const size = this.checkedSize(req);
    const cfg = req.guidanceScale > 1;
    const timings: Timings = { textEncoderMs: 0, textEncoderCalls: 0, transformerMs: [], schedulerMs: 0, vaeMs: 0, postprocessMs: 0, inferenceMs: 0, engineMs: 0, totalMs: 0 };

    // 2. Encode the prompts, then (with guidance) the negatives: [negatives, prompts].
    throwIfCancelled();
    phase('encoding', 0);
    const texts = await timed(() => this.encodePrompt(req, cfg, signal), (ms) => (timings.textEncoderMs = ms));
    timings.textEncoderCalls = texts.filter((e) => !e.cached).length;
    timings.engineMs += texts.reduce((sum, e) => sum + e.engineMs, 0);

    // 3. Timesteps.
    const scheduler = createScheduler(this.schedulerConfig);
    const timesteps = scheduler.setTimesteps(req.steps);

    // 4. Initial latents, and the transformer's inputs that stay fixed through the loop; the
    // micro-conditions as the family passes them: α the generated size at sample_size 128, Σ never.
    const generator = new TorchGenerator(req.seed);
    const images = req.prompts.length * req.imagesPerPrompt;
    const latentShape = [images, this.transformer.config.inChannels, size.height / this.vae.scaleFactor, size.width / this.vae.scaleFactor];
    let latents = prepareLatents(generator, latentShape, scheduler.initNoiseSigma);
    const microConditions = this.info.sampleSize === this.family.microConditionsAt ? size : null;
    const inputs = this.transformer.prepare({ texts, imagesPerPrompt: req.imagesPerPrompt, latentShape, guidanceScale: cfg ? req.guidanceScale : null, microConditions });

    // 5. Denoising loop.
    for (let i = 0; i < timesteps.length; i++) {
      throwIfCancelled();
      phase('denoising', i + 1);
      const noisePred = await timed(() => this.transformer.denoise(latents, timesteps[i], inputs, signal), (ms) => timings.transformerMs.push(ms));
      timings.engineMs += this.transformer.lastInferMs;
      latents = await timed(() => scheduler.step(noisePred, i, latents, () => generator.randn(latentShape), images), (ms) => (timings.schedulerMs += ms));
      opts.onStep?.({ step: i + 1, steps: timesteps.length, timestep: timesteps[i], latents, latentShape, denoised: scheduler.denoised, elapsedMs: now() - t0 });
    }
    throwIfCancelled();

    // 6. Decode all images in one VAE call, then resize/crop and convert each.
    phase('decoding', req.steps);
    const decoded = await timed(() => this.vae.decode(latents, latentShape, signal), (ms) => (timings.vaeMs = ms));
    timings.engineMs += this.vae.lastInferMs;
    const result = await timed(() => toImages(decoded, req, cfg), (ms) => (timings.postprocessMs = ms));
    timings.inferenceMs = timings.textEncoderMs + timings.transformerMs.reduce((a, b) => a + b, 0) + timings.vaeMs;
    timings.totalMs = now() - t0;
    return { images: result, seed: req.seed, generatedWidth: size.width, generatedHeight: size.height, timings };
  }

  dispose(): void {
    this.textEncoder.dispose();
    this.transformer.dispose();
    this.vae.dispose();
  }

  /** diffusers' check_inputs on the size, and the one size a fixed-shape transformer runs. */
  private checkedSize(req: ValidRequest): Size {
    const { width, height } = this.generatedSize(req);
    if (width % 8 !== 0 || height % 8 !== 0) throw new RangeError(`height and width must be divisible by 8, got ${width}x${height}`);
    const st = this.transformer.staticSize;
    if (st && (st.width !== width || st.height !== height)) {
      throw new RangeError(`this model's transformer only runs ${st.width}x${st.height} (its input shape is fixed); ${width}x${height} was asked without resolution binning. Turn binning on (it generates at ${st.width}x${st.height} and resizes), or convert the model with --size dynamic.`);
    }
    return { width, height };
  }

  /** Prompts, then (with guidance) negatives, as two encoder calls like diffusers: [negatives, prompts], or [prompts]. */
  private async encodePrompt(req: ValidRequest, cfg: boolean, signal: AbortSignal | undefined): Promise<Encoded[]> {
    try {
      const pos = await this.textEncoder.encode(req.prompts.map(preprocessPrompt), signal);
      if (!cfg) return [pos];
      if (signal?.aborted) throw new CancelledError();
      return [await this.textEncoder.encode(req.negativePrompts.map(preprocessPrompt), signal), pos];
    } finally {
      this.textEncoder.done(); // one release after both encodings, not a reload between them
    }
  }
}

const now = () => performance.now();

/** Runs `fn` and hands the milliseconds it took to `record`. */
async function timed<T>(fn: () => T | Promise<T>, record: (ms: number) => void): Promise<T> {
  const t = now();
  const value = await fn();
  record(now() - t);
  return value;
}

/** The scheduler config to use, parsed, and the scheduler class it makes (built once, so an unsupported field fails at load). */
function readScheduler(file: string): { parsed: ParsedSchedulerConfig; className: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ModelFolderError(`scheduler: cannot read ${file}`);
  }
  try {
    const parsed = parseSchedulerConfig(text);
    return { parsed, className: createScheduler(parsed).className };
  } catch (e) {
    throw new ModelFolderError(`${file}: ${(e as Error).message}`);
  }
}

function modelInfo(modelDir: string, folder: ModelFolder, scheduler: { parsed: ParsedSchedulerConfig; className: string }, staticSize: Size | null): ModelInfo {
  const config = scheduler.parsed.config;
  let bins: SizeBin[];
  try {
    bins = aspectRatioBins(folder.transformer.sampleSize, folder.family.bins);
  } catch {
    const side = folder.transformer.sampleSize * folder.vaeScaleFactor;
    bins = [{ ratio: '1.0', height: side, width: side }];
  }
  return {
    modelDir,
    name: folder.name,
    family: folder.family.label,
    schedulerClass: scheduler.className,
    sampleSize: folder.transformer.sampleSize,
    staticSize,
    supportedSizes: staticSize ? [{ ratio: String(Math.round((staticSize.height / staticSize.width) * 100) / 100), ...staticSize }] : bins,
    defaults: schedulerDefaults(scheduler.className),
    maxSteps: Math.min(LIMITS.maxSteps, config._class_name === 'LCMScheduler' ? config.original_inference_steps : config.num_train_timesteps),
    maxTokens: folder.family.maxTokens,
  };
}

/** diffusers' prepare_latents: randn of the latents' shape from the seeded generator, times the scheduler's init_noise_sigma. */
function prepareLatents(generator: TorchGenerator, shape: number[], initNoiseSigma: number): Float32Array {
  const latents = generator.randn(shape);
  return initNoiseSigma === 1 ? latents : latents.map((v) => Math.fround(v * initNoiseSigma));
}

/** diffusers' postprocessing of the decoded batch: each image resized and cropped to the request (with binning), in 8-bit RGB. */
function toImages(decoded: Tensor, req: ValidRequest, cfg: boolean): GeneratedImage[] {
  const [n, channels, height, width] = decoded.shape;
  const len = channels * height * width;
  const images: GeneratedImage[] = [];
  for (let i = 0; i < n; i++) {
    let img: PlanarImage = { data: (decoded.data as Float32Array).subarray(i * len, (i + 1) * len), channels, height, width };
    if (req.resolutionBinning) img = resizeAndCrop(img, req.width, req.height);
    const p = Math.floor(i / req.imagesPerPrompt);
    images.push({ width: img.width, height: img.height, rgb: toRgb8(img), prompt: req.prompts[p], negativePrompt: cfg ? req.negativePrompts[p] : '', index: i });
  }
  return images;
}
