// T5's encoder as the pipeline runs it: prompts → tokens → [rows, tokens, D] embeddings and their
// mask. The embeddings of recent batches are kept so that an unchanged prompt (the usual case when a
// user re-rolls the seed) is not encoded again, and T5 can be released after each encoding: T5-XXL
// is most of a PixArt model's memory (its int8 weights are repacked by OpenVINO at the first call,
// so it holds about twice its file size), and it is idle for the whole denoising loop.
import type { CompiledModel, CompileOptions, Engine, Tensor } from '../../engine/types';
import { castTensor, inputType, outputNamed } from '../../engine/tensor';
import type { T5Tokenizer } from '../tokenizer';
import { fitTokens, runLength, tokenAxis, tokensUsed } from '../token-axis';
import { checkTokenAxis, compileModel, requireInputs } from './compile';

export interface Encoded {
  /** [rows, tokens, channels]: maxTokens tokens, or fewer when T5's token axis is dynamic (see token-axis.ts) */
  embeds: Tensor;
  /** [rows, tokens] */
  mask: Tensor;
  /** The runtime's inference time for this call; 0 when served from the cache. */
  engineMs: number;
  cached: boolean;
}

export interface TextEncoderOptions {
  /** Prompts are padded or truncated to this many tokens, as the pipeline's tokenizer call does (α: 120, Σ: 300). */
  maxTokens: number;
  /** Dispose T5 when a generation's text phase is done (see done()); the next encoding reloads it. */
  release: boolean;
}

/** Embeddings of this many prompt batches are kept (T5-XXL: 1.9 MB per prompt). */
const CACHE_ENTRIES = 8;

export class T5EncoderModel {
  private model: CompiledModel | null;
  private readonly cache = new Map<string, Omit<Encoded, 'engineMs' | 'cached'>>();
  readonly maxTokens: number;
  readonly release: boolean;

  static async load(engine: Engine, file: string, compile: CompileOptions, tokenizer: T5Tokenizer, options: TextEncoderOptions): Promise<T5EncoderModel> {
    const model = await compileModel(engine, file, compile);
    requireInputs(model, ['input_ids', 'attention_mask'], file, 'text encoder');
    checkTokenAxis(model, 'input_ids', file, options.maxTokens);
    return new T5EncoderModel(model, () => compileModel(engine, file, compile), tokenizer, options);
  }

  /** @param recompile loads T5 again (from the compiled-model cache) after a release */
  private constructor(
    model: CompiledModel,
    private readonly recompile: () => Promise<CompiledModel>,
    private readonly tokenizer: T5Tokenizer,
    options: TextEncoderOptions,
  ) {
    this.model = model;
    this.maxTokens = options.maxTokens;
    this.release = options.release;
  }

  /** Whether T5 is loaded now (false between encodings when it is released). */
  get loaded(): boolean {
    return this.model !== null;
  }

  /** Tokens a prompt takes (with `</s>`), against the most the model sees. */
  countTokens(prompt: string): { tokens: number; max: number; truncated: boolean } {
    const tokens = this.tokenizer.count(prompt);
    return { tokens, max: this.maxTokens, truncated: tokens > this.maxTokens };
  }

  /** Encodes already-preprocessed texts, one row each; aborting `signal` cancels T5's call. */
  async encode(texts: string[], signal?: AbortSignal): Promise<Encoded> {
    const key = JSON.stringify(texts);
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key); // most recently used last
      this.cache.set(key, hit);
      return { ...hit, engineMs: 0, cached: true };
    }
    const model = this.model ?? (this.model = await this.recompile());
    const b = this.tokenizer.batch(texts, this.maxTokens);
    const shape = [b.batch, b.length];
    const padded: Tensor = { type: 'i64', shape, data: b.attentionMask };
    const length = runLength(tokenAxis(model, 'input_ids'), tokensUsed(padded), b.length);
    const mask = fitTokens(padded, length);
    let out: Record<string, Tensor>;
    try {
      out = await model.infer({
        input_ids: castTensor(fitTokens({ type: 'i64', shape, data: b.inputIds }, length), inputType(model, 'input_ids')),
        attention_mask: castTensor(mask, inputType(model, 'attention_mask')),
      }, { signal });
    } catch (e) {
      this.done();
      throw e;
    }
    const entry = { embeds: outputNamed(out, 'last_hidden_state'), mask };
    this.cache.set(key, entry);
    if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return { ...entry, engineMs: model.lastInferMs, cached: false };
  }

  /** The text phase of a generation is over (prompt and negatives encoded): release T5 if asked to. */
  done(): void {
    if (this.release) this.releaseModel();
  }

  private releaseModel(): void {
    this.model?.dispose();
    this.model = null;
  }

  dispose(): void {
    this.releaseModel();
    this.cache.clear();
  }
}
