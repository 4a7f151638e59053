// BasicTransformerBlock with norm_type "ada_norm_single" (diffusers' attention.py), as PixArt runs
// it: self-attention and the feed-forward on LayerNorm'd tokens modulated by the block's
// scale_shift_table plus the timestep's chunks, each gated; cross-attention over the caption
// between them, on the un-normalized tokens (that is how ada_norm_single does it).
import type { Value } from './ir-graph';
import { linear, type PixArtNet } from './pixart-weights';

const WIDTH = 'num_attention_heads × attention_head_dim';

/** LayerNorm without affine, then `x · (1 + scale) + shift`, as the adaLN-single blocks and the final layer do. */
export function modulatedNorm(net: PixArtNet, x: Value, eps: number, shift: Value, scale: Value): Value {
  const { g, l } = net;
  const onePlus = l.add(scale, g.scalar(1));
  return l.add(l.mul(l.layerNorm(x, undefined, eps), onePlus), shift);
}

/**
 * Attention with AttnProcessor2_0: to_q on x, to_k/to_v on the context (x itself for self-attention),
 * heads, scaled dot-product attention with the additive `bias` ([batch, 1, 1, keys]) if any, to_out.0.
 */
function attention(net: PixArtNet, prefix: string, x: Value, context: Value, bias?: Value): Value {
  const { c, l } = net;
  const heads = (name: string, from: Value) => l.toHeads(linear(net, from, `${prefix}.${name}`, c.inner, c.inner, WIDTH, c.attentionBias), c.heads, c.headDim);
  const out = l.attention(heads('to_q', x), heads('to_k', context), heads('to_v', context), c.headDim, bias);
  return linear(net, l.fromHeads(out, c.inner), `${prefix}.to_out.0`, c.inner, c.inner, WIDTH);
}

/** FeedForward with GELU (tanh): net.0.proj to 4 × inner, GELU, net.2 back. */
function feedForward(net: PixArtNet, prefix: string, x: Value): Value {
  const { c, l } = net;
  const hidden = l.gelu(linear(net, x, `${prefix}.net.0.proj`, c.inner, 4 * c.inner, WIDTH), 'tanh');
  return linear(net, hidden, `${prefix}.net.2`, 4 * c.inner, c.inner, WIDTH);
}

export interface BlockInputs {
  /** The projected caption, [batch, tokens, inner]. */
  caption: Value;
  /** The caption mask as the additive bias diffusers makes of it, [batch, 1, 1, tokens]. */
  captionBias: Value;
  /** adaln_single's [batch, 6 × inner]. */
  modulation: Value;
}

/** transformer_blocks.<index> on tokens [batch, patches, inner]. */
export function transformerBlock(net: PixArtNet, index: number, x: Value, inputs: BlockInputs): Value {
  const { c, l, w } = net;
  const prefix = `transformer_blocks.${index}`;
  w.expect(`${prefix}.scale_shift_table`, [6, c.inner], WIDTH);
  const table = w.f32(`${prefix}.scale_shift_table`, [1, 6, c.inner]);
  const chunks = l.chunk(l.add(table, l.reshape(inputs.modulation, [-1, 6, c.inner])), 1, 6);
  const [shiftMsa, scaleMsa, gateMsa, shiftMlp, scaleMlp, gateMlp] = chunks;

  const normed = modulatedNorm(net, x, c.normEps, shiftMsa, scaleMsa);
  let h = l.add(l.mul(gateMsa, attention(net, `${prefix}.attn1`, normed, normed)), x);
  h = l.add(attention(net, `${prefix}.attn2`, h, inputs.caption, inputs.captionBias), h);
  const ff = feedForward(net, `${prefix}.ff`, modulatedNorm(net, h, c.normEps, shiftMlp, scaleMlp));
  return l.add(l.mul(gateMlp, ff), h);
}
