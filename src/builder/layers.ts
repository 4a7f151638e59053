// The torch.nn layers the three networks are made of, as OpenVINO ops, each as torch computes it
// in float32. Weight names are the checkpoint's (`<prefix>.weight`, `<prefix>.bias`).
import type { IrGraph, Value } from './ir-graph';
import type { Weights } from './weights';

export class Layers {
  constructor(readonly g: IrGraph, readonly w: Weights) {}

  /** nn.Linear: x · Wᵀ + b, over the last axis. */
  linear(x: Value, prefix: string, bias = this.w.has(`${prefix}.bias`)): Value {
    const y = this.g.op('MatMul', [x, this.w.matrix(`${prefix}.weight`)], { transpose_a: false, transpose_b: true });
    return bias ? this.add(y, this.w.f32(`${prefix}.bias`)) : y;
  }

  /** nn.Conv2d with its padding and stride (NCHW). */
  conv2d(x: Value, prefix: string, { stride = 1, padding = 0 }: { stride?: number; padding?: number } = {}): Value {
    const y = this.g.op('Convolution', [x, this.w.f32(`${prefix}.weight`)], {
      strides: [stride, stride], pads_begin: [padding, padding], pads_end: [padding, padding], dilations: [1, 1], auto_pad: 'explicit',
    });
    if (!this.w.has(`${prefix}.bias`)) return y;
    const channels = this.w.shape(`${prefix}.bias`)[0];
    return this.add(y, this.w.f32(`${prefix}.bias`, [1, channels, 1, 1]));
  }

  /** nn.LayerNorm over the last axis; affine when the checkpoint has its weight. */
  layerNorm(x: Value, prefix: string | undefined, eps: number): Value {
    const y = this.g.op('MVN', [x, this.g.i64([-1])], { eps, normalize_variance: true, eps_mode: 'inside_sqrt' });
    if (!prefix || !this.w.has(`${prefix}.weight`)) return y;
    const scaled = this.mul(y, this.w.f32(`${prefix}.weight`));
    return this.w.has(`${prefix}.bias`) ? this.add(scaled, this.w.f32(`${prefix}.bias`)) : scaled;
  }

  /** nn.GroupNorm on NCHW. */
  groupNorm(x: Value, prefix: string, groups: number, eps: number): Value {
    return this.g.op('GroupNormalization', [x, this.w.f32(`${prefix}.weight`), this.w.f32(`${prefix}.bias`)], { num_groups: groups, epsilon: eps });
  }

  silu(x: Value): Value {
    return this.g.op('Swish', [x]);
  }

  /** GELU, exact (erf) or torch's tanh approximation. */
  gelu(x: Value, approximation: 'erf' | 'tanh'): Value {
    return this.g.op('Gelu', [x], { approximation_mode: approximation.toUpperCase() });
  }

  add(a: Value, b: Value): Value {
    return this.g.op('Add', [a, b], { auto_broadcast: 'numpy' });
  }

  mul(a: Value, b: Value): Value {
    return this.g.op('Multiply', [a, b], { auto_broadcast: 'numpy' });
  }

  reshape(x: Value, shape: readonly number[]): Value {
    return this.g.op('Reshape', [x, this.g.i64(shape)], { special_zero: true });
  }

  /** Reshape to a shape computed in the graph (an i64 vector). */
  reshapeTo(x: Value, shape: Value): Value {
    return this.g.op('Reshape', [x, shape], { special_zero: false });
  }

  transpose(x: Value, order: readonly number[]): Value {
    return this.g.op('Transpose', [x, this.g.i64(order)]);
  }

  softmax(x: Value, axis = -1): Value {
    return this.g.op('Softmax', [x], { axis });
  }

  /** Dimension `axis` of x's shape as an i64 vector of one element. */
  dim(x: Value, axis: number): Value {
    const shape = this.g.op('ShapeOf', [x], { output_type: 'i64' });
    return this.g.op('Gather', [shape, this.g.i64([axis]), this.g.i64([0], [])], { batch_dims: 0 });
  }

  concat(parts: readonly Value[], axis: number): Value {
    return this.g.op('Concat', parts, { axis });
  }

  /** torch.chunk: `parts` equal pieces along `axis`. */
  chunk(x: Value, axis: number, parts: number): Value[] {
    return this.g.opN('Split', [x, this.g.i64([axis], [])], { num_splits: parts }, parts);
  }

  /** [batch, tokens, heads × d] → [batch, heads, tokens, d]: q, k and v as attention processors view them. */
  toHeads(x: Value, heads: number, headDim: number): Value {
    return this.transpose(this.reshape(x, [0, 0, heads, headDim]), [0, 2, 1, 3]);
  }

  /** [batch, heads, tokens, d] → [batch, tokens, heads × d]. */
  fromHeads(x: Value, width: number): Value {
    return this.reshape(this.transpose(x, [0, 2, 1, 3]), [0, 0, width]);
  }

  /**
   * F.scaled_dot_product_attention(q, k, v, attn_mask) on [batch, heads, tokens, headDim], with its
   * default scale 1/√headDim; a float mask (broadcast to [batch, heads, queries, keys]) is added to the scores.
   * Written as MatMul → Softmax → MatMul, which the CPU plugin fuses into one attention subgraph that
   * never holds the scores; opset13's ScaledDotProductAttention becomes the same plus a transpose of
   * k, and ran slower (PixArt at 1024², 4096 tokens).
   */
  attention(q: Value, k: Value, v: Value, headDim: number, mask?: Value): Value {
    const scaled = this.mul(q, this.g.scalar(1 / Math.sqrt(headDim)));
    const scores = this.g.op('MatMul', [scaled, k], { transpose_a: false, transpose_b: true });
    const weights = this.softmax(mask ? this.add(scores, mask) : scores);
    return this.g.op('MatMul', [weights, v], { transpose_a: false, transpose_b: false });
  }
}
