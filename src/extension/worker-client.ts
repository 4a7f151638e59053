// Starts the inference worker thread once, keeps it, and restarts it when it dies: the job that
// was running fails with a message, the model is loaded again, nothing else is lost.
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

export class WorkerClient {
  private worker: Worker | undefined;
  private lastLoad: LoadOptions | undefined;
  private runningJob: string | undefined;
  private crashes: number[] = [];
  /** The last uncaught error of the current worker (e.g. a native module that failed to load). */
  private lastError: string | undefined;
  private disposed = false;

  constructor(
    private readonly scriptPath: string,
    private readonly listener: WorkerClientListener,
    private readonly createWorker: (path: string) => Worker = (p) => new Worker(p, { stdout: false, stderr: false }),
  ) {}

  get started(): boolean {
    return !!this.worker;
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
    this.listener.log('info', `worker started (thread ${w.threadId})`);
    w.on('message', (msg: WorkerToHost) => {
      if ((msg.type === 'done' || msg.type === 'failed') && msg.jobId === this.runningJob) this.runningJob = undefined;
      this.listener.onMessage(msg);
    });
    w.on('error', (err) => {
      this.lastError = err.message;
      this.listener.log('error', `worker error: ${err.stack ?? err.message}`);
    });
    w.on('exit', (code) => {
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

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.terminate();
  }
}
