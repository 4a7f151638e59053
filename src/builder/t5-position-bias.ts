// T5's bidirectional relative position bias (transformers' T5Attention.compute_bias and
// _relative_position_bucket), computed in the graph from the dynamic token length, so one IR runs
// any prompt length. Layer 0 owns the bias table; every layer adds the same [1, heads, T, T] bias.
import type { IrGraph, Value } from './ir-graph';

export interface BucketConfig {
  /** relative_attention_num_buckets */
  numBuckets: number;
  /** relative_attention_max_distance */
  maxDistance: number;
}

/** The buckets of distances below this are exact; the rest are log-spaced up to maxDistance. */
function split(cfg: BucketConfig): { half: number; maxExact: number } {
  const half = Math.floor(cfg.numBuckets / 2);
  return { half, maxExact: Math.floor(half / 2) };
}

/**
 * The bucket of one relative position (memory − query), with torch's float32 steps:
 * log(float(|d|) / max_exact) / log(max_distance / max_exact) · (half − max_exact), cast to long
 * (truncation). At distances where that is a whole number in exact arithmetic (16, 32, 64 with the
 * defaults) the float32 rounding decides the bucket, so each step is rounded to float32 as torch does.
 */
export function relativePositionBucket(relative: number, cfg: BucketConfig): number {
  const { half, maxExact } = split(cfg);
  const side = relative > 0 ? half : 0;
  const d = Math.abs(relative);
  if (d < maxExact) return side + d;
  const f = Math.fround;
  const scaled = f(f(f(Math.log(f(f(d) / maxExact))) / f(Math.log(cfg.maxDistance / maxExact))) * (half - maxExact));
  return side + Math.min(maxExact + Math.trunc(scaled), half - 1);
}

/**
 * The [T, T] i64 buckets for a token length `length` (an i64 scalar in the graph): distances come
 * from Range over the length; the bucket of each |distance| is looked up in a table computed here
 * by relativePositionBucket. A table, not Log in the graph: a plugin may run float ops at f16 or
 * bf16 (the precision setting; this CPU at bf16 happens to keep them in f32), and one rounding
 * step flips a bucket at those whole-number distances; integer ops and a Gather are exact at any
 * precision, on any device.
 */
export function relativePositionBuckets(g: IrGraph, length: Value, cfg: BucketConfig): Value {
  const { half } = split(cfg);
  const positions = g.op('Range', [g.i64([0], []), length, g.i64([1], [])], { output_type: 'i64' });
  const memory = g.op('Unsqueeze', [positions, g.i64([0])]);
  const query = g.op('Unsqueeze', [positions, g.i64([1])]);
  const relative = g.op('Subtract', [memory, query], { auto_broadcast: 'numpy' });
  const after = g.op('Convert', [g.op('Greater', [relative, g.i64([0], [])], { auto_broadcast: 'numpy' })], { destination_type: 'i64' });
  const side = g.op('Multiply', [after, g.i64([half], [])], { auto_broadcast: 'numpy' });
  // Every distance from maxDistance on has the last bucket, so the table stops there.
  const distance = g.op('Minimum', [g.op('Abs', [relative]), g.i64([cfg.maxDistance], [])], { auto_broadcast: 'numpy' });
  const table = Array.from({ length: cfg.maxDistance + 1 }, (_, d) => relativePositionBucket(-d, cfg));
  const bucket = g.op('Gather', [g.i64(table), distance, g.i64([0], [])], { batch_dims: 0 });
  return g.op('Add', [side, bucket], { auto_broadcast: 'numpy' });
}

/** compute_bias: the [buckets, heads] table gathered by bucket → [1, heads, T, T]. */
export function positionBias(g: IrGraph, table: Value, buckets: Value): Value {
  const values = g.op('Gather', [table, buckets, g.i64([0], [])], { batch_dims: 0 });
  const byHead = g.op('Transpose', [values, g.i64([2, 0, 1])]);
  return g.op('Unsqueeze', [byHead, g.i64([0])]);
}
