// transformer/config.json of a diffusers PixArtTransformer2DModel, read for the builder: every
// value that sizes a tensor, a loop or a port is bounded, and every setting this builder does not
// implement is refused by name, so a checkpoint it cannot reproduce is never built into a wrong model.
import { readConfigObject, show } from './config-json';

export class PixArtConfigError extends Error {
  override name = 'PixArtConfigError';
}

/** The config as the builder uses it, with diffusers' defaults and derived values resolved. */
export interface PixArtTransformerConfig {
  heads: number;
  headDim: number;
  /** heads × headDim: the width of every token. */
  inner: number;
  inChannels: number;
  outChannels: number;
  layers: number;
  patch: number;
  sampleSize: number;
  captionChannels: number;
  normEps: number;
  interpolationScale: number;
  /** The resolution and aspect-ratio embeddings (PixArt-α 1024; not Σ, not α 512). */
  additionalConditions: boolean;
  /** Whether to_q, to_k and to_v have biases (to_out.0 and every other linear always do). */
  attentionBias: boolean;
  /** The file's text, copied as is beside the built model. */
  text: string;
}

// Bounds well above every PixArt (α/Σ XL: 16 heads × 72, 28 layers, T5-XXL's 4096 channels).
const MAX_HEADS = 64;
const MAX_HEAD_DIM = 256;
const MAX_INNER = 8192;
const MAX_LAYERS = 128;
const MAX_PATCH = 16;
const MAX_LATENT_CHANNELS = 64;
/** Latents per side: 4096 pixels at 8 pixels per latent. */
const MAX_SAMPLE_SIZE = 512;
const MAX_CAPTION_CHANNELS = 16384;
const MAX_INTERPOLATION_SCALE = 64;

/**
 * Settings of diffusers' PixArtTransformer2DModel (and the Transformer2DModel that older PixArt
 * checkpoints name) that this builder implements in one way only, with the values it accepts (the
 * first is what it builds; an absent field is diffusers' default, which is that).
 */
const FIXED: Record<string, readonly unknown[]> = {
  norm_type: ['ada_norm_single'],
  activation_fn: ['gelu-approximate'],
  attention_type: ['default'],
  norm_elementwise_affine: [false],
  only_cross_attention: [false],
  double_self_attention: [false],
  use_linear_projection: [false],
  num_vector_embeds: [null, false],
};

export function readPixArtTransformerConfig(file: string): PixArtTransformerConfig {
  const { c, text } = readConfig(file);
  const field = (name: string): unknown => (Object.prototype.hasOwnProperty.call(c, name) ? c[name] : undefined);
  const int = (name: string, max: number, why: string, fallback?: number): number => {
    const v = field(name) ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
      throw new PixArtConfigError(`${file}: "${name}" must be a whole number from 1 to ${max} (${why}), found ${show(v)}`);
    }
    return v;
  };
  for (const [name, accepted] of Object.entries(FIXED)) {
    const v = field(name);
    if (v !== undefined && !accepted.includes(v)) {
      throw new PixArtConfigError(`${file}: "${name}" = ${show(v)} is not implemented by this builder (it builds ${show(accepted[0])}, PixArt's setting)`);
    }
  }
  // Fallbacks are diffusers' defaults for an absent field.
  const heads = int('num_attention_heads', MAX_HEADS, 'attention heads', 16);
  const headDim = int('attention_head_dim', MAX_HEAD_DIM, 'channels per head', 72);
  const inner = heads * headDim;
  if (inner > MAX_INNER) throw new PixArtConfigError(`${file}: num_attention_heads × attention_head_dim = ${inner} is too wide (at most ${MAX_INNER})`);
  if (inner % 4 !== 0) throw new PixArtConfigError(`${file}: num_attention_heads × attention_head_dim = ${inner} must be a multiple of 4 (the 2-D sin-cos position embedding splits it in four)`);
  const sampleSize = int('sample_size', MAX_SAMPLE_SIZE, 'latents per side of the training size');
  const patch = int('patch_size', Math.min(MAX_PATCH, sampleSize), 'latents per patch side, at most sample_size');
  const inChannels = int('in_channels', MAX_LATENT_CHANNELS, 'latent channels');
  const crossDim = field('cross_attention_dim') ?? 1152;
  if (crossDim !== inner) {
    throw new PixArtConfigError(`${file}: "cross_attention_dim" = ${show(crossDim)} must equal num_attention_heads × attention_head_dim (${inner}): the caption projection feeds the cross-attention at that width`);
  }
  const conditions = field('use_additional_conditions') ?? sampleSize === 128;
  if (typeof conditions !== 'boolean') throw new PixArtConfigError(`${file}: "use_additional_conditions" must be true, false or null, found ${show(conditions)}`);
  const attentionBias = field('attention_bias') ?? true;
  if (typeof attentionBias !== 'boolean') throw new PixArtConfigError(`${file}: "attention_bias" must be true or false, found ${show(attentionBias)}`);
  if (conditions && inner % 3 !== 0) throw new PixArtConfigError(`${file}: with use_additional_conditions, num_attention_heads × attention_head_dim = ${inner} must be a multiple of 3 (timestep, resolution and aspect-ratio embeddings share it)`);
  return {
    heads, headDim, inner, inChannels, patch, sampleSize,
    outChannels: int('out_channels', 2 * MAX_LATENT_CHANNELS, 'output channels', field('out_channels') === null ? inChannels : 8),
    layers: int('num_layers', MAX_LAYERS, 'transformer blocks', 28),
    captionChannels: int('caption_channels', MAX_CAPTION_CHANNELS, 'the text encoder\'s width; null, no caption projection, is not implemented'),
    normEps: positive(file, 'norm_eps', field('norm_eps') ?? 1e-6, 1),
    interpolationScale: positive(file, 'interpolation_scale', field('interpolation_scale') ?? Math.max(Math.floor(sampleSize / 64), 1), MAX_INTERPOLATION_SCALE),
    additionalConditions: conditions,
    attentionBias,
    text,
  };
}

function positive(file: string, name: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !(v > 0 && v <= max)) throw new PixArtConfigError(`${file}: "${name}" must be a number above 0 and at most ${max}, found ${show(v)}`);
  return v;
}

function readConfig(file: string): { c: Record<string, unknown>; text: string } {
  const { obj, text } = readConfigObject(file, 'transformer', PixArtConfigError);
  const cls = obj._class_name;
  if (cls !== undefined && cls !== 'PixArtTransformer2DModel' && cls !== 'Transformer2DModel') {
    throw new PixArtConfigError(`${file}: "_class_name" is ${show(cls)}, not PixArtTransformer2DModel: point at the transformer folder of a PixArt checkpoint`);
  }
  return { c: obj, text };
}
