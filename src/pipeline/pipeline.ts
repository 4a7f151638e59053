// diffusers' PixArtAlphaPipeline on an Engine: text → T5 → denoising loop → VAE → RGB.
// Step by step as DESIGN.md lays it out; each numeric piece lives in its own module.
import { readFileSync } from 'node:fs';
import type { CompiledModel, CompileOptions, Engine, PortInfo, Tensor } from '../engine/types';
import { castTensor, inputType, outputNamed } from '../engine/tensor';
import { T5Tokenizer, preprocessPrompt, MAX_SEQUENCE_LENGTH } from './tokenizer';
import { TorchGenerator } from './random';
import { createScheduler, parseSchedulerConfig, type ParsedSchedulerConfig, type Scheduler } from './schedulers';
import { aspectRatioBins, classifyBin, type SizeBin } from './resolution';
import { resizeAndCrop, toRgb8 } from './postprocess';
import { readModelFolder, ModelFolderError, type ModelFolder } from './model-folder';
import { PromptEncoder } from './prompt-encoder';
import { fitTokens, runLength, tokenAxis, tokensUsed } from './token-axis';
import { validateRequest, LIMITS, type GenerateRequest } from './request';

export { ModelFolderError } from './model-folder';
export type { GenerateRequest } from './request';

export class CancelledError extends Error {
  constructor() {
    super('generation cancelled');
    this.name = 'CancelledError';
  }
}

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
  schedulerClass: string;
  sampleSize: number;
  /** Set when the transformer's spatial input shape is fixed (e.g. the notebook's 1024×1024 IR). */
  staticSize: { width: number; height: number } | null;
  /** Sizes to offer: the model's aspect-ratio bins, or its one static size. */
  supportedSizes: SizeBin[];
  defaults: { steps: number; guidanceScale: number };
  /** The most steps the scheduler can take (LCM: its original_inference_steps). */
  maxSteps: number;
  maxTokens: number;
}

export interface LoadOptions {
  device?: string;
  cacheDir?: string;
  /**
   * 'f32' forces full precision everywhere (what conformance checks need). 'auto' lets the device
   * choose for the transformer (bf16 on CPUs that have it) but keeps T5 and the VAE at f32: T5 in
   * f16/bf16 overflows into black images.
   */
  precision?: 'f32' | 'auto';
  onStatus?: (status: 'loading' | 'compiling' | 'ready') => void;
  /** A scheduler_config.json to use instead of the model folder's (e.g. DPM-Solver for an LCM model). */
  schedulerConfigFile?: string;
  /**
   * Release the text encoder after each encoding (T5-XXL is most of the memory, and idle while
   * denoising); a new prompt then reloads it from the compiled-model cache. Embeddings of recent
   * prompts are kept either way, so an unchanged prompt is never encoded twice.
   */
  releaseTextEncoder?: boolean;
}

const now = () => performance.now();

export type Component = 'textEncoder' | 'transformer' | 'vae';

/**
 * How each model is compiled for these load options. One place, so that benchmarks can hand other
 * runners (bench/anchor.py) exactly the properties the pipeline uses.
 */
export function compileOptionsFor(options: Pick<LoadOptions, 'device' | 'cacheDir' | 'precision'>): Record<Component, CompileOptions> {
  const base: CompileOptions = { device: options.device, cacheDir: options.cacheDir };
  const f32: CompileOptions = { ...base, precision: 'f32' };
  return { textEncoder: f32, transformer: options.precision === 'auto' ? base : f32, vae: f32 };
}

function inputNamed(model: CompiledModel, name: string, file: string): PortInfo {
  const port = model.inputs.find((p) => p.name === name);
  if (!port) throw new ModelFolderError(`${file}: the model has no input "${name}" (inputs: ${model.inputs.map((p) => p.name).join(', ')})`);
  return port;
}

export class PixArtPipeline {
  private constructor(
    readonly info: ModelInfo,
    private readonly folder: ModelFolder,
    private readonly tokenizer: T5Tokenizer,
    private readonly textEncoder: PromptEncoder,
    private readonly transformer: CompiledModel,
    private readonly vae: CompiledModel,
    private readonly schedulerConfig: ParsedSchedulerConfig,
  ) {}

  static async load(modelDir: string, engine: Engine, options: LoadOptions = {}): Promise<PixArtPipeline> {
    options.onStatus?.('loading');
    const folder = readModelFolder(modelDir);
    const tokenizer = T5Tokenizer.fromFolder(folder.tokenizerDir);
    const schedulerFile = options.schedulerConfigFile ?? folder.schedulerConfigFile;
    let schedulerText: string;
    try {
      schedulerText = readFileSync(schedulerFile, 'utf8');
    } catch {
      throw new ModelFolderError(`scheduler: cannot read ${schedulerFile}`);
    }
    let schedulerConfig: ParsedSchedulerConfig;
    let schedulerClass: string;
    try {
      schedulerConfig = parseSchedulerConfig(schedulerText);
      schedulerClass = createScheduler(schedulerConfig).className; // fails early on an unsupported field
    } catch (e) {
      throw new ModelFolderError(`${schedulerFile}: ${(e as Error).message}`);
    }

    options.onStatus?.('compiling');
    const opts = compileOptionsFor(options);
    const compile = async (file: string, opts: CompileOptions) => {
      try {
        return await engine.compileModel(file, opts);
      } catch (e) {
        throw new ModelFolderError(`cannot load ${file}: ${(e as Error).message}`);
      }
    };
    const textEncoder = await compile(folder.textEncoderFile, opts.textEncoder);
    const transformer = await compile(folder.transformerFile, opts.transformer);
    const vae = await compile(folder.vaeDecoderFile, opts.vae);

    for (const name of ['input_ids', 'attention_mask']) inputNamed(textEncoder, name, folder.textEncoderFile);
    for (const name of ['hidden_states', 'timestep', 'encoder_hidden_states', 'encoder_attention_mask']) inputNamed(transformer, name, folder.transformerFile);
    const hs = inputNamed(transformer, 'hidden_states', folder.transformerFile).shape;
    if (hs.length !== 4 || (hs[1] !== -1 && hs[1] !== folder.transformer.inChannels)) {
      throw new ModelFolderError(`${folder.transformerFile}: input "hidden_states" has shape [${hs}], expected [batch, ${folder.transformer.inChannels}, height/8, width/8]`);
    }
    const scale = folder.vaeScaleFactor;
    const staticSize = hs[2] > 0 && hs[3] > 0 ? { height: hs[2] * scale, width: hs[3] * scale } : null;

    const isLcm = schedulerClass === 'LCMScheduler';
    let bins: SizeBin[];
    try {
      bins = aspectRatioBins(folder.transformer.sampleSize);
    } catch {
      const side = folder.transformer.sampleSize * scale;
      bins = [{ ratio: '1.0', height: side, width: side }];
    }
    const info: ModelInfo = {
      modelDir,
      name: folder.name,
      schedulerClass,
      sampleSize: folder.transformer.sampleSize,
      staticSize,
      supportedSizes: staticSize ? [{ ratio: String(Math.round((staticSize.height / staticSize.width) * 100) / 100), ...staticSize }] : bins,
      defaults: isLcm ? { steps: 4, guidanceScale: 0 } : { steps: 20, guidanceScale: 4.5 },
      maxSteps: Math.min(LIMITS.maxSteps, schedulerConfig.config._class_name === 'LCMScheduler' ? schedulerConfig.config.original_inference_steps : schedulerConfig.config.num_train_timesteps),
      maxTokens: MAX_SEQUENCE_LENGTH,
    };
    options.onStatus?.('ready');
    const prompts = new PromptEncoder(textEncoder, () => compile(folder.textEncoderFile, opts.textEncoder), tokenizer, options.releaseTextEncoder ?? false);
    return new PixArtPipeline(info, folder, tokenizer, prompts, transformer, vae, schedulerConfig);
  }

  /**
   * Runs T5 once on the empty prompt, for a freshly loaded pipeline to call while the user is still
   * typing: OpenVINO repacks T5's weights at its first call (~2–3 s for T5-XXL here), which the first
   * image then does not pay, and "" — the default negative prompt — stays in the embedding cache.
   * Does nothing when T5 is released after each use. Returns whether it ran.
   */
  async warmUp(): Promise<boolean> {
    if (this.textEncoder.release) return false;
    await this.textEncoder.encode([preprocessPrompt('')]);
    return true;
  }

  /** Whether T5 is in memory now (false between generations with releaseTextEncoder). */
  get textEncoderLoaded(): boolean {
    return this.textEncoder.loaded;
  }

  /** Tokens the prompt takes (with `</s>`), against the 120 the model sees. */
  countTokens(prompt: string): { tokens: number; max: number; truncated: boolean } {
    const tokens = this.tokenizer.count(prompt);
    return { tokens, max: MAX_SEQUENCE_LENGTH, truncated: tokens > MAX_SEQUENCE_LENGTH };
  }

  /**
   * The size generated for a request: with binning, diffusers' closest aspect-ratio bin — or, for a
   * model fixed to one size, that size (diffusers would pick a bin the model cannot run; resizing
   * and cropping from the size it can run is what binning is for).
   */
  generatedSize(req: Pick<GenerateRequest, 'width' | 'height' | 'resolutionBinning'>): { width: number; height: number } {
    if (req.resolutionBinning === false) return { width: req.width, height: req.height };
    if (this.info.staticSize) return { ...this.info.staticSize };
    const bin = classifyBin(req, aspectRatioBins(this.folder.transformer.sampleSize));
    return { width: bin.width, height: bin.height };
  }

  async generate(request: GenerateRequest, opts: { signal?: AbortSignal; onStep?: (s: StepInfo) => void } = {}): Promise<GenerateResult> {
    const t0 = now();
    const req = validateRequest(request);
    const { signal } = opts;
    const throwIfCancelled = () => {
      if (signal?.aborted) throw new CancelledError();
    };
    const prompts = req.prompts.map(preprocessPrompt);
    const negatives = req.negativePrompts.map(preprocessPrompt);
    const perPrompt = req.imagesPerPrompt;
    const images = prompts.length * perPrompt;
    const cfg = req.guidanceScale > 1;
    const { width: genW, height: genH } = this.generatedSize(req);
    if (genW % 8 !== 0 || genH % 8 !== 0) throw new RangeError(`height and width must be divisible by 8, got ${genW}x${genH}`);
    const st = this.info.staticSize;
    if (st && (st.width !== genW || st.height !== genH)) {
      throw new RangeError(`this model's transformer only runs ${st.width}x${st.height} (its input shape is fixed); ${genW}x${genH} was asked without resolution binning. Turn binning on (it generates at ${st.width}x${st.height} and resizes), or convert the model with --size dynamic.`);
    }
    const timings: Timings = { textEncoderMs: 0, textEncoderCalls: 0, transformerMs: [], schedulerMs: 0, vaeMs: 0, postprocessMs: 0, inferenceMs: 0, engineMs: 0, totalMs: 0 };

    // 1–2. Text: prompts, then (with guidance) negatives, as two encoder calls like diffusers.
    throwIfCancelled();
    let t = now();
    let pos, neg;
    try {
      pos = await this.textEncoder.encode(prompts);
      neg = cfg ? await this.textEncoder.encode(negatives) : null;
    } finally {
      this.textEncoder.done(); // one release after both encodings, not a reload between them
    }
    timings.textEncoderMs = now() - t;
    timings.textEncoderCalls = [pos, neg].filter((e) => e && !e.cached).length;
    timings.engineMs += pos.engineMs + (neg?.engineMs ?? 0);
    const rows = cfg ? 2 * images : images;
    // Both halves of the guidance batch at one token length: the transformer's, or the longest used.
    const texts = neg ? [neg, pos] : [pos];
    const tokens = runLength(tokenAxis(this.transformer, 'encoder_hidden_states'), Math.max(...texts.map((e) => tokensUsed(e.mask))), MAX_SEQUENCE_LENGTH);
    const encoderHidden = repeatRows(texts.map((e) => fitTokens(e.embeds, tokens)), perPrompt);
    const encoderMask = repeatRows(texts.map((e) => fitTokens(e.mask, tokens)), perPrompt);

    // 3. Schedule and initial noise.
    const scheduler: Scheduler = createScheduler(this.schedulerConfig);
    const timesteps = scheduler.setTimesteps(req.steps);
    const generator = new TorchGenerator(req.seed);
    const c = this.folder.transformer.inChannels;
    const lh = genH / this.folder.vaeScaleFactor;
    const lw = genW / this.folder.vaeScaleFactor;
    const latentShape = [images, c, lh, lw];
    let latents = generator.randn(latentShape);
    if (scheduler.initNoiseSigma !== 1) latents = latents.map((v) => Math.fround(v * scheduler.initNoiseSigma));

    // 4. Inputs that do not change between steps, in the element types the model declares.
    const tf = this.transformer;
    const fixed: Record<string, Tensor> = {
      encoder_hidden_states: castTensor(encoderHidden, inputType(tf, 'encoder_hidden_states')),
      encoder_attention_mask: castTensor(encoderMask, inputType(tf, 'encoder_attention_mask')),
    };
    const declares = (name: string) => tf.inputs.some((p) => p.name === name);
    if (this.folder.transformer.sampleSize === 128) {
      // Micro-conditions of the generated (binned) size, only for models that take them.
      if (declares('resolution')) fixed.resolution = castTensor({ type: 'f32', shape: [rows, 2], data: new Float32Array(rows * 2).map((_, i) => (i % 2 ? genW : genH)) }, inputType(tf, 'resolution'));
      if (declares('aspect_ratio')) fixed.aspect_ratio = castTensor({ type: 'f32', shape: [rows, 1], data: new Float32Array(rows).fill(genH / genW) }, inputType(tf, 'aspect_ratio'));
    }
    const outC = this.folder.transformer.outChannels;
    const keep = outC === 2 * c ? c : outC; // learned sigma: the second half of the channels is dropped
    const plane = lh * lw;
    const perImage = c * plane;
    const tsType = inputType(tf, 'timestep');
    // With guidance the model takes the latents twice ([uncond…, cond…]): one buffer, refilled each
    // step. Without, the scheduler's latents go in as they are (the engine reads them during the call).
    const doubled = cfg ? new Float32Array(rows * perImage) : null;

    // 5. Denoising loop.
    for (let i = 0; i < timesteps.length; i++) {
      throwIfCancelled();
      let hidden = latents;
      if (doubled) {
        doubled.set(latents);
        doubled.set(latents, images * perImage);
        hidden = doubled;
      }
      t = now();
      const out = outputNamed(await tf.infer({
        ...fixed,
        hidden_states: { type: 'f32', shape: [rows, c, lh, lw], data: hidden },
        timestep: castTensor({ type: 'i64', shape: [rows], data: new BigInt64Array(rows).fill(BigInt(Math.round(timesteps[i]))) }, tsType),
      }), 'sample');
      const ms = now() - t;
      timings.transformerMs.push(ms);
      timings.engineMs += tf.lastInferMs;
      t = now();
      const noisePred = guide(out.data as Float32Array, images, outC, plane, keep, cfg ? req.guidanceScale : null);
      latents = scheduler.step(noisePred, i, latents, () => generator.randn(latentShape), images);
      timings.schedulerMs += now() - t;
      opts.onStep?.({ step: i + 1, steps: timesteps.length, timestep: timesteps[i], latents, latentShape, denoised: scheduler.denoised, elapsedMs: now() - t0 });
    }
    throwIfCancelled();

    // 6. Decode all images in one VAE call, then resize/crop and convert each.
    t = now();
    const inv = Math.fround(this.folder.scalingFactor);
    const scaled = latents.map((v) => v / inv);
    const vaeOut = outputNamed(await this.vae.infer({ latents: castTensor({ type: 'f32', shape: latentShape, data: scaled }, inputType(this.vae, 'latents')) }), 'sample');
    timings.vaeMs = now() - t;
    timings.engineMs += this.vae.lastInferMs;
    t = now();
    const [, ch, oh, ow] = vaeOut.shape;
    const result: GeneratedImage[] = [];
    for (let n = 0; n < images; n++) {
      const data = (vaeOut.data as Float32Array).subarray(n * ch * oh * ow, (n + 1) * ch * oh * ow);
      let img = { data, channels: ch, height: oh, width: ow };
      if (req.resolutionBinning) img = resizeAndCrop(img, req.width, req.height);
      const p = Math.floor(n / perPrompt);
      result.push({ width: img.width, height: img.height, rgb: toRgb8(img), prompt: req.prompts[p], negativePrompt: cfg ? req.negativePrompts[p] : '', index: n });
    }
    timings.postprocessMs = now() - t;
    timings.inferenceMs = timings.textEncoderMs + timings.transformerMs.reduce((a, b) => a + b, 0) + timings.vaeMs;
    timings.totalMs = now() - t0;
    return { images: result, seed: req.seed, generatedWidth: genW, generatedHeight: genH, timings };
  }

  dispose(): void {
    this.textEncoder.dispose();
    this.transformer.dispose();
    this.vae.dispose();
  }
}

/**
 * Stacks batches row-wise, each row repeated `times` in place (diffusers' repeat(1, n, 1).view(...)):
 * [a0, a1] × 2 → [a0, a0, a1, a1].
 */
function repeatRows(parts: Tensor[], times: number): Tensor {
  const [, ...rest] = parts[0].shape;
  const rowLen = rest.reduce((a, b) => a * b, 1);
  const rowsIn = parts.reduce((n, p) => n + p.shape[0], 0);
  const data = new (parts[0].data.constructor as new (n: number) => Tensor['data'])(rowsIn * times * rowLen);
  let o = 0;
  for (const p of parts) {
    for (let r = 0; r < p.shape[0]; r++) {
      const row = p.data.subarray(r * rowLen, (r + 1) * rowLen);
      for (let k = 0; k < times; k++, o += rowLen) (data as Float32Array).set(row as Float32Array, o);
    }
  }
  return { type: parts[0].type, shape: [rowsIn * times, ...rest], data };
}

/**
 * Classifier-free guidance u + g·(c − u) on the [negative…, positive…] batch (or the plain output
 * without guidance), keeping the first `keep` channels: float32 arithmetic as torch does it.
 */
function guide(out: Float32Array, images: number, outC: number, plane: number, keep: number, g: number | null): Float32Array {
  const f = Math.fround;
  const res = new Float32Array(images * keep * plane);
  const gs = g === null ? 0 : f(g);
  for (let n = 0; n < images; n++) {
    for (let ch = 0; ch < keep; ch++) {
      const dst = (n * keep + ch) * plane;
      const srcC = (n * outC + ch) * plane;
      if (g === null) {
        res.set(out.subarray(srcC, srcC + plane), dst);
        continue;
      }
      const srcU = srcC;
      const srcT = ((n + images) * outC + ch) * plane;
      for (let k = 0; k < plane; k++) {
        const u = out[srcU + k];
        res[dst + k] = f(u + f(gs * f(out[srcT + k] - u)));
      }
    }
  }
  return res;
}
