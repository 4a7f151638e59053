// An OpenVINO graph written as IR v11 (`.xml` + `.bin`), the format the runtime reads and
// memory-maps. Constants go to the `.bin` as they are made, so a build holds one tensor at a time.
// Output shapes and types are left out of the XML (`precision="dynamic"`): OpenVINO infers every
// node's type and shape when it reads the IR.
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';

export type IrType = 'f32' | 'f16' | 'bf16' | 'i64' | 'i32' | 'u8' | 'i8' | 'u4' | 'boolean';

/** One output of a node. */
export interface Value {
  readonly node: number;
  readonly port: number;
}

export type Attr = string | number | boolean | readonly number[];

/** The opset each op comes from. An op missing here is a builder bug, not a user's problem. */
const OPSET: Record<string, string> = {
  Parameter: 'opset1', Const: 'opset1', Result: 'opset1', Convert: 'opset1',
  Add: 'opset1', Subtract: 'opset1', Multiply: 'opset1', Divide: 'opset1', Power: 'opset1',
  Maximum: 'opset1', Minimum: 'opset1', Sqrt: 'opset1', Exp: 'opset1', Log: 'opset1', Sin: 'opset1', Cos: 'opset1',
  Tanh: 'opset1', Sigmoid: 'opset1', Abs: 'opset1', Floor: 'opset1', Erf: 'opset1', Clamp: 'opset1', Negative: 'opset1',
  Equal: 'opset1', Less: 'opset1', Greater: 'opset1', LessEqual: 'opset1', GreaterEqual: 'opset1', Select: 'opset1', LogicalNot: 'opset1',
  MatMul: 'opset1', Convolution: 'opset1', Reshape: 'opset1', Transpose: 'opset1', Concat: 'opset1',
  Squeeze: 'opset1', Unsqueeze: 'opset1', Split: 'opset1', VariadicSplit: 'opset1', Tile: 'opset1',
  StridedSlice: 'opset1', ReduceMean: 'opset1', ReduceSum: 'opset1', ReduceMax: 'opset1',
  ShapeOf: 'opset3', Broadcast: 'opset3', Range: 'opset4', Swish: 'opset4', Mish: 'opset4',
  MVN: 'opset6', Gelu: 'opset7', Gather: 'opset8', Softmax: 'opset8', Slice: 'opset8',
  Interpolate: 'opset11', GroupNormalization: 'opset12', ScaledDotProductAttention: 'opset13',
  Relu: 'opset1',
};

const BYTES: Record<IrType, number> = { f32: 4, f16: 2, bf16: 2, i64: 8, i32: 4, u8: 1, i8: 1, u4: 0.5, boolean: 1 };

interface Layer {
  id: number;
  name: string;
  type: string;
  data: Record<string, Attr>;
  inputs: Value[];
  outputs: number;
  /** Tensor names per output port. */
  names: string[][];
  rtInfo?: string[];
}

export class IrGraph {
  private readonly layers: Layer[] = [];
  private readonly bin: number;
  private binSize = 0;
  /** Small constants are written once (shape vectors, axes, epsilons repeat hundreds of times). */
  private readonly small = new Map<string, Value>();
  private results = 0;

  constructor(readonly modelName: string, binPath: string) {
    this.bin = openSync(binPath, 'w');
  }

  /** Bytes of weights written so far. */
  get weightBytes(): number {
    return this.binSize;
  }

  parameter(name: string, type: IrType, shape: readonly number[]): Value {
    const v = this.add('Parameter', [], { shape: shape.map((d) => (d < 0 ? '?' : String(d))).join(','), element_type: type }, name);
    this.layers[v.node].names[0].push(name);
    return v;
  }

  /** A constant from raw little-endian bytes (u4: two per byte, the first in the low nibble). */
  constant(type: IrType, shape: readonly number[], bytes: Uint8Array, name?: string): Value {
    const count = shape.reduce((a, b) => a * b, 1);
    if (bytes.length !== Math.ceil(count * BYTES[type])) throw new Error(`constant ${name ?? ''}: ${bytes.length} bytes for ${type}[${shape.join(',')}]`);
    const key = bytes.length <= 256 ? `${type}|${shape.join(',')}|${createHash('sha1').update(bytes).digest('hex')}` : undefined;
    const known = key && !name ? this.small.get(key) : undefined;
    if (known) return known;
    const offset = this.writeBin(bytes);
    const v = this.add('Const', [], { element_type: type, shape: shape.join(','), offset, size: bytes.length }, name);
    if (key && !name) this.small.set(key, v);
    return v;
  }

  f32(values: ArrayLike<number>, shape: readonly number[] = [values.length]): Value {
    const a = Float32Array.from(values as ArrayLike<number>);
    return this.constant('f32', shape, new Uint8Array(a.buffer));
  }

  i64(values: readonly number[], shape: readonly number[] = [values.length]): Value {
    const a = BigInt64Array.from(values, (v) => BigInt(v));
    return this.constant('i64', shape, new Uint8Array(a.buffer));
  }

  /** A scalar f32 (shape []). */
  scalar(value: number): Value {
    return this.f32([value], []);
  }

  op(type: string, inputs: readonly Value[], data: Record<string, Attr> = {}, name?: string): Value {
    return this.add(type, inputs, data, name);
  }

  /** An op with several outputs (Split, VariadicSplit). */
  opN(type: string, inputs: readonly Value[], data: Record<string, Attr>, outputs: number): Value[] {
    const first = this.add(type, inputs, data, undefined, outputs);
    return Array.from({ length: outputs }, (_, i) => ({ node: first.node, port: first.port + i }));
  }

  /** Marks a Convert as weight decompression, so OpenVINO keeps the constant compressed. */
  markDecompression(v: Value): Value {
    (this.layers[v.node].rtInfo ??= []).push('<attribute name="decompression" version="0" />');
    return v;
  }

  output(v: Value, name: string): void {
    const layer = this.layers[v.node];
    layer.names[v.port - layer.inputs.length].push(name);
    this.add('Result', [v], {}, `${name}/sink_port_${this.results++}`);
  }

  /** Writes the XML and closes the `.bin`. */
  finish(xmlPath: string): void {
    closeSync(this.bin);
    writeFileSync(xmlPath, this.xml());
  }

  /** Closes the `.bin` without writing a model (a failed or cancelled build). */
  abandon(): void {
    closeSync(this.bin);
  }

  private writeBin(bytes: Uint8Array): number {
    const offset = this.binSize;
    for (let done = 0; done < bytes.length;) done += writeSync(this.bin, bytes, done, bytes.length - done, offset + done);
    this.binSize += bytes.length;
    return offset;
  }

  private add(type: string, inputs: readonly Value[], data: Record<string, Attr>, name?: string, outputs = type === 'Result' ? 0 : 1): Value {
    if (!OPSET[type]) throw new Error(`IrGraph: no opset known for ${type}`);
    for (const v of inputs) if (!this.layers[v.node]) throw new Error(`IrGraph: ${type} takes an input from a node that does not exist`);
    const id = this.layers.length;
    this.layers.push({ id, name: name ?? `${type}_${id}`, type, data, inputs: [...inputs], outputs, names: Array.from({ length: outputs }, () => []) });
    return { node: id, port: inputs.length };
  }

  private xml(): string {
    const out: string[] = ['<?xml version="1.0"?>', `<net name="${esc(this.modelName)}" version="11">`, '\t<layers>'];
    for (const l of this.layers) {
      out.push(`\t\t<layer id="${l.id}" name="${esc(l.name)}" type="${l.type}" version="${OPSET[l.type]}">`);
      const attrs = Object.entries(l.data).map(([k, v]) => ` ${k}="${esc(attr(v))}"`).join('');
      if (attrs || l.type === 'Result') out.push(`\t\t\t<data${attrs} />`);
      if (l.rtInfo) out.push('\t\t\t<rt_info>', ...l.rtInfo.map((a) => `\t\t\t\t${a}`), '\t\t\t</rt_info>');
      if (l.inputs.length) out.push(`\t\t\t<input>${l.inputs.map((_, i) => `<port id="${i}" />`).join('')}</input>`);
      if (l.outputs) {
        const ports = l.names.map((n, i) => `<port id="${l.inputs.length + i}" precision="dynamic"${n.length ? ` names="${esc(n.join(','))}"` : ''} />`);
        out.push(`\t\t\t<output>${ports.join('')}</output>`);
      }
      out.push('\t\t</layer>');
    }
    out.push('\t</layers>', '\t<edges>');
    for (const l of this.layers) {
      l.inputs.forEach((v, i) => out.push(`\t\t<edge from-layer="${v.node}" from-port="${v.port}" to-layer="${l.id}" to-port="${i}" />`));
    }
    out.push('\t</edges>', '</net>', '');
    return out.join('\n');
  }
}

function attr(v: Attr): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  return v.join(',');
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
