// The MCP server's one pipeline: loaded on the first call that needs it (a PixArt model is
// gigabytes, and MCP clients start every configured server whether or not it is used), then kept.
// Calls run one at a time in arrival order; a bounded number may wait. A call cancelled while it
// waits gives up its place at once; a load, once started, finishes (OpenVINO cannot stop a
// compile) and is kept for the next call.
import { createEngine } from '../engine';
import type { Engine } from '../engine/types';
import { RuntimeUnavailableError } from '../engine/runtime-error';
import { PixArtPipeline } from '../pipeline/pipeline';
import type { McpOptions } from './args';
import { totalmem } from 'node:os';
import { releasesModels } from '../protocol/memory-mode';

/** Calls that may wait while one runs; more are refused, so a runaway agent cannot pile up work. */
export const MAX_WAITING_CALLS = 8;

export interface Turn {
  pipeline: PixArtPipeline;
  /** Time this call waited for earlier calls. */
  queuedMs: number;
  /** Time this call spent loading the model (0 when it was loaded already). */
  loadMs: number;
}

/** The call was cancelled before it ran. */
export class CancelledWhileWaiting extends Error {
  override name = 'CancelledError';
}

type Loaded = { engine: Engine; pipeline: PixArtPipeline };

export class ModelHost {
  private loaded: Loaded | undefined;
  /** Settles when the last call queued so far is done. */
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(
    private readonly options: McpOptions,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Runs `body` when the calls before it are done, with the model loaded (`onLoad` is told first
   * when this call has to load it). The place in the queue is taken at the call, so calls run in
   * the order they came; `checks` (what needs no model, e.g. the folder) run meanwhile, and their
   * failure, like an abort of `signal` while waiting, rejects at once.
   */
  async exclusive<T>(signal: AbortSignal, onLoad: () => void, body: (turn: Turn) => Promise<T>, checks: Promise<unknown> = Promise.resolve()): Promise<T> {
    if (this.waiting >= MAX_WAITING_CALLS) throw new Error(`${this.waiting} image requests are already waiting; try again when one has finished.`);
    const t0 = performance.now();
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    this.waiting++;
    try {
      await Promise.all([checks, waitUnlessAborted(previous, signal)]);
    } catch (err) {
      void previous.then(release); // keep the order for those behind
      throw err;
    } finally {
      this.waiting--;
    }
    try {
      const queuedMs = performance.now() - t0;
      if (signal.aborted) throw new CancelledWhileWaiting('cancelled before it ran');
      if (!this.loaded) onLoad();
      return await body({ ...(await this.load()), queuedMs });
    } finally {
      release();
    }
  }

  /** The pipeline, loading it the first time; a failed load is tried again by the next call. */
  private async load(): Promise<{ pipeline: PixArtPipeline; loadMs: number }> {
    if (this.loaded) return { pipeline: this.loaded.pipeline, loadMs: 0 };
    const o = this.options;
    const t0 = performance.now();
    try {
      const engine = await createEngine({ runtime: o.runtime, libraryPath: o.openvinoLib ?? undefined, libraryPathLabel: '--openvino-lib' });
      try {
        const pipeline = await PixArtPipeline.load(o.model, engine, { device: o.device, cacheDir: o.cacheDir ?? undefined, precision: o.precision, schedulerConfigFile: o.schedulerConfig ?? undefined, releaseTextEncoder: releasesModels(o.memory, totalmem()) });
        this.loaded = { engine, pipeline };
        const loadMs = performance.now() - t0;
        this.log(`loaded ${pipeline.info.name} from ${o.model} on ${o.device} in ${Math.round(loadMs)} ms (${engine.name} ${engine.version}, ${engine.origin})`);
        return { pipeline, loadMs };
      } catch (err) {
        engine.dispose();
        throw err;
      }
    } catch (err) {
      this.log(`the model did not load: ${err instanceof Error ? err.message : String(err)}`);
      if (err instanceof RuntimeUnavailableError) this.log(err.detail);
      throw err;
    }
  }
}

/** Resolves with `p`, or rejects as soon as `signal` aborts. */
function waitUnlessAborted(p: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new CancelledWhileWaiting('cancelled while waiting'));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(new CancelledWhileWaiting('cancelled while waiting'));
    signal.addEventListener('abort', onAbort, { once: true });
    void p.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
