// Engine over OpenVINO's C API (libopenvino_c), called through koffi. Works with the runtime that the
// `openvino` Python wheel ships, so no native addon has to be built or downloaded for Node.
//
// Ownership: every handle the C API hands out (core, model, port, strings, shape arrays) is freed
// here on all paths; compiled models and their tensors are openvino-c-model.ts's. Long calls
// (compile, infer) run on koffi's worker threads through `.async`, so the JS thread stays free to
// receive messages (cancel). The binding itself is openvino-c-api.ts.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import koffi from 'koffi';
import type { CompileOptions, CompiledModel, Engine, PortInfo } from './types';
import { checkModelFiles, withIrNames } from './model-files';
import { cacheDirFor, compileProperties } from './compile-properties';
import { dropMappedPagesDuring } from './mapped-pages';
import { type Api, type Ptr, bind, callAsync, check, out, takeString } from './openvino-c-api';
import { CCompiledModel } from './openvino-c-model';

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

// ── engine ───────────────────────────────────────────────────────────────────────────────────────

export class OpenVinoCEngine implements Engine {
  readonly name = 'openvino-c';
  readonly version: string;
  private readonly api: Api;
  private core: Ptr;
  private disposed = false;
  /** compileModel() calls still using the core on a worker thread; the core is freed after them. */
  private compiling = 0;
  private readonly models = new Set<CompiledModel>();

  /** Loads libopenvino_c from `libraryPath` (see locate-runtime.ts) and creates an OpenVINO core. */
  constructor(readonly libraryPath: string, readonly origin: string = libraryPath) {
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
    // Formats were checked (model-files.ts), so a failure here is a damaged file more often than not.
    check(this.api, 'ov_core_read_model', await this.readModel(modelPath, ovModel), `Cannot read ${modelPath} (damaged or cut short? copy or convert the model again)`);
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
      return new CCompiledModel(this.api, cm, req[0] as Ptr, { ...ports, model: modelPath, weightDirs, onDispose: (m) => this.models.delete(m) });
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
