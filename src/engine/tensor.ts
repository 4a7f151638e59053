// Host-tensor helpers shared by the engines and the pipeline: element sizes, allocation, type casts,
// and the check of named inputs against a model's declared ports. Pure TypeScript.
import type { Dim, ElementType, PortInfo, Tensor, TensorData } from './types';

/** Bytes per element in host memory (boolean is one byte, as in OpenVINO). */
export function bytesPerElement(type: ElementType): number {
  switch (type) {
    case 'f64': case 'i64': return 8;
    case 'f32': case 'i32': return 4;
    case 'f16': case 'bf16': return 2;
    case 'u8': case 'boolean': return 1;
  }
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A zeroed typed array of the kind TensorData uses for `type`. f16/bf16 have no host representation here. */
export function allocateData(type: ElementType, count: number): TensorData {
  switch (type) {
    case 'f32': return new Float32Array(count);
    case 'f64': return new Float64Array(count);
    case 'i64': return new BigInt64Array(count);
    case 'i32': return new Int32Array(count);
    case 'u8': case 'boolean': return new Uint8Array(count);
    case 'f16': case 'bf16':
      throw new Error(`${type} tensors have no host representation here: feed f32 to models with ${type} ports`);
  }
}

/** Whether `data` is the typed array kind that TensorData uses for `type`. */
export function dataMatchesType(data: TensorData, type: ElementType): boolean {
  switch (type) {
    case 'f32': return data instanceof Float32Array;
    case 'f64': return data instanceof Float64Array;
    case 'i64': return data instanceof BigInt64Array;
    case 'i32': return data instanceof Int32Array;
    case 'u8': case 'boolean': return data instanceof Uint8Array;
    case 'f16': case 'bf16': return false;
  }
}

export function tensor(type: ElementType, shape: number[], data?: TensorData): Tensor {
  const d = data ?? allocateData(type, elementCount(shape));
  if (!dataMatchesType(d, type)) throw new Error(`tensor(): ${d.constructor.name} does not hold ${type}`);
  if (d.length !== elementCount(shape)) {
    throw new Error(`tensor(): ${d.length} elements do not fill shape [${shape.join(',')}]`);
  }
  return { type, shape, data: d };
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * The tensor converted to element type `to`; the same object when it already has that type.
 * Floats go to integers by truncation toward zero, like torch's `.long()`; NaN, infinities and
 * values outside the target range throw instead of wrapping silently. Booleans become 0/1.
 */
export function castTensor(t: Tensor, to: ElementType): Tensor {
  if (t.type === to) return t;
  const n = t.data.length;
  const out = allocateData(to, n);
  const src = t.data;
  const fail = (i: number, why: string): never => {
    throw new Error(`castTensor ${t.type}→${to}: element ${i} (${String(src[i])}) ${why}`);
  };
  if (out instanceof BigInt64Array) {
    for (let i = 0; i < n; i++) {
      const v = src[i];
      if (typeof v === 'bigint') { out[i] = v; continue; }
      if (!Number.isFinite(v)) fail(i, 'is not finite');
      out[i] = BigInt(Math.trunc(v));
    }
  } else if (out instanceof Int32Array || (out instanceof Uint8Array && to === 'u8')) {
    const [lo, hi] = out instanceof Int32Array ? [INT32_MIN, INT32_MAX] : [0, 255];
    for (let i = 0; i < n; i++) {
      const v = src[i];
      const x = typeof v === 'bigint' ? v : Number.isFinite(v) ? Math.trunc(v) : fail(i, 'is not finite');
      if (x < lo || x > hi) fail(i, `is outside [${lo}, ${hi}]`);
      out[i] = Number(x);
    }
  } else if (to === 'boolean') {
    for (let i = 0; i < n; i++) {
      const v = src[i];
      out[i] = (typeof v === 'bigint' ? v !== 0n : v !== 0 && !Number.isNaN(v)) ? 1 : 0;
    }
  } else {
    // f32 / f64 targets: plain numeric conversion (int64 beyond 2^53 loses precision, as in numpy).
    for (let i = 0; i < n; i++) out[i] = Number(src[i]);
  }
  return { type: to, shape: [...t.shape], data: out };
}

export function formatShape(shape: readonly Dim[]): string {
  return `[${shape.map((d) => (d < 0 ? '?' : String(d))).join(',')}]`;
}

/** Whether a concrete shape fits a declared one (-1 dims accept any size). */
export function shapeFits(shape: readonly number[], declared: readonly Dim[]): boolean {
  return shape.length === declared.length && shape.every((d, i) => declared[i] < 0 || declared[i] === d);
}

/**
 * Throws a message naming the model and the input when `inputs` do not match the declared ports
 * exactly: a missing or unknown name, another element type, a shape the model cannot take, or data
 * that does not fill the shape. Engines call it before handing anything to the runtime, so that a
 * mistake is reported in our words and never reaches a native crash.
 */
export function checkInputs(model: string, ports: readonly PortInfo[], inputs: Record<string, Tensor>): void {
  const expected = ports.map((p) => `${p.name} ${p.type}${formatShape(p.shape)}`).join(', ');
  for (const name of Object.keys(inputs)) {
    if (!ports.some((p) => p.name === name)) {
      throw new Error(`${model}: unknown input "${name}"; the model takes ${expected}`);
    }
  }
  for (const port of ports) {
    const t = inputs[port.name];
    if (!t) throw new Error(`${model}: input "${port.name}" is missing; the model takes ${expected}`);
    if (t.type !== port.type) {
      throw new Error(`${model}: input "${port.name}" is ${t.type} but the model declares ${port.type} (convert it with castTensor)`);
    }
    if (!dataMatchesType(t.data, t.type)) {
      throw new Error(`${model}: input "${port.name}" says ${t.type} but holds a ${t.data.constructor.name}`);
    }
    if (t.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(`${model}: input "${port.name}" has an invalid shape [${t.shape.join(',')}]`);
    }
    if (!shapeFits(t.shape, port.shape)) {
      throw new Error(`${model}: input "${port.name}" has shape ${formatShape(t.shape)} but the model takes ${formatShape(port.shape)} (? = any size)`);
    }
    if (t.data.length !== elementCount(t.shape)) {
      throw new Error(`${model}: input "${port.name}" has ${t.data.length} elements, shape ${formatShape(t.shape)} needs ${elementCount(t.shape)}`);
    }
  }
}

/** The element type a model declares for its input `name` (the pipeline checks the names at load). */
export function inputType(model: { readonly inputs: readonly PortInfo[] }, name: string): ElementType {
  const port = model.inputs.find((p) => p.name === name);
  if (!port) throw new Error(`the model has no input "${name}"`);
  return port.type;
}

/** The output called `name`, or the only output when the runtime reports another name for it. */
export function outputNamed(result: Record<string, Tensor>, name: string): Tensor {
  return result[name] ?? Object.values(result)[0];
}
