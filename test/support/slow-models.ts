// Models that take as long as a test needs, written as OpenVINO IR by hand (as bench/ceiling.ts
// does): a chain of matrix products, each a node of its own, so OpenVINO can stop between them
// (it checks for cancel before every node). Used to cancel an inference part-way on the real
// runtime: `matmulChainIr` on its own (its cost grows with the input), and a PixArt model folder
// whose transformer and VAE are such chains behind the real ports (`writeSlowModelFolder`).
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Precision = 'FP32' | 'I64';
interface Out {
  layer: number;
  port: number;
  dims: number[];
  precision: Precision;
}

/** A tiny IR writer: layers with one output each, edges from their inputs, constants into one .bin. */
class IrBuilder {
  private readonly layers: string[] = [];
  private readonly edges: string[] = [];
  private readonly blobs: Buffer[] = [];
  private offset = 0;

  private static port(id: number, o: { dims: number[]; precision: Precision }, names?: string): string {
    const dims = o.dims.map((d) => `<dim>${d}</dim>`).join('');
    return `<port id="${id}" precision="${o.precision}"${names ? ` names="${names}"` : ''}>${dims}</port>`;
  }

  private add(type: string, data: string, inputs: Out[], out: { dims: number[]; precision: Precision } | null, names?: string): Out {
    const id = this.layers.length;
    const ins = inputs.map((o, i) => IrBuilder.port(i, o)).join('');
    const outPort = out ? `<output>${IrBuilder.port(inputs.length, out, names)}</output>` : '';
    this.layers.push(`<layer id="${id}" name="${type.toLowerCase()}_${id}" type="${type}" version="opset1">${data ? `<data ${data}/>` : ''}${ins ? `<input>${ins}</input>` : ''}${outPort}</layer>`);
    inputs.forEach((o, i) => this.edges.push(`<edge from-layer="${o.layer}" from-port="${o.port}" to-layer="${id}" to-port="${i}"/>`));
    return { layer: id, port: inputs.length, dims: out?.dims ?? [], precision: out?.precision ?? 'FP32' };
  }

  parameter(name: string, dims: number[], precision: Precision = 'FP32'): Out {
    const shape = dims.map((d) => (d < 0 ? '?' : String(d))).join(',');
    return this.add('Parameter', `shape="${shape}" element_type="${precision === 'FP32' ? 'f32' : 'i64'}"`, [], { dims, precision }, name);
  }

  constant(dims: number[], values: Float32Array | BigInt64Array): Out {
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    const precision: Precision = values instanceof Float32Array ? 'FP32' : 'I64';
    const data = `element_type="${precision === 'FP32' ? 'f32' : 'i64'}" shape="${dims.join(',')}" offset="${this.offset}" size="${bytes.length}"`;
    this.blobs.push(bytes);
    this.offset += bytes.length;
    return this.add('Const', data, [], { dims, precision });
  }

  op(type: string, data: string, inputs: Out[], dims: number[], names?: string): Out {
    return this.add(type, data, inputs, { dims, precision: 'FP32' }, names);
  }

  /** The mean of all of `x` as a scalar, in f32. */
  mean(x: Out): Out {
    const f = x.precision === 'FP32' ? x : this.op('Convert', 'destination_type="f32"', [x], x.dims);
    const axes = this.constant([x.dims.length], BigInt64Array.from(x.dims.map((_, i) => BigInt(i))));
    return this.op('ReduceMean', 'keep_dims="false"', [f, axes], []);
  }

  write(xmlFile: string, name: string, outputs: Out[]): void {
    for (const o of outputs) this.add('Result', '', [o], null);
    const xml = `<?xml version="1.0"?>\n<net name="${name}" version="11">\n<layers>\n${this.layers.join('\n')}\n</layers>\n<edges>\n${this.edges.join('\n')}\n</edges>\n</net>\n`;
    writeFileSync(xmlFile, xml);
    writeFileSync(xmlFile.replace(/\.xml$/, '.bin'), Buffer.concat(this.blobs));
  }
}

const NUMPY = 'auto_broadcast="numpy"';

/** `x` times itself `products` times: y = x^(products + 1) for a square f32 input x [-1, -1] (names x, y). */
export function writeMatMulChainIr(xmlFile: string, products: number): void {
  const ir = new IrBuilder();
  const x = ir.parameter('x', [-1, -1]);
  let a = x;
  for (let i = 0; i < products; i++) a = ir.op('MatMul', 'transpose_a="false" transpose_b="false"', [a, x], [-1, -1], i === products - 1 ? 'y' : undefined);
  ir.write(xmlFile, 'matmul_chain', [a]);
}

/**
 * `products` n×n matrix products that depend on `seed` (a scalar from the real inputs, so nothing is
 * folded at compile time), scaled down to nothing: add the result to an output and it is unchanged,
 * but OpenVINO has to compute it.
 */
function busyWork(ir: IrBuilder, seed: Out, n: number, products: number): Out {
  const uniform = ir.constant([n, n], new Float32Array(n * n).fill(1 / n));
  const x = ir.op('Add', NUMPY, [uniform, seed], [n, n]); // stays ~1/n: products of it do not grow
  let a = x;
  for (let i = 0; i < products; i++) a = ir.op('MatMul', 'transpose_a="false" transpose_b="false"', [a, x], [n, n]);
  return ir.op('Multiply', NUMPY, [ir.mean(a), ir.constant([], new Float32Array([1e-30]))], []);
}

/**
 * Cost of the chains, in n×n matrix products. The defaults make, on a 2-core machine, a step of
 * about 1 s (0.5 s where the CPU runs the transformer in bf16) and a decode of about 2 s when idle,
 * several times that when the cores are shared; each product is a few milliseconds.
 */
export interface SlowModelCost {
  /** Side of the matrices (default 1024). */
  n?: number;
  /** Products per transformer call (default 250). */
  transformerProducts?: number;
  /** Products per VAE call (default 500). */
  vaeProducts?: number;
}

/** The tiny transformer's ports (hidden_states [-1,4,16,16] …) → sample = [h, h] on channels, plus the busy work. */
function writeSlowTransformer(xmlFile: string, n: number, products: number): void {
  const ir = new IrBuilder();
  const h = ir.parameter('hidden_states', [-1, 4, 16, 16]);
  const inputs = [h, ir.parameter('timestep', [-1], 'I64'), ir.parameter('encoder_hidden_states', [-1, -1, 32]), ir.parameter('encoder_attention_mask', [-1, -1], 'I64')];
  const seed = inputs.map((i) => ir.mean(i)).reduce((a, b) => ir.op('Add', NUMPY, [a, b], []));
  const doubled = ir.op('Concat', 'axis="1"', [h, h], [-1, 8, 16, 16]);
  const sample = ir.op('Add', NUMPY, [doubled, busyWork(ir, seed, n, products)], [-1, 8, 16, 16], 'sample');
  ir.write(xmlFile, 'slow_transformer', [sample]);
}

/** latents [-1,4,-1,-1] → sample [-1,3,8h,8w] (each latent pixel spread over 8×8), plus the busy work. */
function writeSlowVae(xmlFile: string, n: number, products: number): void {
  const ir = new IrBuilder();
  const latents = ir.parameter('latents', [-1, 4, -1, -1]);
  const spread = ir.constant([4, 3, 8, 8], new Float32Array(4 * 3 * 64).fill(0.25));
  const up = ir.op('ConvolutionBackpropData', 'strides="8,8" pads_begin="0,0" pads_end="0,0" dilations="1,1" auto_pad="explicit" output_padding="0,0"', [latents, spread], [-1, 3, -1, -1]);
  const sample = ir.op('Add', NUMPY, [up, busyWork(ir, ir.mean(latents), n, products)], [-1, 3, -1, -1], 'sample');
  ir.write(xmlFile, 'slow_vae', [sample]);
}

/**
 * A copy of the tiny model folder (tokenizer, T5, scheduler, configs) whose transformer and VAE
 * decoder are slow IRs with the same ports: a generation with steps that take seconds, and a
 * decode that does, on the real runtime. Returns `dir`.
 */
export function writeSlowModelFolder(tinyModelDir: string, dir: string, cost: SlowModelCost = {}): string {
  rmSync(dir, { recursive: true, force: true });
  cpSync(tinyModelDir, dir, { recursive: true });
  for (const part of ['transformer', 'vae_decoder']) rmSync(join(dir, part, 'model.onnx'), { force: true });
  mkdirSync(join(dir, 'transformer'), { recursive: true });
  const n = cost.n ?? 1024;
  writeSlowTransformer(join(dir, 'transformer', 'openvino_model.xml'), n, cost.transformerProducts ?? 250);
  writeSlowVae(join(dir, 'vae_decoder', 'openvino_model.xml'), n, cost.vaeProducts ?? 500);
  return dir;
}
