// Engine over OpenVINO's C API (libopenvino_c), called through koffi. Works with the runtime that the
// `openvino` Python wheel ships, so no native addon has to be built or downloaded for Node.
//
// Ownership: every handle the C API hands out (core, compiled model, infer request, port, tensor,
// strings, shape arrays) is freed here on all paths. Long calls (compile, infer) run on koffi's
// worker threads through `.async`, so the JS thread stays free to receive messages (cancel).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import koffi, { type LibraryHandle, type TypeObject } from 'koffi';
import type { CompileOptions, CompiledModel, ElementType, Engine, PortInfo, Tensor } from './types';
import { bytesPerElement, checkInputs, elementCount, formatShape } from './tensor';
import { checkModelFiles, withIrNames } from './model-files';
import { cacheDirFor } from './cache-dir';
import { dropMappedPagesDuring } from './mapped-pages';

type Ptr = bigint;
type Fn = ReturnType<LibraryHandle['func']>;

/**
 * ov_element_type_e (openvino/c/ov_common.h) for the types TensorData holds, plus f16/bf16 for
 * listing. Codes up to I64 = 10 never moved; later releases inserted U2/U3/U6 before U8, so the
 * u8 code is asked of the runtime (see u8Code).
 */
function elementCodes(u8: number | undefined): { byCode: Record<number, ElementType>; byType: Partial<Record<ElementType, number>> } {
  const byCode: Record<number, ElementType> = { 1: 'boolean', 2: 'bf16', 3: 'f16', 4: 'f32', 5: 'f64', 9: 'i32', 10: 'i64' };
  if (u8 !== undefined) byCode[u8] = 'u8';
  const byType = Object.fromEntries(Object.entries(byCode).map(([k, v]) => [v, Number(k)]));
  return { byCode, byType };
}

// ── types ────────────────────────────────────────────────────────────────────────────────────────
// Named once per koffi instance (a second load of this module, e.g. in another bundle, reuses them).
function namedStruct(name: string, def: Record<string, string>): TypeObject {
  try {
    return koffi.type(name);
  } catch {
    return koffi.struct(name, def);
  }
}

function defineTypes(): void {
  namedStruct('pxov_version_t', { buildNumber: 'void *', description: 'void *' });
  namedStruct('pxov_devices_t', { devices: 'void *', size: 'size_t' });
  namedStruct('pxov_dimension_t', { min: 'int64_t', max: 'int64_t' });
  namedStruct('pxov_partial_shape_t', { rank: 'pxov_dimension_t', dims: 'void *' });
  namedStruct('pxov_shape_t', { rank: 'int64_t', dims: 'void *' });
  namedStruct('pxov_property_t', { key: 'const char *', value: 'const char *' });
}

// ── bindings ─────────────────────────────────────────────────────────────────────────────────────
const PROTOTYPES = {
  ov_get_openvino_version: 'int ov_get_openvino_version(_Out_ pxov_version_t *version)',
  ov_version_free: 'void ov_version_free(pxov_version_t *version)',
  ov_get_last_err_msg: 'void *ov_get_last_err_msg()',
  ov_free: 'void ov_free(void *content)',
  ov_core_create: 'int ov_core_create(_Out_ void **core)',
  ov_core_free: 'void ov_core_free(void *core)',
  ov_core_get_available_devices: 'int ov_core_get_available_devices(void *core, _Out_ pxov_devices_t *devices)',
  ov_available_devices_free: 'void ov_available_devices_free(pxov_devices_t *devices)',
  ov_core_read_model: 'int ov_core_read_model(void *core, const char *path, const char *bin_path, _Out_ void **model)',
  ov_core_compile_model: 'int ov_core_compile_model(void *core, void *model, const char *device, size_t n, _Out_ void **compiled, ...)',
  ov_model_inputs_size: 'int ov_model_inputs_size(void *model, _Out_ size_t *size)',
  ov_model_outputs_size: 'int ov_model_outputs_size(void *model, _Out_ size_t *size)',
  ov_model_const_input_by_index: 'int ov_model_const_input_by_index(void *model, size_t index, _Out_ void **port)',
  ov_model_const_output_by_index: 'int ov_model_const_output_by_index(void *model, size_t index, _Out_ void **port)',
  ov_model_free: 'void ov_model_free(void *model)',
  ov_compiled_model_create_infer_request: 'int ov_compiled_model_create_infer_request(void *compiled, _Out_ void **request)',
  ov_compiled_model_free: 'void ov_compiled_model_free(void *compiled)',
  ov_port_get_any_name: 'int ov_port_get_any_name(void *port, _Out_ void **name)',
  ov_port_get_element_type: 'int ov_port_get_element_type(void *port, _Out_ int *type)',
  ov_port_get_partial_shape: 'int ov_port_get_partial_shape(void *port, _Out_ pxov_partial_shape_t *shape)',
  ov_partial_shape_free: 'void ov_partial_shape_free(pxov_partial_shape_t *shape)',
  ov_output_const_port_free: 'void ov_output_const_port_free(void *port)',
  ov_tensor_create: 'int ov_tensor_create(int type, pxov_shape_t shape, _Out_ void **tensor)',
  ov_tensor_data: 'int ov_tensor_data(void *tensor, _Out_ void **data)',
  ov_tensor_get_shape: 'int ov_tensor_get_shape(void *tensor, _Out_ pxov_shape_t *shape)',
  ov_tensor_get_element_type: 'int ov_tensor_get_element_type(void *tensor, _Out_ int *type)',
  ov_tensor_get_byte_size: 'int ov_tensor_get_byte_size(void *tensor, _Out_ size_t *size)',
  ov_tensor_free: 'void ov_tensor_free(void *tensor)',
  ov_shape_free: 'int ov_shape_free(pxov_shape_t *shape)',
  ov_infer_request_set_input_tensor_by_index: 'int ov_infer_request_set_input_tensor_by_index(void *request, size_t index, void *tensor)',
  ov_infer_request_get_output_tensor_by_index: 'int ov_infer_request_get_output_tensor_by_index(void *request, size_t index, _Out_ void **tensor)',
  ov_infer_request_infer: 'int ov_infer_request_infer(void *request)',
  ov_infer_request_free: 'void ov_infer_request_free(void *request)',
} as const;

// Newer than the rest (non-variadic, hence callable asynchronously); used when the runtime has them.
const OPTIONAL_PROTOTYPES = {
  ov_core_compile_model_props: 'int ov_core_compile_model_props(void *core, void *model, const char *device, size_t n, const pxov_property_t *props, _Out_ void **compiled)',
  ov_core_compile_model_from_file_props: 'int ov_core_compile_model_from_file_props(void *core, const char *path, const char *device, size_t n, const pxov_property_t *props, _Out_ void **compiled)',
  // Only on Windows, where a char* path is read in the ANSI code page and wchar_t is UTF-16.
  ov_core_read_model_unicode: 'int ov_core_read_model_unicode(void *core, const char16_t *path, const char16_t *bin_path, _Out_ void **model)',
} as const;

type Api = Record<keyof typeof PROTOTYPES, Fn> &
  Partial<Record<keyof typeof OPTIONAL_PROTOTYPES, Fn>> & {
    version: string;
    elements: ReturnType<typeof elementCodes>;
  };

const apis = new Map<string, Api>();

function bind(libraryPath: string): Api {
  const cached = apis.get(libraryPath);
  if (cached) return cached;
  if (process.platform === 'win32') {
    // Windows resolves a DLL's dependencies (openvino.dll, tbb) through PATH, not the DLL's folder.
    process.env.PATH = `${dirname(libraryPath)};${process.env.PATH ?? ''}`;
  }
  let lib: LibraryHandle;
  try {
    lib = koffi.load(libraryPath);
  } catch (e) {
    throw new Error(`Cannot load the OpenVINO C library ${libraryPath}: ${(e as Error).message}`);
  }
  defineTypes();
  const api: Partial<Api> = {};
  for (const [name, proto] of Object.entries(PROTOTYPES)) {
    try {
      api[name as keyof typeof PROTOTYPES] = lib.func(proto);
    } catch (e) {
      throw new Error(`${libraryPath} lacks ${name} (${(e as Error).message}); it is not a usable OpenVINO C library (2023.1 or newer)`);
    }
  }
  for (const [name, proto] of Object.entries(OPTIONAL_PROTOTYPES)) {
    try {
      api[name as keyof typeof OPTIONAL_PROTOTYPES] = lib.func(proto);
    } catch {
      // older runtime: fall back to the variadic, synchronous call
    }
  }
  const v: { buildNumber?: Ptr | null; description?: Ptr | null } = {};
  check(api as Api, 'ov_get_openvino_version', api.ov_get_openvino_version!(v));
  try {
    api.version = v.buildNumber ? koffi.decode.string(v.buildNumber) : 'unknown';
  } finally {
    api.ov_version_free!(v);
  }
  api.elements = elementCodes(u8Code(api as Api));
  apis.set(libraryPath, api as Api);
  return api as Api;
}

/** U8 is 16 in current headers and 13 in older ones (where 16 is U64): the one-element tensor that is one byte. */
function u8Code(api: Api): number | undefined {
  const byteSize = (code: number): number => {
    const t = out();
    if (api.ov_tensor_create(code, { rank: 1, dims: new BigInt64Array([1n]) }, t) !== 0) return 0;
    try {
      const size = [0];
      return api.ov_tensor_get_byte_size(t[0], size) === 0 ? Number(size[0]) : 0;
    } finally {
      api.ov_tensor_free(t[0]);
    }
  };
  if (byteSize(16) === 1) return 16;
  if (byteSize(16) === 8 && byteSize(13) === 1) return 13;
  return undefined;
}

// ── error and memory helpers ─────────────────────────────────────────────────────────────────────

/** Reads and frees a char* that the C API allocated. */
function takeString(api: Api, p: Ptr | null): string {
  if (!p) return '';
  try {
    return koffi.decode.string(p);
  } finally {
    api.ov_free(p);
  }
}

/** OpenVINO's message without its "Exception from src/…cpp:NN:" breadcrumb lines. */
function lastError(api: Api): string {
  const raw = takeString(api, api.ov_get_last_err_msg() as Ptr | null);
  const lines = raw.split('\n').map((l) => l.trimEnd()).filter((l) => l && !/^Exception from \S+:\d+:$/.test(l));
  return lines.join('\n') || 'no details from OpenVINO';
}

class OpenVinoError extends Error {
  constructor(readonly fn: string, readonly status: number, detail: string, context?: string) {
    super(`${context ? `${context}: ` : ''}${fn} failed (status ${status}): ${detail}`);
    this.name = 'OpenVinoError';
  }
}

function check(api: Api, fn: string, status: number, context?: string): void {
  if (status !== 0) throw new OpenVinoError(fn, status, lastError(api), context);
}

function callAsync(fn: Fn, ...args: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    fn.async(...args, (err: unknown, status: number) => (err ? reject(err) : resolve(status)));
  });
}

function out(): [Ptr | null] {
  return [null];
}

// ── ports ────────────────────────────────────────────────────────────────────────────────────────

function readPort(api: Api, ovModel: Ptr, kind: 'input' | 'output', index: number, model: string): PortInfo {
  const fn = kind === 'input' ? 'ov_model_const_input_by_index' : 'ov_model_const_output_by_index';
  const port = out();
  check(api, fn, api[fn](ovModel, index, port), model);
  try {
    const name = out();
    // A port may have no tensor name (some converted IRs); it is then addressed by position.
    const named = api.ov_port_get_any_name(port[0], name) === 0;
    const portName = named ? takeString(api, name[0]) : `${kind}_${index}`;

    const code = [0];
    check(api, 'ov_port_get_element_type', api.ov_port_get_element_type(port[0], code), model);
    const type = api.elements.byCode[code[0]];
    if (!type) throw new Error(`${model}: ${kind} "${portName}" has OpenVINO element type #${code[0]}, which this extension cannot feed or read`);

    const ps: { rank?: { min: number; max: number }; dims?: Ptr | null } = {};
    check(api, 'ov_port_get_partial_shape', api.ov_port_get_partial_shape(port[0], ps), model);
    try {
      const rank = Number(ps.rank!.min);
      if (rank !== Number(ps.rank!.max) || rank < 0) throw new Error(`${model}: ${kind} "${portName}" has a dynamic rank, which this extension does not support`);
      const dims = rank ? (koffi.decode(ps.dims, 'pxov_dimension_t', rank) as { min: number | bigint; max: number | bigint }[]) : [];
      // A dimension is static only when its interval is a single value; bounded ranges count as dynamic.
      const shape = dims.map((d) => (Number(d.min) === Number(d.max) && Number(d.min) >= 0 ? Number(d.min) : -1));
      return { name: portName, type, shape };
    } finally {
      api.ov_partial_shape_free(ps);
    }
  } finally {
    api.ov_output_const_port_free(port[0]);
  }
}

/**
 * The model's ports in order (a compiled model keeps that order). Read before compiling because
 * compilation merges names of fused tensors into ports (the tiny transformer's mask input then
 * answers to "/m/Cast_output_0"), and the C API exposes only one name per port; see model-files.ts.
 */
function readPorts(api: Api, ovModel: Ptr, kind: 'input' | 'output', model: string): PortInfo[] {
  const fn = kind === 'input' ? 'ov_model_inputs_size' : 'ov_model_outputs_size';
  const size = [0];
  check(api, fn, api[fn](ovModel, size), model);
  return Array.from({ length: Number(size[0]) }, (_, i) => readPort(api, ovModel, kind, i, model));
}

// ── tensors ──────────────────────────────────────────────────────────────────────────────────────

/** A tensor allocated by OpenVINO (aligned, owned by the runtime, never moved by the JS GC). */
interface NativeTensor {
  handle: Ptr;
  key: string;
  bytes: Uint8Array;
}

function createNativeTensor(api: Api, type: ElementType, shape: number[], model: string): NativeTensor {
  const handle = out();
  const dims = new BigInt64Array(shape.map(BigInt));
  const code = api.elements.byType[type];
  if (code === undefined) throw new Error(`${model}: OpenVINO ${api.version} has no ${type} tensors here`);
  check(api, 'ov_tensor_create', api.ov_tensor_create(code, { rank: shape.length, dims }, handle), model);
  const data = out();
  const status = api.ov_tensor_data(handle[0], data);
  if (status !== 0) {
    const err = new OpenVinoError('ov_tensor_data', status, lastError(api), model);
    api.ov_tensor_free(handle[0]);
    throw err;
  }
  const byteLength = elementCount(shape) * bytesPerElement(type);
  const bytes = byteLength ? new Uint8Array(koffi.view(data[0], byteLength)) : new Uint8Array(0);
  return { handle: handle[0] as Ptr, key: `${type}${formatShape(shape)}`, bytes };
}

/** Copies an output tensor of the request into a fresh JS tensor. */
function readOutput(api: Api, request: Ptr, index: number, port: PortInfo, model: string): Tensor {
  const handle = out();
  check(api, 'ov_infer_request_get_output_tensor_by_index', api.ov_infer_request_get_output_tensor_by_index(request, index, handle), model);
  try {
    const code = [0];
    check(api, 'ov_tensor_get_element_type', api.ov_tensor_get_element_type(handle[0], code), model);
    const type = api.elements.byCode[code[0]];
    if (!type || type === 'f16' || type === 'bf16') {
      throw new Error(`${model}: output "${port.name}" has element type ${type ?? `#${code[0]}`}, which this engine cannot return; export the model with f32 outputs`);
    }
    const s: { rank?: number | bigint; dims?: Ptr | null } = {};
    check(api, 'ov_tensor_get_shape', api.ov_tensor_get_shape(handle[0], s), model);
    let shape: number[];
    try {
      const rank = Number(s.rank);
      shape = rank ? Array.from(koffi.decode(s.dims, 'int64_t', rank) as ArrayLike<number | bigint>, Number) : [];
    } finally {
      api.ov_shape_free(s);
    }
    const size = [0];
    check(api, 'ov_tensor_get_byte_size', api.ov_tensor_get_byte_size(handle[0], size), model);
    const byteLength = Number(size[0]);
    const copy = new ArrayBuffer(byteLength);
    if (byteLength) {
      const data = out();
      check(api, 'ov_tensor_data', api.ov_tensor_data(handle[0], data), model);
      new Uint8Array(copy).set(new Uint8Array(koffi.view(data[0], byteLength)));
    }
    return { type, shape, data: typedView(type, copy) };
  } finally {
    api.ov_tensor_free(handle[0]);
  }
}

function typedView(type: ElementType, buffer: ArrayBuffer): Tensor['data'] {
  switch (type) {
    case 'f32': return new Float32Array(buffer);
    case 'f64': return new Float64Array(buffer);
    case 'i64': return new BigInt64Array(buffer);
    case 'i32': return new Int32Array(buffer);
    default: return new Uint8Array(buffer);
  }
}

// ── compiled model ───────────────────────────────────────────────────────────────────────────────

class CCompiledModel implements CompiledModel {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly inputTensors: (NativeTensor | undefined)[] = [];
  private disposed = false;
  private released = false;
  private firstCall = true;
  lastInferMs = 0;

  constructor(
    private readonly api: Api,
    private compiled: Ptr,
    private request: Ptr,
    readonly inputs: readonly PortInfo[],
    readonly outputs: readonly PortInfo[],
    private readonly model: string,
    /** Where its weights are mapped from (the model's folder, the compiled-model cache): see mapped-pages.ts */
    private readonly weightDirs: readonly string[],
    private readonly onDispose: (m: CCompiledModel) => void,
  ) {}

  infer(inputs: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    // One infer request per model: calls queue up instead of racing on its tensors.
    const run = this.tail.then(() => this.runOnce(inputs));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async runOnce(inputs: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    if (this.disposed) throw new Error(`${this.model}: infer() after dispose()`);
    checkInputs(this.model, this.inputs, inputs);
    this.inputs.forEach((port, i) => this.feed(i, inputs[port.name]));
    const t0 = performance.now();
    const call = callAsync(this.api.ov_infer_request_infer, this.request);
    // The first call is when OpenVINO copies most weights out of their file mapping.
    const status = this.firstCall ? await dropMappedPagesDuring(this.weightDirs, call) : await call;
    this.lastInferMs = performance.now() - t0;
    this.firstCall = false;
    if (status !== 0) throw new OpenVinoError('ov_infer_request_infer', status, lastError(this.api), this.model);
    const result: Record<string, Tensor> = {};
    this.outputs.forEach((port, i) => {
      result[port.name] = readOutput(this.api, this.request, i, port, this.model);
    });
    return result;
  }

  /** Copies one input into its native tensor, re-creating that tensor only when the shape changes. */
  private feed(index: number, t: Tensor): void {
    const key = `${t.type}${formatShape(t.shape)}`;
    let nt = this.inputTensors[index];
    if (!nt || nt.key !== key) {
      const fresh = createNativeTensor(this.api, t.type, t.shape, this.model);
      const status = this.api.ov_infer_request_set_input_tensor_by_index(this.request, index, fresh.handle);
      if (status !== 0) {
        const err = new OpenVinoError('ov_infer_request_set_input_tensor_by_index', status, lastError(this.api), `${this.model}: input "${this.inputs[index].name}" ${key}`);
        this.api.ov_tensor_free(fresh.handle);
        throw err;
      }
      if (nt) this.api.ov_tensor_free(nt.handle); // the request now holds the new tensor
      this.inputTensors[index] = nt = fresh;
    }
    nt.bytes.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.onDispose(this);
    // A running inference still uses the request: free after the queue drains.
    void this.tail.then(() => this.release());
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    for (const nt of this.inputTensors) if (nt) this.api.ov_tensor_free(nt.handle);
    this.inputTensors.length = 0;
    this.api.ov_infer_request_free(this.request);
    this.api.ov_compiled_model_free(this.compiled);
    this.request = 0n;
    this.compiled = 0n;
  }
}

// ── engine ───────────────────────────────────────────────────────────────────────────────────────

/** The OpenVINO properties (name, value) for compile options; also what benchmarks give other runners. */
export function compileProperties(o: CompileOptions): [string, string][] {
  const props: [string, string][] = [];
  const cacheDir = cacheDirFor(o);
  if (cacheDir) props.push(['CACHE_DIR', cacheDir]);
  if (o.precision) props.push(['INFERENCE_PRECISION_HINT', o.precision]);
  if (o.performanceHint) props.push(['PERFORMANCE_HINT', o.performanceHint]);
  if (o.numThreads !== undefined) {
    if (!Number.isInteger(o.numThreads) || o.numThreads < 0) throw new Error(`numThreads must be a non-negative integer, got ${o.numThreads}`);
    props.push(['INFERENCE_NUM_THREADS', String(o.numThreads)]);
  }
  return props;
}

export class OpenVinoCEngine implements Engine {
  readonly name = 'openvino-c';
  readonly version: string;
  private readonly api: Api;
  private core: Ptr;
  private disposed = false;
  /** compileModel() calls still using the core on a worker thread; the core is freed after them. */
  private compiling = 0;
  private readonly models = new Set<CCompiledModel>();

  /** Loads libopenvino_c from `libraryPath` (see locate-runtime.ts) and creates an OpenVINO core. */
  constructor(readonly libraryPath: string) {
    const api = bind(libraryPath);
    this.api = api;
    this.version = api.version;
    const core = out();
    check(api, 'ov_core_create', api.ov_core_create(core), `OpenVINO ${this.version} from ${libraryPath}`);
    this.core = core[0] as Ptr;
  }

  availableDevices(): string[] {
    this.assertOpen();
    const d: { devices?: Ptr | null; size?: number | bigint } = {};
    check(this.api, 'ov_core_get_available_devices', this.api.ov_core_get_available_devices(this.core, d));
    try {
      const n = Number(d.size ?? 0);
      const ptrs = n ? (koffi.decode(d.devices, 'void *', n) as Ptr[]) : [];
      return ptrs.map((p) => koffi.decode.string(p));
    } finally {
      this.api.ov_available_devices_free(d);
    }
  }

  async compileModel(modelPath: string, options: CompileOptions = {}): Promise<CompiledModel> {
    this.assertOpen();
    checkModelFiles(modelPath);
    const device = options.device ?? 'CPU';
    const props = compileProperties(options);
    const cacheDir = cacheDirFor(options);
    if (cacheDir) mkdirSync(cacheDir, { recursive: true });
    this.compiling++;
    try {
      const weightDirs = [dirname(modelPath), ...(cacheDir ? [cacheDir] : [])];
      const model = await dropMappedPagesDuring(weightDirs, this.readAndCompile(modelPath, device, props, weightDirs));
      if (this.disposed) {
        model.dispose();
        throw new Error(`${modelPath}: the OpenVINO engine was disposed while compiling`);
      }
      this.models.add(model);
      return model;
    } finally {
      this.compiling--;
      if (this.disposed && this.compiling === 0) this.freeCore();
    }
  }

  private async readAndCompile(modelPath: string, device: string, props: [string, string][], weightDirs: string[]): Promise<CCompiledModel> {
    const ovModel = out();
    check(this.api, 'ov_core_read_model', await this.readModel(modelPath, ovModel), `Cannot read ${modelPath}`);
    let ports: { inputs: PortInfo[]; outputs: PortInfo[] };
    const compiled = out();
    // Compiling from the file lets OpenVINO find a cached compiled model by the file alone. Compiling
    // the model we read would hash the whole model, weights included, to find it: for T5-XXL that
    // reads gigabytes it then does not use, slowing a warm start and keeping those pages in memory.
    const fromFile = Boolean(this.api.ov_core_compile_model_from_file_props) && !(process.platform === 'win32' && /[^\x20-\x7e]/.test(modelPath));
    try {
      ports = withIrNames(modelPath, {
        inputs: readPorts(this.api, ovModel[0] as Ptr, 'input', modelPath),
        outputs: readPorts(this.api, ovModel[0] as Ptr, 'output', modelPath),
      });
      if (!fromFile) {
        const status = await this.compile(ovModel[0] as Ptr, device, props, compiled);
        const fn = this.api.ov_core_compile_model_props ? 'ov_core_compile_model_props' : 'ov_core_compile_model';
        check(this.api, fn, status, `Cannot compile ${modelPath} for ${device}`);
      }
    } finally {
      this.api.ov_model_free(ovModel[0]); // the compiled model keeps what it needs
    }
    if (fromFile) {
      const list = props.map(([key, value]) => ({ key, value }));
      const status = await callAsync(this.api.ov_core_compile_model_from_file_props!, this.core, modelPath, device, list.length, list, compiled);
      check(this.api, 'ov_core_compile_model_from_file_props', status, `Cannot compile ${modelPath} for ${device}`);
    }
    const cm = compiled[0] as Ptr;
    try {
      const req = out();
      check(this.api, 'ov_compiled_model_create_infer_request', this.api.ov_compiled_model_create_infer_request(cm, req), modelPath);
      return new CCompiledModel(this.api, cm, req[0] as Ptr, ports.inputs, ports.outputs, modelPath, weightDirs, (m) => this.models.delete(m));
    } catch (e) {
      this.api.ov_compiled_model_free(cm);
      throw e;
    }
  }

  private readModel(path: string, model: [Ptr | null]): Promise<number> {
    const wide = process.platform === 'win32' && /[^\x20-\x7e]/.test(path);
    if (wide && this.api.ov_core_read_model_unicode) {
      return callAsync(this.api.ov_core_read_model_unicode, this.core, path, null, model);
    }
    // bin_path NULL: OpenVINO takes the .bin beside an .xml; ONNX has none.
    return callAsync(this.api.ov_core_read_model, this.core, path, null, model);
  }

  private compile(model: Ptr, device: string, props: [string, string][], compiled: [Ptr | null]): Promise<number> {
    if (this.api.ov_core_compile_model_props) {
      const list = props.map(([key, value]) => ({ key, value }));
      return callAsync(this.api.ov_core_compile_model_props, this.core, model, device, list.length, list, compiled);
    }
    // Variadic key/value char* pairs; koffi cannot run variadic calls off-thread, so this one blocks.
    const varargs = props.flatMap(([k, v]) => ['const char *', k, 'const char *', v]);
    return Promise.resolve(this.api.ov_core_compile_model(this.core, model, device, props.length * 2, compiled, ...varargs) as number);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const m of [...this.models]) m.dispose();
    // Compiled models keep the plugin alive on their own, so the core can go once no compile uses it.
    if (this.compiling === 0) this.freeCore();
  }

  private freeCore(): void {
    if (!this.core) return;
    this.api.ov_core_free(this.core);
    this.core = 0n;
  }

  private assertOpen(): void {
    if (this.disposed) throw new Error('OpenVINO engine used after dispose()');
  }
}
