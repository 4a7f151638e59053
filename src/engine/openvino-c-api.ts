// The koffi binding of OpenVINO's C API (libopenvino_c): loading the library, the struct types and
// function prototypes used, and the helpers every call needs (status check, last error, strings
// the C API allocates, calls on koffi's worker threads). No engine logic: see openvino-c.ts.
import { RuntimeUnavailableError, explainLoadError } from './runtime-error';
import { dirname } from 'node:path';
import koffi, { type LibraryHandle, type TypeObject } from 'koffi';
import type { ElementType } from './types';

export type Ptr = bigint;
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
  ov_infer_request_start_async: 'int ov_infer_request_start_async(void *request)',
  ov_infer_request_wait: 'int ov_infer_request_wait(void *request)',
  ov_infer_request_cancel: 'int ov_infer_request_cancel(void *request)',
  ov_infer_request_free: 'void ov_infer_request_free(void *request)',
} as const;

// Newer than the rest (non-variadic, hence callable asynchronously); used when the runtime has them.
const OPTIONAL_PROTOTYPES = {
  ov_core_compile_model_props: 'int ov_core_compile_model_props(void *core, void *model, const char *device, size_t n, const pxov_property_t *props, _Out_ void **compiled)',
  ov_core_compile_model_from_file_props: 'int ov_core_compile_model_from_file_props(void *core, const char *path, const char *device, size_t n, const pxov_property_t *props, _Out_ void **compiled)',
  // Only on Windows, where a char* path is read in the ANSI code page and wchar_t is UTF-16.
  ov_core_read_model_unicode: 'int ov_core_read_model_unicode(void *core, const char16_t *path, const char16_t *bin_path, _Out_ void **model)',
} as const;

export type Api = Record<keyof typeof PROTOTYPES, Fn> &
  Partial<Record<keyof typeof OPTIONAL_PROTOTYPES, Fn>> & {
    version: string;
    elements: ReturnType<typeof elementCodes>;
  };

const apis = new Map<string, Api>();

/** The C API of the libopenvino_c at `libraryPath`, loaded once per path. */
export function bind(libraryPath: string): Api {
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
    const loader = (e as Error).message;
    throw new RuntimeUnavailableError(`OpenVINO at ${libraryPath} could not be loaded: ${explainLoadError(libraryPath, loader)}.`, `loading ${libraryPath}: ${loader}`);
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
export function takeString(api: Api, p: Ptr | null): string {
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

/** The error for a failed call, with OpenVINO's last message; for when something must be freed before throwing. */
export function failure(api: Api, fn: string, status: number, context?: string): Error {
  return new OpenVinoError(fn, status, lastError(api), context);
}

export function check(api: Api, fn: string, status: number, context?: string): void {
  if (status !== 0) throw failure(api, fn, status, context);
}

export function callAsync(fn: Fn, ...args: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    fn.async(...args, (err: unknown, status: number) => (err ? reject(err) : resolve(status)));
  });
}

/** An out-parameter slot for a pointer. */
export function out(): [Ptr | null] {
  return [null];
}
