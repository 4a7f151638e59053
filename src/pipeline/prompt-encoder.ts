// The text encoder as the pipeline uses it: T5 on a batch of prompts, with the embeddings of recent
// batches kept so that an unchanged prompt (the usual case when a user re-rolls the seed) is not
// encoded again, and optionally with T5 released after each encoding. T5-XXL is most of a PixArt
// model's memory (its int8 weights are repacked by OpenVINO at the first call, so it holds about
// twice its file size), and it is idle for the whole denoising loop.
import type { CompiledModel, Tensor } from '../engine/types';
import { castTensor, inputType, outputNamed } from '../engine/tensor';
import type { T5Tokenizer } from './tokenizer';
import { fitTokens, runLength, tokenAxis, tokensUsed } from './token-axis';

export interface Encoded {
  /** [rows, tokens, channels]: 120 tokens, or fewer when T5's token axis is dynamic (see token-axis.ts) */
  embeds: Tensor;
  /** [rows, tokens] */
  mask: Tensor;
  /** The runtime's inference time for this call; 0 when served from the cache. */
  engineMs: number;
  cached: boolean;
}

/** Embeddings of this many prompt batches are kept (T5-XXL: 1.9 MB per prompt). */
const CACHE_ENTRIES = 8;

export class PromptEncoder {
  private model: CompiledModel | null;
  private readonly cache = new Map<string, Omit<Encoded, 'engineMs' | 'cached'>>();

  /**
   * @param model the compiled T5, already loaded
   * @param recompile loads it again (from the compiled-model cache) after a release
   * @param release dispose T5 when a generation's text phase is done (see done())
   */
  constructor(
    model: CompiledModel,
    private readonly recompile: () => Promise<CompiledModel>,
    private readonly tokenizer: T5Tokenizer,
    readonly release: boolean,
  ) {
    this.model = model;
  }

  /** Whether T5 is loaded now (false between encodings when it is released). */
  get loaded(): boolean {
    return this.model !== null;
  }

  async encode(texts: string[]): Promise<Encoded> {
    const key = JSON.stringify(texts);
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key); // most recently used last
      this.cache.set(key, hit);
      return { ...hit, engineMs: 0, cached: true };
    }
    const model = this.model ?? (this.model = await this.recompile());
    const b = this.tokenizer.batch(texts);
    const shape = [b.batch, b.length];
    const padded: Tensor = { type: 'i64', shape, data: b.attentionMask };
    const length = runLength(tokenAxis(model, 'input_ids'), tokensUsed(padded), b.length);
    const mask = fitTokens(padded, length);
    let out: Record<string, Tensor>;
    try {
      out = await model.infer({
        input_ids: castTensor(fitTokens({ type: 'i64', shape, data: b.inputIds }, length), inputType(model, 'input_ids')),
        attention_mask: castTensor(mask, inputType(model, 'attention_mask')),
      });
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
