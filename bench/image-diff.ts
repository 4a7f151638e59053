// Per-pixel comparison of two raw 8-bit RGB images of the same size (what the runners write with --image-out).
import { readFileSync } from 'node:fs';

export interface ImageDiff {
  maxAbs: number;
  /** Mean |Δ| over every value, in 1/255. */
  meanAbs: number;
  /** Share of values off by more than 1. */
  fracOver1: number;
  /** Peak signal-to-noise ratio in dB (Infinity for identical images). */
  psnr: number;
}

export function imageDiff(a: string, b: string): ImageDiff | null {
  const x = readFileSync(a);
  const y = readFileSync(b);
  if (x.length !== y.length || x.length === 0) return null;
  let maxAbs = 0;
  let sum = 0;
  let squares = 0;
  let over = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i] - y[i]);
    if (d > maxAbs) maxAbs = d;
    sum += d;
    squares += d * d;
    if (d > 1) over++;
  }
  const mse = squares / x.length;
  return { maxAbs, meanAbs: sum / x.length, fracOver1: over / x.length, psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse) };
}
