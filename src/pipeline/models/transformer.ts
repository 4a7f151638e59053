// PixArt's denoising transformer (diffusers' PixArtTransformer2DModel, which PixArt-α and -Σ share)
// as the loop runs it. It owns what its model file decides: the inputs it must have (checked at
// load), whether its spatial size is fixed (staticSize), the token length it runs prompts at, which
// micro-conditions it takes and each input's element type; and one step's arithmetic around the
// call, float32 as torch does it: latents doubled for guidance, u + g·(c − u), learned sigma dropped.
// What the family decides (prompt length, whether to pass micro-conditions) comes in as parameters.
import type { CompiledModel, CompileOptions, ElementType, Engine, Tensor } from '../../engine/types';
import { castTensor, inputType, outputNamed } from '../../engine/tensor';
import { ModelFolderError, type TransformerConfig } from '../model-folder';
import type { Size } from '../resolution';
import { fitTokens, runLength, tokenAxis, tokensUsed } from '../token-axis';
import { checkTokenAxis, compileModel, inputNamed, requireInputs } from './compile';

export interface TransformerOptions {
  config: TransformerConfig;
  /** Pixels per latent (the VAE's), to state staticSize in pixels. */
  vaeScaleFactor: number;
  /** The most prompt tokens (α: 120, Σ: 300): what a dynamic token axis runs at most. */
  maxTokens: number;
}

/** One generation's inputs to the transformer, as the pipeline has them. */
export interface Conditioning {
  /** Encoded prompt batches: [negatives, prompts] with guidance, else [prompts]; one row per prompt. */
  texts: readonly { embeds: Tensor; mask: Tensor }[];
  /** Each prompt row is repeated this many times in place (num_images_per_prompt). */
  imagesPerPrompt: number;
  /** [images, channels, height / vaeScaleFactor, width / vaeScaleFactor] */
  latentShape: number[];
  /** g of classifier-free guidance; null without guidance (one pass, no negatives). */
  guidanceScale: number | null;
  /** The size to condition on as `resolution` / `aspect_ratio`, fed to a model that declares them; null for none. */
  microConditions: Size | null;
}

/** What denoise() needs at every step: the inputs that stay fixed through the loop, already cast. */
export interface StepInputs {
  readonly fixed: Readonly<Record<string, Tensor>>;
  readonly latentShape: readonly number[];
  /** Batch rows the model runs: images, doubled with guidance. */
  readonly rows: number;
  readonly guidanceScale: number | null;
  /** With guidance the model takes the latents twice ([uncond…, cond…]): one buffer, refilled each step. */
  readonly doubled: Float32Array | null;
}

const REQUIRED_INPUTS = ['hidden_states', 'timestep', 'encoder_hidden_states', 'encoder_attention_mask'];

export class PixArtTransformer2DModel {
  static async load(engine: Engine, file: string, compile: CompileOptions, options: TransformerOptions): Promise<PixArtTransformer2DModel> {
    const model = await compileModel(engine, file, compile);
    requireInputs(model, REQUIRED_INPUTS, file, 'transformer');
    checkTokenAxis(model, 'encoder_hidden_states', file, options.maxTokens);
    const { inChannels } = options.config;
    const hs = inputNamed(model, 'hidden_states', file).shape;
    if (hs.length !== 4 || (hs[1] !== -1 && hs[1] !== inChannels)) {
      throw new ModelFolderError(`${file}: input "hidden_states" has shape [${hs}], expected [batch, ${inChannels}, height/8, width/8]`);
    }
    const scale = options.vaeScaleFactor;
    const staticSize = hs[2] > 0 && hs[3] > 0 ? { height: hs[2] * scale, width: hs[3] * scale } : null;
    return new PixArtTransformer2DModel(model, options, staticSize);
  }

  readonly config: TransformerConfig;
  private readonly maxTokens: number;
  private readonly timestepType: ElementType;
  /** Output channels kept: with learned sigma (out = 2 × in) the second half is the variance, dropped. */
  private readonly keep: number;

  /** @param staticSize set when the spatial input shape is fixed (e.g. the notebook's 1024×1024 IR): the one size it runs */
  private constructor(
    private readonly model: CompiledModel,
    options: TransformerOptions,
    readonly staticSize: Size | null,
  ) {
    this.config = options.config;
    this.maxTokens = options.maxTokens;
    this.timestepType = inputType(model, 'timestep');
    const { inChannels, outChannels } = options.config;
    this.keep = outChannels === 2 * inChannels ? inChannels : outChannels;
  }

  /** The names of the model's inputs, in order. */
  get inputNames(): string[] {
    return this.model.inputs.map((p) => p.name);
  }

  /** The runtime's own time in the last denoise() call. */
  get lastInferMs(): number {
    return this.model.lastInferMs;
  }

  /**
   * Builds the inputs that do not change between steps: prompt embeddings and mask stacked as the
   * batch runs (both halves of the guidance batch at one token length: the model's fixed one, or
   * the longest used, see token-axis.ts), and the micro-conditions it declares.
   */
  prepare(c: Conditioning): StepInputs {
    const [images] = c.latentShape;
    const rows = c.guidanceScale === null ? images : 2 * images;
    const used = Math.max(...c.texts.map((e) => tokensUsed(e.mask)));
    const tokens = runLength(tokenAxis(this.model, 'encoder_hidden_states'), used, this.maxTokens);
    const stacked = (part: 'embeds' | 'mask') => repeatRows(c.texts.map((e) => fitTokens(e[part], tokens)), c.imagesPerPrompt);
    const fixed: Record<string, Tensor> = {
      encoder_hidden_states: this.cast(stacked('embeds'), 'encoder_hidden_states'),
      encoder_attention_mask: this.cast(stacked('mask'), 'encoder_attention_mask'),
    };
    if (c.microConditions) Object.assign(fixed, this.microConditions(c.microConditions, rows));
    const doubled = c.guidanceScale === null ? null : new Float32Array(rows * (c.latentShape[1] * c.latentShape[2] * c.latentShape[3]));
    return { fixed, latentShape: c.latentShape, rows, guidanceScale: c.guidanceScale, doubled };
  }

  /**
   * One model call on `latents` at timestep `t`: the guided noise prediction, learned-sigma channels
   * dropped (the latents' shape). Aborting `signal` cancels the call.
   */
  async denoise(latents: Float32Array, t: number, inputs: StepInputs, signal?: AbortSignal): Promise<Float32Array> {
    const [images, c, h, w] = inputs.latentShape;
    const { rows, doubled } = inputs;
    let hidden = latents;
    if (doubled) {
      doubled.set(latents);
      doubled.set(latents, latents.length);
      hidden = doubled;
    }
    // Without guidance the scheduler's latents go in as they are (the engine reads them during the call).
    const out = outputNamed(await this.model.infer({
      ...inputs.fixed,
      hidden_states: { type: 'f32', shape: [rows, c, h, w], data: hidden },
      timestep: castTensor({ type: 'i64', shape: [rows], data: new BigInt64Array(rows).fill(BigInt(Math.round(t))) }, this.timestepType),
    }, { signal }), 'sample');
    return guide(out.data as Float32Array, images, this.config.outChannels, h * w, this.keep, inputs.guidanceScale);
  }

  /**
   * One call on zero inputs at `latentShape`: OpenVINO repacks the weights at a model's first call
   * (1.8 s of PixArt-XL-2's first 1024² step here), which a small call pays as well as a big one.
   */
  async warmUp(latentShape: number[], microConditions: Size | null, signal?: AbortSignal): Promise<void> {
    const width = this.model.inputs.find((p) => p.name === 'encoder_hidden_states')?.shape[2] ?? -1;
    if (width <= 0) return; // a caption width the model does not state: nothing safe to feed
    const tokens = runLength(tokenAxis(this.model, 'encoder_hidden_states'), 1, this.maxTokens);
    const mask = new Float32Array(tokens);
    mask[0] = 1; // one token, as the empty prompt's </s>
    const texts = [{ embeds: { type: 'f32' as const, shape: [1, tokens, width], data: new Float32Array(tokens * width) }, mask: { type: 'f32' as const, shape: [1, tokens], data: mask } }];
    const inputs = this.prepare({ texts, imagesPerPrompt: 1, latentShape, guidanceScale: null, microConditions });
    await this.denoise(new Float32Array(latentShape.reduce((a, b) => a * b, 1)), 999, inputs, signal);
  }

  dispose(): void {
    this.model.dispose();
  }

  /** `resolution` [[H, W]] and `aspect_ratio` [[H / W]] per batch row, for the ones the model declares. */
  private microConditions(size: Size, rows: number): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    if (this.declares('resolution')) {
      out.resolution = this.cast({ type: 'f32', shape: [rows, 2], data: new Float32Array(rows * 2).map((_, i) => (i % 2 ? size.width : size.height)) }, 'resolution');
    }
    if (this.declares('aspect_ratio')) {
      out.aspect_ratio = this.cast({ type: 'f32', shape: [rows, 1], data: new Float32Array(rows).fill(size.height / size.width) }, 'aspect_ratio');
    }
    return out;
  }

  private declares(name: string): boolean {
    return this.model.inputs.some((p) => p.name === name);
  }

  /** In the element type the model declares for that input. */
  private cast(t: Tensor, input: string): Tensor {
    return castTensor(t, inputType(this.model, input));
  }
}

/**
 * Stacks batches row-wise, each row repeated `times` in place (diffusers' repeat(1, n, 1).view(...)):
 * [a0, a1] × 2 → [a0, a0, a1, a1].
 */
export function repeatRows(parts: Tensor[], times: number): Tensor {
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
 * without guidance, g null), keeping the first `keep` channels: float32 arithmetic as torch does it.
 */
export function guide(out: Float32Array, images: number, outC: number, plane: number, keep: number, g: number | null): Float32Array {
  const f = Math.fround;
  const res = new Float32Array(images * keep * plane);
  const gs = g === null ? 0 : f(g);
  for (let n = 0; n < images; n++) {
    for (let ch = 0; ch < keep; ch++) {
      const dst = (n * keep + ch) * plane;
      const srcU = (n * outC + ch) * plane;
      if (g === null) {
        res.set(out.subarray(srcU, srcU + plane), dst);
        continue;
      }
      const srcT = ((n + images) * outC + ch) * plane;
      for (let k = 0; k < plane; k++) {
        const u = out[srcU + k];
        res[dst + k] = f(u + f(gs * f(out[srcT + k] - u)));
      }
    }
  }
  return res;
}
