// The one interface the pipeline sees of an inference runtime. Implementations: OpenVINO through
// openvino-node, and OpenVINO through its C API (koffi). Nothing here knows about PixArt.

export type ElementType = 'f32' | 'f16' | 'bf16' | 'f64' | 'i64' | 'i32' | 'u8' | 'boolean';

export type TensorData = Float32Array | BigInt64Array | Int32Array | Uint8Array | Float64Array;

/** A dense, row-major host tensor. */
export interface Tensor {
  type: ElementType;
  shape: number[];
  data: TensorData;
}

/** A dimension: a fixed size, or -1 when dynamic. */
export type Dim = number;

export interface PortInfo {
  /**
   * The tensor name, as the model's author gave it. (An IR tensor may carry extra generated names,
   * e.g. "/m/Cast_output_0" next to "encoder_attention_mask"; engines report the authored one.)
   */
  name: string;
  type: ElementType;
  /** -1 for a dynamic dimension; the rank itself is always static in the models we load. */
  shape: Dim[];
}

export interface CompileOptions {
  /** OpenVINO device name: CPU (default), GPU, NPU, AUTO… */
  device?: string;
  /** Folder for OpenVINO's compiled-model cache (CACHE_DIR); unset disables caching. */
  cacheDir?: string;
  /** INFERENCE_PRECISION_HINT: 'f32' forces full precision; undefined leaves the device default. */
  precision?: 'f32' | 'f16' | 'bf16';
  /** PERFORMANCE_HINT */
  performanceHint?: 'LATENCY' | 'THROUGHPUT';
  /** INFERENCE_NUM_THREADS; undefined leaves the device default. */
  numThreads?: number;
  /**
   * false turns off the CPU plugin's dynamic quantization of activations for int8/int4-compressed
   * weights (DYNAMIC_QUANTIZATION_GROUP_SIZE 0), which costs ~0.5 % relative in each such matmul;
   * undefined leaves the device default.
   */
  dynamicQuantization?: false;
}

export interface InferOptions {
  /**
   * Aborting it cancels the call: a queued call never runs, and a running one is stopped in the
   * runtime (OpenVINO stops at the next node of its graph). Either way the call rejects at once with
   * an Error named 'AbortError'; the model's next call starts when the runtime has let go of the
   * request, so the model stays usable.
   */
  signal?: AbortSignal;
}

export interface CompiledModel {
  readonly inputs: readonly PortInfo[];
  readonly outputs: readonly PortInfo[];
  /**
   * Runs the model on named inputs. Each input must already have the element type the model
   * declares (see castTensor); a missing, unknown, mistyped or misshapen input rejects with an
   * Error naming the model file and the input. Resolves with the outputs by name, copied out of
   * the runtime into fresh arrays. Must not block the calling thread for the duration of inference.
   * Calls on one model run one at a time, in call order; inputs are read when a call starts, so
   * keep them unchanged until its promise settles (or, when it was aborted, until the next call).
   */
  infer(inputs: Record<string, Tensor>, options?: InferOptions): Promise<Record<string, Tensor>>;
  /**
   * Milliseconds the runtime spent inferring in the last infer() call: the native call alone,
   * without feeding inputs or copying outputs (0 before the first call). What benchmarks compare
   * the pipeline's own time against.
   */
  readonly lastInferMs: number;
  /** Releases the compiled model and its infer request (after a running call ends); idempotent. */
  dispose(): void;
}

export interface Engine {
  /** 'openvino-node' or 'openvino-c' */
  readonly name: string;
  /** Runtime version string, e.g. "2026.4.1-…". */
  readonly version: string;
  /** Where the runtime came from, for logs and the UI: "bundled", "openvino-node", or the library's path. */
  readonly origin: string;
  /** Devices OpenVINO reports, e.g. ['CPU']. */
  availableDevices(): string[];
  /** Reads an OpenVINO IR (.xml with .bin beside it) or an .onnx file and compiles it. */
  compileModel(modelPath: string, options?: CompileOptions): Promise<CompiledModel>;
  /** Releases the runtime and every model compiled by this engine; idempotent. */
  dispose(): void;
}
