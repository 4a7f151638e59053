// Reads NumPy .npy files (v1/v2/v3, little-endian float16/float32/float64/int64/int32/bool, C order).
import { readFileSync } from 'node:fs';

export interface NpyArray {
  dtype: string;
  shape: number[];
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

export function readNpy(path: string): NpyArray {
  const buf = readFileSync(path);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const offset = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', offset, offset + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '';
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (!descr || fortran) throw new Error(`${path}: unsupported header ${header}`);
  const body = buf.subarray(offset + headerLen);
  const count = shape.reduce((a, b) => a * b, 1);
  const copy = (bytes: number) => {
    const ab = new ArrayBuffer(count * bytes);
    new Uint8Array(ab).set(body.subarray(0, count * bytes));
    return ab;
  };
  switch (descr) {
    case '<f4': return { dtype: 'float32', shape, data: new Float32Array(copy(4)) };
    case '<f8': return { dtype: 'float64', shape, data: new Float64Array(copy(8)) };
    case '<i8': return { dtype: 'int64', shape, data: new BigInt64Array(copy(8)) };
    case '<i4': return { dtype: 'int32', shape, data: new Int32Array(copy(4)) };
    case '|b1': case '|u1': return { dtype: 'uint8', shape, data: new Uint8Array(copy(1)) };
    case '<f2': {
      const u16 = new Uint16Array(copy(2));
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(u16[i]);
      return { dtype: 'float32', shape, data: out };
    }
    default: throw new Error(`${path}: unsupported dtype ${descr}`);
  }
}

/** The array as float32, whatever its stored type. */
export function readNpyF32(path: string): { shape: number[]; data: Float32Array } {
  const a = readNpy(path);
  const d = a.data;
  if (d instanceof Float32Array) return { shape: a.shape, data: d };
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  return { shape: a.shape, data: out };
}
