// Engine over the `openvino-node` npm package (optional dependency). It is required at run time, not
// imported, so that bundles and machines without it still work; the few parts of its API used here
// are typed locally (see openvino-node's types/addon.d.ts, 2026.4).
import { dirname } from 'node:path';
import type { CompileOptions, CompiledModel, ElementType, Engine, Tensor, TensorData } from './types';
import { dataMatchesType } from './tensor';
import { checkModelFiles, withIrNames } from './model-files';
import { cacheDirFor, compileProperties } from './compile-properties';
import { dropMappedPagesDuring } from './mapped-pages';
import { type SerialModelOptions, SerialModel } from './serial-model';

type OvTypedArray = TensorData;
type OvDimension = number | [number, number];

interface OvPartialShape {
  getDimensions(): OvDimension[];
}
interface OvOutput {
  anyName: string;
  getPartialShape(): OvPartialShape;
}
interface OvTensor {
  data: OvTypedArray;
  getElementType(): string | number;
  getShape(): number[];
}
interface OvInferRequest {
  inferAsync(inputs: OvTensor[]): Promise<Record<string, OvTensor>>;
  /**
   * ov::InferRequest::cancel. Not in openvino-node's typings up to 2026.4, so called only where a
   * build has it; elsewhere an aborted call still rejects at once and the runtime finishes it in the
   * background (the model's next call waits for that).
   */
  cancel?(): void;
  getInputTensor(index: number): OvTensor;
  getOutputTensor(index: number): OvTensor;
}
interface OvModel {
  inputs: OvOutput[];
  outputs: OvOutput[];
  getOutputElementType(index: number): string;
}
interface OvCompiledModel {
  inputs: OvOutput[];
  outputs: OvOutput[];
  createInferRequest(): OvInferRequest;
}
interface OvCore {
  getAvailableDevices(): string[];
  readModel(path: string): Promise<OvModel>;
  compileModel(model: OvModel, device: string, config?: Record<string, string | number>): Promise<OvCompiledModel>;
}
interface OvAddon {
  Core: new () => OvCore;
  Tensor: new (type: string, shape: number[], data: OvTypedArray) => OvTensor;
  element?: Record<string, string | number>;
  getOpenvinoVersion?(): { buildNumber: string };
}

/** Loads openvino-node, or throws with the reason it cannot be used here. */
export function loadOpenVinoNode(): OvAddon {
  let mod: { addon?: OvAddon };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('openvino-node');
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    throw new Error(`openvino-node is not usable: ${msg} (it needs Node ≥ 21 and downloads its runtime when installed: npm install openvino-node)`);
  }
  if (!mod?.addon?.Core) throw new Error('openvino-node loaded but exposes no addon.Core; expected openvino-node 2024.0 or newer');
  return mod.addon;
}

const NODE_TYPES: Record<string, ElementType> = { f32: 'f32', f64: 'f64', i64: 'i64', i32: 'i32', u8: 'u8', boolean: 'boolean', f16: 'f16', bf16: 'bf16' };

/** Element type names as openvino-node prints them ("f32", "i64"); older builds return the enum number. */
function elementName(addon: OvAddon, value: string | number): ElementType {
  let name = String(value);
  if (typeof value === 'number' && addon.element) {
    name = Object.keys(addon.element).find((k) => addon.element![k] === value) ?? name;
  }
  const type = NODE_TYPES[name];
  if (!type) throw new Error(`openvino-node reported element type "${name}", which this extension cannot feed or read`);
  return type;
}

function dims(output: OvOutput): number[] {
  // Static dims are numbers; dynamic ones are -1 or a [min, max] interval.
  return output.getPartialShape().getDimensions().map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
}

/** A copy when the array is a view with an offset: openvino-node wraps the whole ArrayBuffer without copying. */
function ownBuffer(data: TensorData): TensorData {
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) return data;
  return data.slice() as TensorData;
}

class NodeCompiledModel extends SerialModel {
  constructor(private readonly addon: OvAddon, private readonly compiled: OvCompiledModel, private readonly request: OvInferRequest, options: SerialModelOptions) {
    super(options);
  }

  protected async run(inputs: Record<string, Tensor>, signal: AbortSignal | undefined): Promise<Record<string, Tensor>> {
    // The typed arrays stay referenced here until inference ends: the runtime reads them in place.
    const data = this.inputs.map((p) => ownBuffer(inputs[p.name].data));
    const tensors = this.inputs.map((p, i) => new this.addon.Tensor(p.type, inputs[p.name].shape, data[i]));
    let results: Record<string, OvTensor>;
    try {
      // By position: inferAsync sets input i from element i, whatever names the compiled ports carry.
      results = await this.nativeCall(() => this.request.inferAsync(tensors), () => this.request.cancel?.(), signal);
    } catch (e) {
      throw new Error(`${this.model}: inference failed: ${(e as Error).message}`);
    }
    const out: Record<string, Tensor> = {};
    this.outputs.forEach((port, i) => {
      const t = results[this.compiled.outputs[i].anyName] ?? this.request.getOutputTensor(i);
      const type = elementName(this.addon, t.getElementType());
      const copy = t.data; // the getter copies out of the runtime
      if (!dataMatchesType(copy, type)) throw new Error(`${this.model}: output "${port.name}" is ${type}, which this engine cannot return`);
      out[port.name] = { type, shape: [...t.getShape()], data: copy };
    });
    void data; // keeps the input arrays alive up to here
    return out;
  }

  protected release(): void {
    // openvino-node frees native objects when they are garbage-collected; dropping them is all we can do.
  }
}

export class OpenVinoNodeEngine implements Engine {
  readonly name = 'openvino-node';
  readonly version: string;
  private core: OvCore | undefined;
  private readonly models = new Set<CompiledModel>();

  readonly origin = 'openvino-node';

  constructor(private readonly addon: OvAddon = loadOpenVinoNode()) {
    this.core = new addon.Core();
    this.version = addon.getOpenvinoVersion?.().buildNumber ?? 'unknown';
  }

  availableDevices(): string[] {
    return this.open().getAvailableDevices();
  }

  async compileModel(modelPath: string, options: CompileOptions = {}): Promise<CompiledModel> {
    const core = this.open();
    checkModelFiles(modelPath);
    const device = options.device ?? 'CPU';
    const config = Object.fromEntries(compileProperties(options));
    const cacheDir = cacheDirFor(options);
    const weightDirs = [dirname(modelPath), ...(cacheDir ? [cacheDir] : [])];
    let model: OvModel;
    try {
      model = await core.readModel(modelPath);
    } catch (e) {
      throw new Error(`Cannot read ${modelPath}: ${(e as Error).message}`);
    }
    let compiled: OvCompiledModel;
    try {
      compiled = await dropMappedPagesDuring(weightDirs, core.compileModel(model, device, config));
    } catch (e) {
      throw new Error(`Cannot compile ${modelPath} for ${device}: ${(e as Error).message}`);
    }
    if (!this.core) throw new Error(`${modelPath}: the OpenVINO engine was disposed while compiling`);
    const request = compiled.createInferRequest();
    // Names from the model as read (compilation can merge extra names into a port); input types from
    // the request's own tensors, since openvino-node's ports do not expose their element type.
    const ports = withIrNames(modelPath, {
      inputs: model.inputs.map((p, i) => ({ name: p.anyName, type: elementName(this.addon, request.getInputTensor(i).getElementType()), shape: dims(p) })),
      outputs: model.outputs.map((p, i) => ({ name: p.anyName, type: elementName(this.addon, model.getOutputElementType(i)), shape: dims(p) })),
    });
    const m = new NodeCompiledModel(this.addon, compiled, request, { ...ports, model: modelPath, weightDirs, onDispose: (x) => this.models.delete(x) });
    this.models.add(m);
    return m;
  }

  dispose(): void {
    for (const m of [...this.models]) m.dispose();
    this.core = undefined;
  }

  private open(): OvCore {
    if (!this.core) throw new Error('OpenVINO engine used after dispose()');
    return this.core;
  }
}
