// diffusers' _threshold_sample ("dynamic thresholding", Imagen arXiv 2205.11487): per batch item,
// s = quantile(|x0|, ratio) clamped to [1, sample_max_value]; x0 ← clamp(x0, −s, s) / s.

import { f32 } from '../numerics';

/** torch.quantile(row, q, interpolation="linear") on float32 (rank q·(n−1) in float32, torch.lerp). */
function quantileF32(sortedRow: Float32Array, q: number): number {
  const n = sortedRow.length;
  if (Number.isNaN(sortedRow[n - 1])) return NaN; // torch: any NaN → NaN (sorted last)
  const rank = f32(f32(q) * (n - 1));
  const below = Math.trunc(rank);
  const above = Math.ceil(rank);
  const w = f32(rank - below);
  const a = sortedRow[below];
  const b = sortedRow[above];
  // torch's lerp: a + w·(b − a) for small weights, else b − (b − a)·(1 − w).
  return Math.abs(w) < 0.5 ? f32(a + f32(w * f32(b - a))) : f32(b - f32(f32(b - a) * f32(1 - w)));
}

export function thresholdSample(
  sample: Float32Array,
  batchSize: number,
  ratio: number,
  sampleMaxValue: number,
): Float32Array {
  if (sample.length % batchSize !== 0) {
    throw new Error(`thresholding: ${sample.length} values do not split into a batch of ${batchSize}`);
  }
  const per = sample.length / batchSize;
  const out = new Float32Array(sample.length);
  for (let b = 0; b < batchSize; b++) {
    const row = sample.subarray(b * per, (b + 1) * per);
    const sorted = row.map(Math.abs).sort();
    const q = quantileF32(sorted, ratio);
    // torch.clamp(s, min=1, max=sample_max_value) applies min first, then max.
    const s = Number.isNaN(q) ? NaN : Math.min(Math.max(q, 1), sampleMaxValue);
    for (let i = 0; i < per; i++) out[b * per + i] = Math.min(Math.max(row[i], -s), s) / s;
  }
  return out;
}
