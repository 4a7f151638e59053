// transformers' T5EncoderModel (models/t5/modeling_t5.py: T5Stack, T5Block, T5LayerSelfAttention
// with T5Attention, T5LayerFF with T5DenseGatedActDense / T5DenseActDense, T5LayerNorm) as graph
// ops, module for module, in float32. Every weight's shape is checked against the config before it
// is used, so a checkpoint that does not match its config.json is refused naming the tensor.
import type { IrGraph, Value } from './ir-graph';
import type { Layers } from './layers';
import type { WeightFormat } from './weights';
import { CheckpointError } from './safetensors';
import type { T5EncoderConfig } from './t5-config';
import { positionBias, relativePositionBuckets } from './t5-position-bias';

/** torch.finfo(torch.float32).min: what transformers adds to the scores of masked keys. */
const F32_MIN = -3.4028234663852886e38;

/** The tied input embedding: T5EncoderModel saves `shared.weight`; some exports name its alias. */
export const EMBEDDING_NAMES = ['shared.weight', 'encoder.embed_tokens.weight'];

/** The checkpoint tensors the encoder reads, in the order it reads them (the embedding aside). */
export function encoderTensorNames(c: T5EncoderConfig): string[] {
  const names = ['encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight'];
  const ff = c.feedForward.gated ? ['wi_0', 'wi_1', 'wo'] : ['wi', 'wo'];
  for (let i = 0; i < c.numLayers; i++) {
    const b = `encoder.block.${i}.layer`;
    names.push(`${b}.0.layer_norm.weight`, ...['q', 'k', 'v', 'o'].map((p) => `${b}.0.SelfAttention.${p}.weight`));
    names.push(`${b}.1.layer_norm.weight`, ...ff.map((p) => `${b}.1.DenseReluDense.${p}.weight`));
  }
  names.push('encoder.final_layer_norm.weight');
  return names;
}

export class T5EncoderGraph {
  /** The checkpoint tensors read so far. */
  readonly used = new Set<string>();
  private readonly g: IrGraph;

  constructor(
    private readonly nn: Layers,
    private readonly config: T5EncoderConfig,
    private readonly componentDir: string,
    /** The stored format of each matrix (linear layers, the embedding). */
    private readonly formatOf: (name: string) => WeightFormat,
    readonly total: number,
    /** Called before each tensor and at the end: progress, and the point where a cancel takes effect. */
    private readonly step: (done: number, total: number) => Promise<void>,
  ) {
    this.g = nn.g;
  }

  /** input_ids, attention_mask i64 [batch, tokens] → last_hidden_state f32 [batch, tokens, d_model]. */
  async encode(inputIds: Value, attentionMask: Value, embedding: string): Promise<Value> {
    const { numLayers, dModel } = this.config;
    let x = this.g.op('Gather', [await this.matrix(embedding, [-1, dModel]), inputIds, this.g.i64([0], [])], { batch_dims: 0 });
    const bias = await this.attentionBias(inputIds, attentionMask);
    for (let i = 0; i < numLayers; i++) {
      x = await this.selfAttention(x, `encoder.block.${i}.layer.0`, bias);
      x = await this.feedForward(x, `encoder.block.${i}.layer.1`);
    }
    const out = await this.rmsNorm(x, 'encoder.final_layer_norm.weight');
    await this.step(this.used.size, this.total);
    return out;
  }

  /**
   * Layer 0's relative position bias plus the mask, [batch, heads, T, T], added to every layer's
   * scores (transformers adds both per layer; the sum is the same, and masked scores are
   * finfo.min either way).
   */
  private async attentionBias(inputIds: Value, attentionMask: Value): Promise<Value> {
    const { numBuckets, maxDistance, numHeads } = this.config;
    const shape = this.g.op('ShapeOf', [inputIds], { output_type: 'i64' });
    const length = this.g.op('Gather', [shape, this.g.i64([1], []), this.g.i64([0], [])], { batch_dims: 0 });
    const table = await this.f32('encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', [numBuckets, numHeads]);
    const position = positionBias(this.g, table, relativePositionBuckets(this.g, length, { numBuckets, maxDistance }));
    // (1 − mask) · finfo(float32).min, as [batch, 1, 1, T]
    const keep = this.g.op('Convert', [attentionMask], { destination_type: 'f32' });
    const masked = this.g.op('Subtract', [this.g.scalar(1), keep], { auto_broadcast: 'numpy' });
    const additive = this.nn.mul(masked, this.g.scalar(F32_MIN));
    return this.nn.add(position, this.g.op('Unsqueeze', [additive, this.g.i64([1, 2])]));
  }

  /** T5LayerSelfAttention: x + o(softmax(q kᵀ + bias) v), with no 1/√d_kv scaling (T5 folds it into the weights). */
  private async selfAttention(x: Value, prefix: string, bias: Value): Promise<Value> {
    const { numHeads, dKv, dModel } = this.config;
    const inner = numHeads * dKv;
    const h = await this.rmsNorm(x, `${prefix}.layer_norm.weight`);
    const heads = async (name: string) => this.nn.transpose(this.nn.reshape(await this.linear(h, `${prefix}.SelfAttention.${name}.weight`, [inner, dModel]), [0, 0, numHeads, dKv]), [0, 2, 1, 3]);
    const q = await heads('q');
    const k = await heads('k');
    const v = await heads('v');
    const scores = this.nn.add(this.g.op('MatMul', [q, k], { transpose_a: false, transpose_b: true }), bias);
    const weights = this.nn.softmax(scores, -1);
    const context = this.g.op('MatMul', [weights, v], { transpose_a: false, transpose_b: false });
    const merged = this.nn.reshape(this.nn.transpose(context, [0, 2, 1, 3]), [0, 0, inner]);
    return this.nn.add(x, await this.linear(merged, `${prefix}.SelfAttention.o.weight`, [dModel, inner]));
  }

  /** T5LayerFF: x + wo(act(wi_0 h) · wi_1 h) (T5DenseGatedActDense) or x + wo(act(wi h)) (T5DenseActDense). */
  private async feedForward(x: Value, prefix: string): Promise<Value> {
    const { dModel, dFf, feedForward: { gated, activation } } = this.config;
    const h = await this.rmsNorm(x, `${prefix}.layer_norm.weight`);
    const dense = `${prefix}.DenseReluDense`;
    const up = await this.linear(h, gated ? `${dense}.wi_0.weight` : `${dense}.wi.weight`, [dFf, dModel]);
    // gelu_new is GELU's tanh approximation
    let y = activation === 'gelu_new' ? this.nn.gelu(up, 'tanh') : this.g.op('Relu', [up]);
    if (gated) y = this.nn.mul(y, await this.linear(h, `${dense}.wi_1.weight`, [dFf, dModel]));
    return this.nn.add(x, await this.linear(y, `${dense}.wo.weight`, [dModel, dFf]));
  }

  /** T5LayerNorm: weight · x / √(mean(x²) + eps), no mean subtracted, no bias; rsqrt as torch's 1/√. */
  private async rmsNorm(x: Value, name: string): Promise<Value> {
    const meanSquare = this.g.op('ReduceMean', [this.nn.mul(x, x), this.g.i64([-1])], { keep_dims: true });
    const root = this.g.op('Sqrt', [this.nn.add(meanSquare, this.g.scalar(this.config.eps))]);
    const inverse = this.g.op('Divide', [this.g.scalar(1), root], { auto_broadcast: 'numpy' });
    return this.nn.mul(await this.f32(name, [this.config.dModel]), this.nn.mul(x, inverse));
  }

  /** nn.Linear without bias: x · Wᵀ. */
  private async linear(x: Value, name: string, shape: readonly number[]): Promise<Value> {
    return this.g.op('MatMul', [x, await this.matrix(name, shape)], { transpose_a: false, transpose_b: true });
  }

  private async matrix(name: string, shape: readonly number[]): Promise<Value> {
    await this.next(name, shape);
    return this.nn.w.matrix(name, this.formatOf(name));
  }

  private async f32(name: string, shape: readonly number[]): Promise<Value> {
    await this.next(name, shape);
    return this.nn.w.f32(name);
  }

  /** Before each tensor is read: progress (tensors written so far) and the point a cancel takes effect. */
  private async next(name: string, shape: readonly number[]): Promise<void> {
    await this.step(this.used.size, this.total);
    this.check(name, shape);
  }

  /** Records the tensor as used and refuses a shape other than the config's (-1: any). */
  private check(name: string, shape: readonly number[]): void {
    const actual = this.nn.w.shape(name);
    if (actual.length !== shape.length || shape.some((d, i) => d !== -1 && d !== actual[i])) {
      const want = shape.map((d) => (d === -1 ? '?' : d)).join(', ');
      throw new CheckpointError(`${this.componentDir}: ${name} is [${actual.join(', ')}], but config.json describes [${want}]: the weights and config.json are of different models. Download the model again.`);
    }
    this.used.add(name);
  }
}
