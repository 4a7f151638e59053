// Starts the inference worker thread once, keeps it, and restarts it when it dies: the job that
// was running fails with a message, the model is loaded again, nothing else is lost. Disposing stops
// the thread's work before ending the thread: a thread that is terminated mid-inference lives on
// until the runtime's call returns (tens of seconds for a decode at 1024²), so the worker is first
// told to unload, which cancels that call, and then terminated.
// Node only (worker_threads), no VS Code.

import { Worker } from 'node:worker_threads';
import type { HostToWorker, LoadOptions, WorkerToHost } from '../protocol/messages';

export interface WorkerClientListener {
  onMessage(msg: WorkerToHost): void;
  /**
   * The worker died; `jobId` is the job it was running, if any. `restarting` is false when it died
   * too often to be restarted now (the next send starts it again).
   */
  onCrash(reason: string, jobId: string | undefined, restarting: boolean): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

const CRASH_WINDOW_MS = 60_000;
const MAX_CRASHES_IN_WINDOW = 3;
/** How long dispose() waits for the worker to take in the unload before terminating it regardless. */
const STOP_WAIT_MS = 1000;
/** A token-count request id the host never uses: its reply proves the worker has read what was sent before. */
const PING_ID = -1;

export class WorkerClient {
  private worker: Worker | undefined;
  private lastLoad: LoadOptions | undefined;
  private runningJob: string | undefined;
  private crashes: number[] = [];
  /** The last uncaught error of the current worker (e.g. a native module that failed to load). */
  private lastError: string | undefined;
  private disposed = false;
  private disposing: Promise<void> | undefined;
  /** Threads started and not yet exited (a terminated one counts until it has really ended). */
  private readonly alive = new Set<Worker>();
  private pong: (() => void) | undefined;

  constructor(
    private readonly scriptPath: string,
    private readonly listener: WorkerClientListener,
    private readonly createWorker: (path: string) => Worker = (p) => new Worker(p, { stdout: false, stderr: false }),
  ) {}

  get started(): boolean {
    return !!this.worker;
  }

  /** Worker threads that have not exited yet, including ones being terminated. */
  get threads(): number {
    return this.alive.size;
  }

  /** Sends a message, starting the worker first when needed. */
  send(msg: HostToWorker): void {
    if (this.disposed) return;
    if (msg.type === 'load') this.lastLoad = msg.options;
    if (msg.type === 'unload') this.lastLoad = undefined;
    if (msg.type === 'generate') this.runningJob = msg.jobId;
    this.ensure().postMessage(msg);
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = this.createWorker(this.scriptPath);
    this.worker = w;
    this.alive.add(w);
    this.listener.log('info', `worker started (thread ${w.threadId})`);
    w.on('message', (msg: WorkerToHost) => {
      if (msg.type === 'tokens' && msg.requestId === PING_ID) return this.pong?.();
      if ((msg.type === 'done' || msg.type === 'failed') && msg.jobId === this.runningJob) this.runningJob = undefined;
      this.listener.onMessage(msg);
    });
    w.on('error', (err) => {
      this.lastError = err.message;
      this.listener.log('error', `worker error: ${err.stack ?? err.message}`);
    });
    w.on('exit', (code) => {
      this.alive.delete(w);
      if (this.worker !== w) return;
      this.worker = undefined;
      if (this.disposed) return;
      const job = this.runningJob;
      this.runningJob = undefined;
      const reason = `The image worker stopped unexpectedly (exit code ${code}${this.lastError ? `: ${this.lastError}` : ''}).`;
      this.lastError = undefined;
      this.listener.log('error', reason);
      const now = Date.now();
      this.crashes = this.crashes.filter((t) => now - t < CRASH_WINDOW_MS).concat(now);
      if (this.crashes.length > MAX_CRASHES_IN_WINDOW) {
        this.listener.log('error', `worker crashed ${this.crashes.length} times in a minute; it restarts on the next request`);
        this.listener.onCrash(reason, job, false);
        return;
      }
      this.listener.onCrash(reason, job, !!this.lastLoad);
      // Restart at once and warm the model again so the next job does not pay for it.
      if (this.lastLoad) this.send({ type: 'load', options: this.lastLoad });
    });
    return w;
  }

  /** Stops the worker (it restarts on the next send). */
  async terminate(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.runningJob = undefined;
    if (w) await w.terminate();
  }

  /**
   * Cancels what the worker is running and ends its thread; resolves when the thread has exited
   * (at once when the runtime stops at its next node; a node that runs long, e.g. the VAE's
   * attention at a large size, is waited for).
   */
  dispose(): Promise<void> {
    this.disposing ??= this.stopAndTerminate();
    return this.disposing;
  }

  private async stopAndTerminate(): Promise<void> {
    this.disposed = true;
    const w = this.worker;
    if (w) {
      // The worker cancels its running job and warm-up as it reads the unload; the ping's reply,
      // which comes after, says it has.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const read = new Promise<void>((resolve) => {
        this.pong = resolve;
        timer = setTimeout(resolve, STOP_WAIT_MS);
      });
      w.postMessage({ type: 'unload' } satisfies HostToWorker);
      w.postMessage({ type: 'countTokens', requestId: PING_ID, text: '' } satisfies HostToWorker);
      await read;
      clearTimeout(timer);
      this.pong = undefined;
    }
    await this.terminate();
  }
}
