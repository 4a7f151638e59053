// Reads a diffusers/transformers checkpoint folder's safetensors weights one tensor at a time, so a
// build never holds more than the tensor it is converting. A file is untrusted input: its header
// is bounded and every tensor's byte range is checked against its dtype, its shape and the file.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
/** Real headers are a few hundred KB (T5-XXL: ~20 KB per shard); a bigger one is not a checkpoint. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** The file holding it, and where its bytes start in that file. */
  file: string;
  offset: number;
  byteLength: number;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** One component's weights (`text_encoder/`, `transformer/`, `vae/`): one file or shards with an index. */
export class Checkpoint {
  private readonly fds = new Map<string, number>();

  private constructor(readonly dir: string, private readonly tensors: Map<string, TensorInfo>) {}

  /**
   * Opens the weights in `dir` named `<base>[.<variant>].safetensors` or sharded by
   * `<base>[.<variant>].safetensors.index.json` (`model` for transformers, `diffusion_pytorch_model`
   * for diffusers).
   */
  static open(dir: string, variant?: string): Checkpoint {
    const suffix = variant ? `.${variant}.safetensors` : '.safetensors';
    for (const base of ['diffusion_pytorch_model', 'model']) {
      const single = join(dir, base + suffix);
      if (existsSync(single)) return new Checkpoint(dir, new Map(readHeader(single).map((t) => [t.name, t])));
      const index = join(dir, `${base}${suffix}.index.json`);
      if (existsSync(index)) return Checkpoint.fromIndex(dir, index);
    }
    throw new CheckpointError(`${dir}: no ${variant ? `${variant} ` : ''}safetensors weights (diffusion_pytorch_model${suffix}, model${suffix} or a sharded *.index.json). Download the model again, or point at the component folder of a diffusers checkpoint.`);
  }

  private static fromIndex(dir: string, index: string): Checkpoint {
    let map: Record<string, string>;
    try {
      map = (JSON.parse(readFileSync(index, 'utf8')) as { weight_map: Record<string, string> }).weight_map;
      if (!map || typeof map !== 'object') throw new Error('no weight_map');
    } catch (e) {
      throw new CheckpointError(`${index}: not a safetensors index (${(e as Error).message}). Download the model again.`);
    }
    const tensors = new Map<string, TensorInfo>();
    for (const shard of new Set(Object.values(map))) {
      if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\')) throw new CheckpointError(`${index}: the shard name ${JSON.stringify(shard)} is not a file in this folder.`);
      const path = join(dir, shard);
      if (!existsSync(path)) throw new CheckpointError(`${index} names ${shard}, which is missing. Download the model again.`);
      for (const t of readHeader(path)) tensors.set(t.name, t);
    }
    for (const name of Object.keys(map)) if (!tensors.has(name)) throw new CheckpointError(`${index}: ${name} is not in ${map[name]}. Download the model again.`);
    return new Checkpoint(dir, tensors);
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const t = this.tensors.get(name);
    if (!t) throw new CheckpointError(`${this.dir}: the checkpoint has no tensor ${name}. It is not the model this builder expects (a different architecture or version).`);
    return t;
  }

  /** The tensor's bytes as stored (little-endian). */
  readRaw(name: string): Uint8Array {
    const t = this.info(name);
    const out = new Uint8Array(t.byteLength);
    const fd = this.fd(t.file);
    for (let done = 0; done < out.length;) {
      const n = readSync(fd, out, done, out.length - done, t.offset + done);
      if (n === 0) throw new CheckpointError(`${t.file}: ended inside ${name}. Download the model again.`);
      done += n;
    }
    return out;
  }

  /** The tensor as float32 (from F32, F16 or BF16). */
  readF32(name: string): Float32Array {
    const t = this.info(name);
    const raw = this.readRaw(name);
    if (t.dtype === 'F32') return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    const halves = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
    if (t.dtype === 'BF16') {
      const bits = new Uint32Array(halves.length);
      for (let i = 0; i < halves.length; i++) bits[i] = halves[i] << 16;
      return new Float32Array(bits.buffer);
    }
    if (t.dtype === 'F16') return Float32Array.from(halves, halfToFloat);
    throw new CheckpointError(`${t.file}: ${name} is ${t.dtype}, not a floating-point weight.`);
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  private fd(file: string): number {
    let fd = this.fds.get(file);
    if (fd === undefined) this.fds.set(file, (fd = openSync(file, 'r')));
    return fd;
  }
}

/** IEEE half → float. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** The tensors a safetensors file declares, each range checked against the file. */
export function readHeader(file: string): TensorInfo[] {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(8);
    if (size < 8 || readSync(fd, head, 0, 8, 0) !== 8) throw new CheckpointError(`${file}: too short to be a safetensors file.`);
    const headerLength = Number(head.readBigUInt64LE(0));
    if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) throw new CheckpointError(`${file}: not a safetensors file (header length ${headerLength}, file ${size} bytes). Download it again.`);
    const json = Buffer.alloc(headerLength);
    readSync(fd, json, 0, headerLength, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new CheckpointError(`${file}: its safetensors header is not JSON. Download it again.`);
    }
    return Object.entries(header).filter(([k]) => k !== '__metadata__').map(([name, v]) => tensorInfo(file, name, v, 8 + headerLength, size));
  } finally {
    closeSync(fd);
  }
}

function tensorInfo(file: string, name: string, v: unknown, dataStart: number, size: number): TensorInfo {
  const { dtype, shape, data_offsets: range } = (v ?? {}) as { dtype?: SafetensorsDtype; shape?: number[]; data_offsets?: number[] };
  const bad = (why: string) => new CheckpointError(`${file}: tensor ${name} ${why}. Download the file again.`);
  if (!dtype || !(dtype in DTYPE_BYTES)) throw bad(`has an unsupported dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad('has no valid shape');
  if (!Array.isArray(range) || range.length !== 2 || !range.every((d) => Number.isSafeInteger(d) && d >= 0) || range[1] < range[0]) throw bad('has no valid data_offsets');
  const byteLength = shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
  if (range[1] - range[0] !== byteLength) throw bad(`declares ${range[1] - range[0]} bytes for ${byteLength}`);
  if (dataStart + range[1] > size) throw bad('lies past the end of the file');
  return { name, dtype, shape, file, offset: dataStart + range[0], byteLength };
}
