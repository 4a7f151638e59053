// What both engines' compiled models share: one infer request per model, so calls queue up instead
// of racing on its tensors; inputs checked in our words before the runtime sees them; the native
// call timed (lastInferMs); and mapped weight pages dropped during the first call, which is when
// OpenVINO copies most weights out of their file mapping (see mapped-pages.ts).
import type { CompiledModel, PortInfo, Tensor } from './types';
import { checkInputs } from './tensor';
import { dropMappedPagesDuring } from './mapped-pages';

/** A compiled model's ports, file and owner: all but its runtime's objects. */
export interface SerialModelOptions {
  inputs: readonly PortInfo[];
  outputs: readonly PortInfo[];
  /** The model file, which every error message names. */
  model: string;
  /** Where its weights are mapped from (the model's folder, the compiled-model cache). */
  weightDirs: readonly string[];
  /** Called once, by the first dispose(). */
  onDispose: (m: CompiledModel) => void;
}

export abstract class SerialModel implements CompiledModel {
  readonly inputs: readonly PortInfo[];
  readonly outputs: readonly PortInfo[];
  protected readonly model: string;
  private readonly weightDirs: readonly string[];
  private readonly onDispose: (m: CompiledModel) => void;
  private tail: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private firstCall = true;
  lastInferMs = 0;

  constructor(o: SerialModelOptions) {
    this.inputs = o.inputs;
    this.outputs = o.outputs;
    this.model = o.model;
    this.weightDirs = o.weightDirs;
    this.onDispose = o.onDispose;
  }

  infer(inputs: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const run = this.tail.then(() => this.runChecked(inputs));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async runChecked(inputs: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    if (this.disposed) throw new Error(`${this.model}: infer() after dispose()`);
    checkInputs(this.model, this.inputs, inputs);
    return this.run(inputs);
  }

  /** One inference on inputs that match the ports; it calls the runtime through nativeCall(). */
  protected abstract run(inputs: Record<string, Tensor>): Promise<Record<string, Tensor>>;

  /** Starts the runtime's inference and times it; the first one also drops mapped weight pages. */
  protected async nativeCall<T>(start: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    const call = start();
    const result = this.firstCall ? await dropMappedPagesDuring(this.weightDirs, call) : await call;
    this.lastInferMs = performance.now() - t0;
    this.firstCall = false;
    return result;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.onDispose(this);
    // A running inference still uses the request: release after the queue drains.
    void this.tail.then(() => this.release());
  }

  /** Frees the native objects; runs once, after the last queued call. */
  protected abstract release(): void;
}
