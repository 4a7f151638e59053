// Floating-point operations of one PixArt transformer call, counted from its config.json the way
// diffusers' PixArtTransformer2DModel computes: matrix products only (2 FLOPs per multiply-add).
// Norms, activations, softmax and the modulation arithmetic are elementwise, O(tokens·width), and
// together well under 1 % of the total at real size, so they are left out (the ceiling they are
// compared with is a matrix product too).

/** The fields of a diffusers PixArtTransformer2DModel config.json that set the amount of work. */
export interface PixArtTransformerConfig {
  num_layers: number;
  num_attention_heads: number;
  attention_head_dim: number;
  in_channels: number;
  out_channels: number;
  patch_size: number;
  caption_channels: number;
  cross_attention_dim: number;
  sample_size: number;
  use_additional_conditions?: boolean | null;
}

export interface FlopsBreakdown {
  patchEmbed: number;
  conditioning: number;
  captionProjection: number;
  selfAttention: number;
  crossAttention: number;
  mlp: number;
  finalLayer: number;
  total: number;
}

const mm = (m: number, k: number, n: number) => 2 * m * k * n;

/**
 * FLOPs of one transformer call at a latent of `latentH`×`latentW` (pixels / 8) with `rows` batch
 * rows (images, doubled with classifier-free guidance: the pipeline runs both halves in one call)
 * and `textTokens` caption tokens (PixArt always pads to 120).
 */
export function transformerFlops(cfg: PixArtTransformerConfig, latentH: number, latentW: number, rows: number, textTokens = 120): FlopsBreakdown {
  const d = cfg.num_attention_heads * cfg.attention_head_dim;
  const p = cfg.patch_size;
  const n = (latentH / p) * (latentW / p); // image tokens
  const t = textTokens;
  const kv = cfg.cross_attention_dim; // width of the (projected) caption the cross-attention reads
  const layers = cfg.num_layers;
  // diffusers: use_additional_conditions defaults to sample_size == 128 when unset.
  const sizeConditions = cfg.use_additional_conditions ?? cfg.sample_size === 128;

  // PatchEmbed: a p×p, stride-p convolution in_channels → d, i.e. one [n, c·p·p] × [c·p·p, d] product.
  const patchEmbed = mm(n, cfg.in_channels * p * p, d);
  // AdaLayerNormSingle: sinusoidal(256) → Linear(256,d) → Linear(d,d) for the timestep, the same for
  // height, width and aspect ratio into d/3 each, then Linear(d, 6d) for the per-block modulation.
  const sizeDim = d / 3;
  const conditioning = mm(1, 256, d) + mm(1, d, d) + (sizeConditions ? 3 * (mm(1, 256, sizeDim) + mm(1, sizeDim, sizeDim)) : 0) + mm(1, d, 6 * d);
  // PixArtAlphaTextProjection: Linear(caption_channels, d) → GELU → Linear(d, d) on every token.
  const captionProjection = mm(t, cfg.caption_channels, d) + mm(t, d, d);
  // Self-attention: q, k, v and out projections, then QKᵀ and attention·V over n×n.
  const selfAttention = layers * (4 * mm(n, d, d) + 2 * mm(n, d, n));
  // Cross-attention: q and out on the image tokens, k and v on the caption, QKᵀ and ·V over n×t.
  const crossAttention = layers * (2 * mm(n, d, d) + 2 * mm(t, kv, d) + 2 * mm(n, d, t));
  // Feed-forward: Linear(d, 4d) → GELU(tanh) → Linear(4d, d).
  const mlp = layers * (mm(n, d, 4 * d) + mm(n, 4 * d, d));
  // Final layer: Linear(d, p·p·out_channels) per token (then the unpatchify reshape).
  const finalLayer = mm(n, d, p * p * cfg.out_channels);

  const perRow = { patchEmbed, conditioning, captionProjection, selfAttention, crossAttention, mlp, finalLayer };
  const scaled = Object.fromEntries(Object.entries(perRow).map(([k, v]) => [k, v * rows])) as Omit<FlopsBreakdown, 'total'>;
  const total = Object.values(scaled).reduce((a, b) => a + b, 0);
  return { ...scaled, total };
}

/** The dominant matrix product of a transformer call, for the ceiling: the MLP's first layer. */
export function dominantMatmul(cfg: PixArtTransformerConfig, latentH: number, latentW: number, rows: number): { m: number; k: number; n: number } {
  const d = cfg.num_attention_heads * cfg.attention_head_dim;
  const tokens = (latentH / cfg.patch_size) * (latentW / cfg.patch_size);
  return { m: rows * tokens, k: d, n: 4 * d };
}
