// The text encoder's config.json as the T5 builder reads it (transformers' T5Config): every value
// that sizes a tensor, a loop or the graph is bounded here, and a value the builder does not
// implement is refused, each message naming the file and the field. Defaults are T5Config's.
import { join } from 'node:path';
import { readConfigObject, show, wholeNumber, type Json } from './config-json';

export class T5ConfigError extends Error {
  override name = 'T5ConfigError';
}

/** The feed-forward blocks transformers' T5 has for these `feed_forward_proj` values. */
export const FEED_FORWARD = {
  /** T5 v1.1 (PixArt's T5-XXL): gelu_new(wi_0 x) · wi_1 x → wo. */
  'gated-gelu': { gated: true, activation: 'gelu_new' },
  /** The original T5: relu(wi x) → wo. */
  relu: { gated: false, activation: 'relu' },
} as const;

export type FeedForward = (typeof FEED_FORWARD)[keyof typeof FEED_FORWARD];

export interface T5EncoderConfig {
  dModel: number;
  dKv: number;
  dFf: number;
  numHeads: number;
  numLayers: number;
  numBuckets: number;
  maxDistance: number;
  eps: number;
  feedForward: FeedForward;
  /** The file's text, copied as is into the model folder. */
  text: string;
}

/** Widths: T5-XXL has d_model 4096, d_ff 10240, 64 heads of 64; these leave room and bound every tensor. */
const MAX_D_MODEL = 16384;
const MAX_D_FF = 65536;
const MAX_HEADS = 256;
const MAX_D_KV = 1024;
/** T5-XXL has 24 layers. */
const MAX_LAYERS = 128;
/** Rows of the position bias table, and entries of the bucket lookup (max_distance + 1); T5: 32 and 128. */
const MAX_BUCKETS = 1024;
const MAX_DISTANCE = 65536;

/** The field as a whole number in [min, max]. */
function int(c: Json, file: string, field: string, min: number, max: number, fallback: number): number {
  return wholeNumber(c, file, field, min, max, fallback, T5ConfigError);
}

function feedForward(c: Json, file: string): FeedForward {
  const v = c.feed_forward_proj ?? 'relu';
  if (typeof v !== 'string' || !Object.prototype.hasOwnProperty.call(FEED_FORWARD, v)) {
    throw new T5ConfigError(`${file}: "feed_forward_proj" ${show(v)} is not supported; the builder makes ${Object.keys(FEED_FORWARD).map((k) => `"${k}"`).join(' and ')} (T5 v1.1 and the original T5).`);
  }
  return FEED_FORWARD[v as keyof typeof FEED_FORWARD];
}

function epsilon(c: Json, file: string): number {
  const v = c.layer_norm_epsilon ?? 1e-6;
  if (typeof v !== 'number' || !(v > 0 && v <= 0.1)) throw new T5ConfigError(`${file}: "layer_norm_epsilon" must be a number above 0 and at most 0.1, found ${show(v)}.`);
  return v;
}

/** Reads and checks `componentDir/config.json`. */
export function readT5EncoderConfig(componentDir: string): T5EncoderConfig {
  const file = join(componentDir, 'config.json');
  const { obj: c, text } = readConfigObject(file, 'text_encoder', T5ConfigError);
  if (c.is_decoder === true) throw new T5ConfigError(`${file}: "is_decoder" is true; the builder makes T5's encoder (T5EncoderModel), which is bidirectional.`);
  const numHeads = int(c, file, 'num_heads', 1, MAX_HEADS, 8);
  const dKv = int(c, file, 'd_kv', 1, MAX_D_KV, 64);
  if (numHeads * dKv > MAX_D_MODEL) throw new T5ConfigError(`${file}: "num_heads" × "d_kv" is ${numHeads * dKv}, more than ${MAX_D_MODEL}.`);
  const numBuckets = int(c, file, 'relative_attention_num_buckets', 4, MAX_BUCKETS, 32);
  // Distances up to a quarter of the buckets are exact; the log-spaced rest needs max_distance above that.
  const maxExact = Math.floor(numBuckets / 4);
  return {
    dModel: int(c, file, 'd_model', 1, MAX_D_MODEL, 512),
    dKv,
    dFf: int(c, file, 'd_ff', 1, MAX_D_FF, 2048),
    numHeads,
    numLayers: int(c, file, 'num_layers', 1, MAX_LAYERS, 6),
    numBuckets,
    maxDistance: int(c, file, 'relative_attention_max_distance', maxExact + 1, MAX_DISTANCE, 128),
    eps: epsilon(c, file),
    feedForward: feedForward(c, file),
    text,
  };
}
