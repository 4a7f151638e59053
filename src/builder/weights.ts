// A checkpoint's tensors as graph constants, in the precision chosen for them. Compressed weights
// are written as the decompression subgraph NNCF writes and OpenVINO's CPU plugin fuses into its
// matmuls (u8/u4 constant → Convert f16 → Subtract zero point → Multiply scale → Convert f32), so
// the weights stay compressed in memory.
import type { Checkpoint } from './safetensors';
import type { IrGraph, Value } from './ir-graph';

/** How a weight is stored: as is (f32), as half floats, or quantized per output channel / group. */
export type WeightFormat = 'f32' | 'f16' | 'bf16' | 'int8' | 'int4';

/** int4 groups along the input axis, as NNCF's default. */
export const INT4_GROUP = 128;

export class Weights {
  constructor(
    private readonly g: IrGraph,
    private readonly checkpoint: Checkpoint,
    /** The format of a matrix (2-D weights of linear layers and embeddings); other tensors stay f32. */
    private readonly matrixFormat: WeightFormat,
  ) {}

  has(name: string): boolean {
    return this.checkpoint.has(name);
  }

  shape(name: string): number[] {
    return this.checkpoint.info(name).shape;
  }

  /** A tensor in f32 (biases, norms, convolution kernels), optionally reshaped. */
  f32(name: string, shape?: readonly number[]): Value {
    const data = this.checkpoint.readF32(name);
    return this.g.constant('f32', shape ?? this.shape(name), new Uint8Array(data.buffer, data.byteOffset, data.byteLength), name);
  }

  /** A [out, in] matrix in the chosen format, decompressed to f32 in the graph. */
  matrix(name: string, format: WeightFormat = this.matrixFormat): Value {
    const shape = this.shape(name);
    if (shape.length !== 2) throw new Error(`${name}: a matrix must be 2-D, not [${shape.join(',')}]`);
    const data = this.checkpoint.readF32(name);
    return compressedMatrix(this.g, name, data, shape[0], shape[1], format);
  }
}

/** A [rows, cols] f32 matrix stored in `format`, as an f32 value of the graph. */
export function compressedMatrix(g: IrGraph, name: string, data: Float32Array, rows: number, cols: number, format: WeightFormat): Value {
  switch (format) {
    case 'f32':
      return g.constant('f32', [rows, cols], bytesOf(data), name);
    case 'f16':
    case 'bf16': {
      const c = g.constant(format, [rows, cols], bytesOf(format === 'f16' ? toF16(data) : toBf16(data)), name);
      return g.markDecompression(g.op('Convert', [c], { destination_type: 'f32' }));
    }
    case 'int8':
      return dequantized(g, name, quantizeAsym(data, rows, cols, cols, 8), [rows, cols], [rows, 1]);
    case 'int4': {
      const group = cols % INT4_GROUP === 0 ? INT4_GROUP : cols;
      const groups = cols / group;
      return dequantized(g, name, quantizeAsym(data, rows, cols, group, 4), [rows, groups, group], [rows, groups, 1], [rows, cols]);
    }
  }
}

interface Quantized {
  /** bits 8: one byte per value; bits 4: two per byte, the first in the low nibble. */
  values: Uint8Array;
  zeroPoints: Uint8Array;
  scales: Uint16Array;
  bits: 4 | 8;
}

function dequantized(g: IrGraph, name: string, q: Quantized, shape: number[], scaleShape: number[], grouped?: number[]): Value {
  const type = q.bits === 8 ? 'u8' : 'u4';
  const w = g.op('Convert', [g.constant(type, shape, q.values, name)], { destination_type: 'f16' });
  const zp = g.op('Convert', [g.constant(type, scaleShape, q.zeroPoints, `${name}/zero_point`)], { destination_type: 'f16' });
  const centred = g.op('Subtract', [w, zp], { auto_broadcast: 'numpy' });
  const scaled = g.op('Multiply', [centred, g.constant('f16', scaleShape, bytesOf(q.scales), `${name}/scale`)], { auto_broadcast: 'numpy' });
  // Groups are merged before the last Convert: the CPU plugin fuses only that order into its matmuls
  // (with the Reshape after it, it folds the weights to f32: 19 GB for T5-XXL in int4).
  const whole = grouped ? g.op('Reshape', [scaled, g.i64(grouped)], { special_zero: false }) : scaled;
  return g.markDecompression(g.op('Convert', [whole], { destination_type: 'f32' }));
}

/**
 * Asymmetric quantization per row and group of `group` columns, as NNCF's INT8_ASYM / INT4_ASYM:
 * scale = (max − min) / levels (in f16), zero point = round(−min / scale), q = clamp(round(w / scale) + zp).
 */
export function quantizeAsym(data: Float32Array, rows: number, cols: number, group: number, bits: 4 | 8): Quantized {
  const levels = 2 ** bits - 1;
  const groups = cols / group;
  const n = rows * groups;
  const packed = new Uint8Array(bits === 8 ? rows * cols : Math.ceil((rows * cols) / 2));
  const zeroPoints = new Uint8Array(bits === 8 ? n : Math.ceil(n / 2));
  const scales = new Uint16Array(n);
  for (let r = 0; r < rows; r++) {
    for (let gi = 0; gi < groups; gi++) {
      const start = r * cols + gi * group;
      let lo = 0;
      let hi = 0;
      for (let i = start; i < start + group; i++) {
        lo = Math.min(lo, data[i]);
        hi = Math.max(hi, data[i]);
      }
      const k = r * groups + gi;
      const scaleBits = f16Bits((hi - lo) / levels || 1);
      scales[k] = scaleBits;
      const scale = f16Value(scaleBits);
      const zp = Math.min(levels, Math.max(0, Math.round(-lo / scale)));
      put(zeroPoints, k, zp, bits);
      for (let i = start; i < start + group; i++) put(packed, i, Math.min(levels, Math.max(0, Math.round(data[i] / scale) + zp)), bits);
    }
  }
  return { values: packed, zeroPoints, scales, bits };
}

function put(into: Uint8Array, i: number, v: number, bits: 4 | 8): void {
  if (bits === 8) into[i] = v;
  else into[i >> 1] |= i & 1 ? v << 4 : v;
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** float → IEEE half bits, round to nearest even (as torch's `.half()`). */
export function f16Bits(x: number): number {
  f32Scratch[0] = x;
  const b = u32Scratch[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = mant >>> 13;
  const rest = mant & 0x1fff;
  let out = (e << 10) | half;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) out++;
  return sign | out;
}

function f16Value(bits: number): number {
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  const v = e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
  return bits & 0x8000 ? -v : v;
}

export function toF16(data: Float32Array): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = f16Bits(data[i]);
  return out;
}

/** float → bfloat16 bits, round to nearest even (as torch's `.bfloat16()`). */
export function toBf16(data: Float32Array): Uint16Array {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const b = bits[i];
    if ((b & 0x7f800000) === 0x7f800000 && b & 0x7fffff) out[i] = (b >>> 16) | 0x40;
    else out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

export function bytesOf(a: Float32Array | Uint16Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
