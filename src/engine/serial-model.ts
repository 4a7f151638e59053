// What both engines' compiled models share: one infer request per model, so calls queue up instead
// of racing on its tensors; inputs checked in our words before the runtime sees them; the native
// call timed (lastInferMs); cancel (a queued call is skipped, a running one stopped in the runtime);
// and mapped weight pages dropped during the first call, which is when OpenVINO copies most weights
// out of their file mapping (see mapped-pages.ts).
import type { CompiledModel, InferOptions, PortInfo, Tensor } from './types';
import { checkInputs, tensor } from './tensor';
import { dropMappedPagesDuring } from './mapped-pages';
import { type CallShapes, ShapeHistory } from './stale-shapes';

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

/** The rejection of an aborted infer() call. */
export function abortError(model: string): Error {
  const e = new Error(`${model}: inference cancelled`);
  e.name = 'AbortError';
  return e;
}

/**
 * `work`, or a rejection as soon as `signal` aborts. The work itself goes on settling in the
 * background (the runtime is stopping it); the model's queue waits for that, not for this.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal, model: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(model));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    const done = () => signal.removeEventListener('abort', onAbort);
    work.then((v) => (done(), resolve(v)), (e) => (done(), reject(e)));
  });
}

export abstract class SerialModel implements CompiledModel {
  readonly inputs: readonly PortInfo[];
  readonly outputs: readonly PortInfo[];
  protected readonly model: string;
  private readonly weightDirs: readonly string[];
  private readonly onDispose: (m: CompiledModel) => void;
  /** Settles when the runtime is done with the last queued call (not when an aborted caller gave up). */
  private tail: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private firstCall = true;
  private readonly shapes = new ShapeHistory();
  /** The last repair call was cut short (see repairShapes). */
  private repairCutShort = false;
  lastInferMs = 0;

  constructor(o: SerialModelOptions) {
    this.inputs = o.inputs;
    this.outputs = o.outputs;
    this.model = o.model;
    this.weightDirs = o.weightDirs;
    this.onDispose = o.onDispose;
  }

  infer(inputs: Record<string, Tensor>, options: InferOptions = {}): Promise<Record<string, Tensor>> {
    const { signal } = options;
    const work = this.tail.then(() => this.runChecked(inputs, signal));
    this.tail = work.catch(() => undefined);
    return signal ? untilAborted(work, signal, this.model) : work;
  }

  private async runChecked(inputs: Record<string, Tensor>, signal: AbortSignal | undefined): Promise<Record<string, Tensor>> {
    if (signal?.aborted) throw abortError(this.model); // aborted while queued: never runs
    if (this.disposed) throw new Error(`${this.model}: infer() after dispose()`);
    checkInputs(this.model, this.inputs, inputs);
    const shapes = this.inputs.map((p) => inputs[p.name].shape);
    if (this.shapes.needsRepair(shapes)) await this.repairShapes(signal);
    return this.tracked(shapes, () => this.run(inputs, signal));
  }

  /** Runs `call`, noting whether it completed (see stale-shapes.ts). */
  private async tracked<T>(shapes: CallShapes, call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      this.shapes.completed(shapes);
      return result;
    } catch (e) {
      this.shapes.interrupted(shapes);
      throw e;
    }
  }

  /**
   * One small call on zeros, at shapes that make OpenVINO re-infer what a cut-short call left stale.
   * It is cancelled with the job, unless the previous repair was cut short too: each cut-short call
   * adds a value the next repair must avoid, so a run of cancelled jobs would double the repair's
   * size without end (measured: the tiny VAE's batch reached 2048 and the worker 4.7 GB).
   */
  private async repairShapes(signal: AbortSignal | undefined): Promise<void> {
    const shapes = this.shapes.repairShapes();
    const cancellable = !this.repairCutShort;
    try {
      const zeros = Object.fromEntries(this.inputs.map((p, i) => [p.name, tensor(p.type, shapes[i])]));
      await this.tracked(shapes, () => this.run(zeros, cancellable ? signal : undefined));
      this.repairCutShort = false;
    } catch {
      this.repairCutShort = cancellable;
      // the real call then says what is wrong, if anything is
    }
  }

  /** One inference on inputs that match the ports; it calls the runtime through nativeCall(). */
  protected abstract run(inputs: Record<string, Tensor>, signal: AbortSignal | undefined): Promise<Record<string, Tensor>>;

  /**
   * Starts the runtime's inference and times it; the first one also drops mapped weight pages.
   * `start` must leave the request busy before it returns, so that `cancel` (called on abort, on
   * this thread, while the runtime works on another) always reaches the call it is meant for.
   */
  protected async nativeCall<T>(start: () => Promise<T>, cancel: () => void, signal: AbortSignal | undefined): Promise<T> {
    if (signal?.aborted) throw abortError(this.model); // e.g. during a repair call before this one
    const t0 = performance.now();
    const call = start();
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      const result = this.firstCall ? await dropMappedPagesDuring(this.weightDirs, call) : await call;
      this.lastInferMs = performance.now() - t0;
      this.firstCall = false;
      return result;
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
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
