// A model compiled by the C engine: its infer request, the native input tensors it feeds (kept
// while their shape holds), and the outputs copied out into JS tensors. Every handle is freed on
// all paths. The inference runs on OpenVINO's threads: started from this thread (so the request is
// busy before anything can cancel it), waited for on a koffi worker thread, cancelled from here.
import koffi from 'koffi';
import type { ElementType, PortInfo, Tensor } from './types';
import { bytesPerElement, elementCount, formatShape } from './tensor';
import { type Api, type Ptr, callAsync, check, failure, out } from './openvino-c-api';
import { type SerialModelOptions, SerialModel } from './serial-model';

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
    const err = failure(api, 'ov_tensor_data', status, model);
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

export class CCompiledModel extends SerialModel {
  private readonly inputTensors: (NativeTensor | undefined)[] = [];

  constructor(private readonly api: Api, private compiled: Ptr, private request: Ptr, options: SerialModelOptions) {
    super(options);
  }

  protected async run(inputs: Record<string, Tensor>, signal: AbortSignal | undefined): Promise<Record<string, Tensor>> {
    this.inputs.forEach((port, i) => this.feed(i, inputs[port.name]));
    const status = await this.nativeCall(() => this.startAndWait(), () => this.api.ov_infer_request_cancel(this.request), signal);
    check(this.api, 'ov_infer_request_wait', status, this.model);
    const result: Record<string, Tensor> = {};
    this.outputs.forEach((port, i) => {
      result[port.name] = readOutput(this.api, this.request, i, port, this.model);
    });
    return result;
  }

  /** Starts the inference; resolves with the status of waiting for it (-13 when it was cancelled). */
  private startAndWait(): Promise<number> {
    check(this.api, 'ov_infer_request_start_async', this.api.ov_infer_request_start_async(this.request), this.model);
    return callAsync(this.api.ov_infer_request_wait, this.request);
  }

  /** Copies one input into its native tensor, re-creating that tensor only when the shape changes. */
  private feed(index: number, t: Tensor): void {
    const key = `${t.type}${formatShape(t.shape)}`;
    let nt = this.inputTensors[index];
    if (!nt || nt.key !== key) {
      const fresh = createNativeTensor(this.api, t.type, t.shape, this.model);
      const status = this.api.ov_infer_request_set_input_tensor_by_index(this.request, index, fresh.handle);
      if (status !== 0) {
        const err = failure(this.api, 'ov_infer_request_set_input_tensor_by_index', status, `${this.model}: input "${this.inputs[index].name}" ${key}`);
        this.api.ov_tensor_free(fresh.handle);
        throw err;
      }
      if (nt) this.api.ov_tensor_free(nt.handle); // the request now holds the new tensor
      this.inputTensors[index] = nt = fresh;
    }
    nt.bytes.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }

  protected release(): void {
    for (const nt of this.inputTensors) if (nt) this.api.ov_tensor_free(nt.handle);
    this.inputTensors.length = 0;
    this.api.ov_infer_request_free(this.request);
    this.api.ov_compiled_model_free(this.compiled);
    this.request = 0n;
    this.compiled = 0n;
  }
}
