// The inputs of PixArtTransformer2DModel made into tokens and conditioning, as diffusers'
// embeddings.py computes them: PatchEmbed (with its 2-D sin-cos position embedding recomputed for
// the latent size, here in the graph, so one model serves every size), AdaLayerNormSingle over
// PixArtAlphaCombinedTimestepSizeEmbeddings, and PixArtAlphaTextProjection.
import type { IrGraph, Value } from './ir-graph';
import { linear, type PixArtNet } from './pixart-weights';

/** Timesteps(256, flip_sin_to_cos=True, downscale_freq_shift=0): the width of every sinusoidal condition. */
const TIME_CHANNELS = 256;

export interface PatchTokens {
  /** [batch, gridH × gridW, inner] */
  tokens: Value;
  /** The patch grid's height and width, i64 [1] each. */
  gridH: Value;
  gridW: Value;
}

/** PatchEmbed.forward: conv (kernel = stride = patch), flatten to tokens, + the position embedding. */
export function patchEmbed(net: PixArtNet, latents: Value): PatchTokens {
  const { c, l, w } = net;
  w.expect('pos_embed.proj.weight', [c.inner, c.inChannels, c.patch, c.patch], 'num_attention_heads × attention_head_dim, in_channels, patch_size');
  w.expect('pos_embed.proj.bias', [c.inner], 'num_attention_heads × attention_head_dim');
  const grid = l.conv2d(latents, 'pos_embed.proj', { stride: c.patch });
  const tokens = l.transpose(l.reshape(grid, [0, 0, -1]), [0, 2, 1]);
  const gridH = l.dim(grid, 2);
  const gridW = l.dim(grid, 3);
  const base = Math.floor(c.sampleSize / c.patch);
  const positions = sincosPositionEmbedding(net.g, gridH, gridW, c.inner, base, c.interpolationScale);
  return { tokens: l.add(tokens, positions), gridH, gridW };
}

/**
 * get_2d_sincos_pos_embed(dim, (gridH, gridW), base_size, interpolation_scale) as [1, gridH × gridW, dim]:
 * token (i, j) is [sin, cos](x_j·ω) ‖ [sin, cos](y_i·ω) with x_j = j / (gridW / base) / scale (y
 * alike) and ω_k = 10000^(−k / (dim/4)). The grid is float32 as torch makes it; diffusers takes the
 * products and sines in float64, this graph in float32 (a few 1e-6 at the largest positions).
 */
export function sincosPositionEmbedding(g: IrGraph, gridH: Value, gridW: Value, dim: number, baseSize: number, interpolationScale: number): Value {
  const quarter = dim / 4;
  const omega = g.f32(Array.from({ length: quarter }, (_, k) => 1 / 10000 ** (k / quarter)), [1, quarter]);
  const axis = (size: Value): Value => {
    const count = g.op('Convert', [g.op('Squeeze', [size, g.i64([0])])], { destination_type: 'f32' });
    const index = g.op('Range', [g.scalar(0), count, g.scalar(1)], { output_type: 'f32' });
    const spacing = g.op('Divide', [count, g.scalar(baseSize)], { auto_broadcast: 'numpy' });
    const scaled = g.op('Divide', [g.op('Divide', [index, spacing], { auto_broadcast: 'numpy' }), g.scalar(interpolationScale)], { auto_broadcast: 'numpy' });
    const angles = g.op('Multiply', [g.op('Unsqueeze', [scaled, g.i64([1])]), omega], { auto_broadcast: 'numpy' });
    return g.op('Concat', [g.op('Sin', [angles]), g.op('Cos', [angles])], { axis: 1 });
  };
  const target = g.op('Concat', [gridH, gridW, g.i64([dim / 2])], { axis: 0 });
  const spread = (emb: Value, axisOfOne: number) => g.op('Broadcast', [g.op('Unsqueeze', [emb, g.i64([axisOfOne])]), target], { mode: 'numpy' });
  // diffusers names them the other way round, but the first half encodes the column (x), the second the row.
  const grid = g.op('Concat', [spread(axis(gridW), 0), spread(axis(gridH), 1)], { axis: 2 });
  return g.op('Reshape', [grid, g.i64([1, -1, dim])], { special_zero: false });
}

/**
 * get_timestep_embedding(t, 256, flip_sin_to_cos=True, downscale_freq_shift=0) of a 1-D f32 value:
 * [cos, sin](t·f), with the frequencies f_k = exp(−ln(10000)·k / 128) rounded as torch's float32 ops do.
 */
export function timestepProjection(g: IrGraph, t: Value): Value {
  const half = TIME_CHANNELS / 2;
  const lnPeriod = Math.fround(-Math.log(10000));
  const freqs = Array.from({ length: half }, (_, k) => Math.exp(Math.fround(Math.fround(lnPeriod * k) / half)));
  const args = g.op('Multiply', [g.op('Unsqueeze', [t, g.i64([1])]), g.f32(freqs, [1, half])], { auto_broadcast: 'numpy' });
  return g.op('Concat', [g.op('Cos', [args]), g.op('Sin', [args])], { axis: 1 });
}

/** TimestepEmbedding: linear_1, SiLU, linear_2. */
function timestepEmbedding(net: PixArtNet, x: Value, prefix: string, width: number): Value {
  const why = `num_attention_heads × attention_head_dim${width === net.c.inner ? '' : ' / 3'}`;
  const hidden = net.l.silu(linear(net, x, `${prefix}.linear_1`, TIME_CHANNELS, width, why));
  return linear(net, hidden, `${prefix}.linear_2`, width, width, why);
}

export interface TimeConditioning {
  /** adaln_single's output, [batch, 6 × inner]: each block's shift/scale/gate of attention and MLP. */
  modulation: Value;
  /** The embedded timestep (with the size conditions), [batch, inner]: the final layer's modulation. */
  embedded: Value;
}

/**
 * AdaLayerNormSingle: the timestep embedding, plus with additional conditions the resolution
 * ([batch, 2] → two embeddings side by side) and aspect-ratio embeddings; then SiLU and a linear to 6 × inner.
 */
export function adaLayerNormSingle(net: PixArtNet, timestep: Value, sizes?: { resolution: Value; aspectRatio: Value }): TimeConditioning {
  const { g, l, c } = net;
  const prefix = 'adaln_single.emb';
  const t = g.op('Convert', [timestep], { destination_type: 'f32' });
  let embedded = timestepEmbedding(net, timestepProjection(g, t), `${prefix}.timestep_embedder`, c.inner);
  if (sizes) {
    const third = c.inner / 3;
    const condition = (x: Value, name: string, count: number) =>
      l.reshape(timestepEmbedding(net, timestepProjection(g, l.reshape(x, [-1])), `${prefix}.${name}`, third), [-1, count * third]);
    const resolution = condition(sizes.resolution, 'resolution_embedder', 2);
    const aspectRatio = condition(sizes.aspectRatio, 'aspect_ratio_embedder', 1);
    embedded = l.add(embedded, l.concat([resolution, aspectRatio], 1));
  }
  const modulation = linear(net, l.silu(embedded), 'adaln_single.linear', c.inner, 6 * c.inner, 'num_attention_heads × attention_head_dim');
  return { modulation, embedded };
}

/** PixArtAlphaTextProjection: linear_1, GELU (tanh), linear_2, from caption_channels to inner. */
export function captionProjection(net: PixArtNet, caption: Value): Value {
  const { c, l } = net;
  const hidden = l.gelu(linear(net, caption, 'caption_projection.linear_1', c.captionChannels, c.inner, 'caption_channels, num_attention_heads × attention_head_dim'), 'tanh');
  return linear(net, hidden, 'caption_projection.linear_2', c.inner, c.inner, 'num_attention_heads × attention_head_dim');
}
