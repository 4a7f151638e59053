// Starts the inference worker process once, keeps it, and restarts it when it dies: the job that
// was running fails with a message, the model is loaded again, and the jobs sent but not yet
// started go to the new process, so nothing else is lost. Every new process is given the last
// model before anything else. Disposing stops the worker's work before ending the process: it is
// told to unload, which cancels the runtime's call, and killed at the latest a second later.
// Node only (child_process), no VS Code.

import type { ChildProcess } from 'node:child_process';
import type { HostToWorker, LoadOptions, WorkerToHost } from '../protocol/messages';
import { forkWorker, WorkerOutput, type StartWorker } from './worker-process';

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
/** How long dispose() waits for the worker to take in the unload before killing it regardless. */
const STOP_WAIT_MS = 1000;
/** A token-count request id the host never uses: its reply proves the worker has read what was sent before. */
const PING_ID = -1;

type Generate = Extract<HostToWorker, { type: 'generate' }>;

interface Running {
  child: ChildProcess;
  output: WorkerOutput;
}

export class WorkerClient {
  private worker: Running | undefined;
  private lastLoad: LoadOptions | undefined;
  /** Jobs sent to the current process that have not ended, in the order sent. */
  private readonly sent = new Map<string, Generate>();
  /** The job the worker said it started and has not ended. */
  private runningJob: string | undefined;
  private crashes: number[] = [];
  private disposed = false;
  private disposing: Promise<void> | undefined;
  /** Processes started and not yet exited, each with what resolves when it has. */
  private readonly alive = new Map<ChildProcess, Promise<void>>();
  private pong: (() => void) | undefined;

  constructor(
    private readonly scriptPath: string,
    private readonly listener: WorkerClientListener,
    private readonly startWorker: StartWorker = forkWorker,
  ) {}

  get started(): boolean {
    return !!this.worker;
  }

  /** Worker processes that have not exited yet, including ones being killed. */
  get processes(): number {
    return this.alive.size;
  }

  /** Sends a message, starting the worker first when needed. */
  send(msg: HostToWorker): void {
    if (this.disposed) return;
    if (msg.type === 'load') this.lastLoad = msg.options;
    if (msg.type === 'unload') this.lastLoad = undefined;
    if (msg.type === 'generate') this.sent.set(msg.jobId, msg);
    this.post(this.ensure(msg), msg);
  }

  private post(child: ChildProcess, msg: HostToWorker): void {
    // A process that has just died drops the message; its exit handler deals with the jobs.
    if (child.connected) child.send(msg, (err) => err && this.listener.log('warn', `worker did not take a ${msg.type} message: ${err.message}`));
  }

  /** The running process, or a new one; a new one first loads the last model unless `first` is a load or unload. */
  private ensure(first?: HostToWorker): ChildProcess {
    if (this.worker) return this.worker.child;
    const child = this.startWorker(this.scriptPath);
    const output = new WorkerOutput(child, (level, message) => this.listener.log(level, message));
    this.worker = { child, output };
    let closed!: () => void;
    this.alive.set(child, new Promise<void>((resolve) => (closed = resolve)));
    this.listener.log('info', `worker started (process ${child.pid ?? 'not started'})`);
    let startError: string | undefined;
    child.on('message', (msg: WorkerToHost) => this.onMessage(msg));
    child.on('error', (err) => {
      if (child.pid === undefined) startError = err.message;
      this.listener.log('error', `worker process error: ${err.message}`);
    });
    // 'close' comes after the exit and after the last of its output (which may name the crash),
    // also for a process that could not be started.
    child.once('close', (code, signal) => {
      this.onExit(child, code, signal, startError);
      closed();
    });
    if (this.lastLoad && first?.type !== 'load' && first?.type !== 'unload') this.post(child, { type: 'load', options: this.lastLoad });
    return child;
  }

  private onMessage(msg: WorkerToHost): void {
    if (msg.type === 'tokens' && msg.requestId === PING_ID) return this.pong?.();
    if (msg.type === 'started') {
      this.runningJob = msg.jobId;
      return;
    }
    if (msg.type === 'done' || msg.type === 'failed') {
      this.sent.delete(msg.jobId);
      if (this.runningJob === msg.jobId) this.runningJob = undefined;
    }
    this.listener.onMessage(msg);
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, startError?: string): void {
    this.alive.delete(child);
    if (this.worker?.child !== child) return;
    const why = startError ?? this.worker.output.errorLine;
    this.worker = undefined;
    if (this.disposed) return;
    const lost = this.runningJob;
    const unstarted = [...this.sent.values()].filter((m) => m.jobId !== lost);
    this.runningJob = undefined;
    this.sent.clear();
    const reason = `The image worker stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}${why ? `: ${why}` : ''}).`;
    this.listener.log('error', reason);
    const now = Date.now();
    this.crashes = this.crashes.filter((t) => now - t < CRASH_WINDOW_MS).concat(now);
    const gaveUp = this.crashes.length > MAX_CRASHES_IN_WINDOW;
    if (gaveUp) this.listener.log('error', `worker crashed ${this.crashes.length} times in a minute; it restarts on the next request`);
    const restarting = !gaveUp && !!this.lastLoad;
    // Restart at once with the model, so the next job does not pay for it, and hand the new
    // process the jobs the old one never started, before anything the listener sends.
    if (restarting && this.lastLoad) {
      this.send({ type: 'load', options: this.lastLoad });
      for (const m of unstarted) this.send(m);
    }
    this.listener.onCrash(reason, lost, restarting);
    if (!restarting) {
      for (const m of unstarted) this.listener.onMessage({ type: 'failed', jobId: m.jobId, message: `${reason} The job had not started.`, cancelled: false });
    }
  }

  /**
   * Cancels what the worker is running and ends its process; resolves when the process has
   * exited. The worker is killed once it has read the unload (its runtime call cancelled), or
   * after a second if it does not answer.
   */
  dispose(): Promise<void> {
    this.disposing ??= this.stopAndKill();
    return this.disposing;
  }

  private async stopAndKill(): Promise<void> {
    this.disposed = true;
    const w = this.worker;
    this.worker = undefined;
    if (w?.child.connected) {
      // The worker cancels its running job and warm-up as it reads the unload; the ping's reply,
      // which comes after, says it has.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const read = new Promise<void>((resolve) => {
        this.pong = resolve;
        timer = setTimeout(resolve, STOP_WAIT_MS);
      });
      this.post(w.child, { type: 'unload' });
      this.post(w.child, { type: 'countTokens', requestId: PING_ID, text: '' });
      await read;
      clearTimeout(timer);
      this.pong = undefined;
    }
    for (const child of this.alive.keys()) child.kill('SIGKILL');
    await Promise.all(this.alive.values());
  }
}
