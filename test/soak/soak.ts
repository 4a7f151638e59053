// A soak run: many generations through the real worker thread (dist/worker.js) under the host's
// WorkerClient, sent in queues of 20, some cancelled at a random step, the thread killed from
// outside every 50 jobs (as a native crash would end it), the process's RSS and open fds sampled
// as it goes. Every job must end as done, cancelled or failed with a message, within a timeout.
// WorkerClient restarts a killed thread and reloads the model; like the host's job queue, this
// harness fails the job that was running with the client's reason and sends the jobs queued
// behind it to the new thread (they were never run).
import { Worker } from 'node:worker_threads';
import { WorkerClient } from '../../src/extension/worker-client';
import type { LoadOptions, WorkerToHost } from '../../src/protocol/messages';
import { planJobs, type PlannedJob } from './plan';
import { formatSample, sample, verdict, type Limits, type Outcome, type Sample } from './resources';

export interface SoakOptions {
  workerScript: string;
  load: LoadOptions;
  jobs: number;
  seed: number;
  /** Jobs sent back to back, waited for together (20). */
  queue?: number;
  killEvery?: number;
  cancelRate?: number;
  sampleEvery?: number;
  /** The sample growth is measured from (after this many jobs). */
  warmupJob?: number;
  /** Longest a job may take from the moment it is first in line. */
  jobTimeoutMs?: number;
  limits?: Limits;
  log?: (line: string) => void;
}

export interface SoakResult {
  counts: Record<Outcome['status'], number>;
  /** Jobs a cancel was sent for that finished first. */
  cancelsTooLate: number;
  /** The jobs (1-based) the worker was killed in. */
  killedAt: number[];
  /** Each distinct message of a failed (not cancelled) job, with how many jobs ended with it. */
  failureMessages: Map<string, number>;
  samples: Sample[];
  warm: Sample;
  end: Sample;
  seconds: number;
  /** Why the run fails; empty when it passes. */
  failures: string[];
}

export const DEFAULT_LIMITS: Limits = { rssPct: 5, fdPct: 5, fdAbs: 2 };

class Soak {
  readonly outcomes = new Map<string, Outcome>();
  readonly killed: string[] = [];
  readonly samples: Sample[] = [];
  cancelsSent = new Set<string>();
  private readonly client: WorkerClient;
  private thread: Worker | undefined;
  /** Jobs sent and not ended, in the worker's order: the first one is running. */
  private inFlight: PlannedJob[] = [];
  private headSince = 0;
  private batchEnded: (() => void) | undefined;
  private loaded: { resolve: () => void; reject: (e: Error) => void } | undefined;
  readonly t0 = performance.now();

  constructor(private readonly o: Required<Omit<SoakOptions, 'log'>> & Pick<SoakOptions, 'log'>) {
    this.client = new WorkerClient(o.workerScript, {
      onMessage: (m) => this.onMessage(m),
      onCrash: (reason, _job, restarting) => this.onCrash(reason, restarting),
      log: (level, message) => level === 'error' && this.log(`  [client] ${message}`),
    }, (path) => (this.thread = new Worker(path, { stdout: false, stderr: false })));
  }

  private log(line: string): void {
    this.o.log?.(line);
  }

  load(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.loaded = { resolve, reject };
      this.client.send({ type: 'load', options: this.o.load });
    });
  }

  /** Sends the jobs back to back; resolves when each has ended (or timed out). */
  runQueue(jobs: PlannedJob[]): Promise<void> {
    const ended = new Promise<void>((resolve) => (this.batchEnded = resolve));
    this.inFlight.push(...jobs);
    this.headSince = performance.now();
    for (const j of jobs) this.client.send({ type: 'generate', jobId: j.id, job: j.job });
    return ended;
  }

  /** Jobs still in line longer than the timeout are hung: they end the run. */
  checkTimeout(): boolean {
    if (!this.inFlight.length || performance.now() - this.headSince < this.o.jobTimeoutMs) return false;
    for (const j of this.inFlight) this.outcomes.set(j.id, { status: 'hung' });
    this.log(`  ${this.inFlight.length} job(s) hung: ${this.inFlight[0].id} got no end in ${this.o.jobTimeoutMs / 1000} s`);
    this.inFlight = [];
    this.batchEnded?.();
    return true;
  }

  private onMessage(m: WorkerToHost): void {
    if (m.type === 'loaded') return this.loaded?.resolve();
    if (m.type === 'loadFailed') {
      this.log(`  load failed: ${m.message}`);
      return this.loaded?.reject(new Error(m.message));
    }
    if (m.type === 'log' && m.level === 'error') return this.log(`  [worker] ${m.message}`);
    if (m.type === 'progress') return this.onProgress(m.jobId, m.step);
    if (m.type === 'done') return this.end(m.jobId, { status: 'done' });
    if (m.type === 'failed') this.end(m.jobId, { status: m.cancelled ? 'cancelled' : 'failed', message: m.message });
  }

  private onProgress(jobId: string, step: number): void {
    const j = this.inFlight.find((x) => x.id === jobId);
    if (!j) return;
    if (j.cancelAfterStep === step) {
      this.cancelsSent.add(j.id);
      this.client.send({ type: 'cancel', jobId });
    }
    if (j.killAfterStep === step && !this.killed.includes(j.id)) {
      this.killed.push(j.id);
      void this.thread?.terminate();
    }
  }

  private end(jobId: string, outcome: Outcome): void {
    const i = this.inFlight.findIndex((x) => x.id === jobId);
    if (i < 0) return;
    this.inFlight.splice(i, 1);
    this.outcomes.set(jobId, outcome);
    this.headSince = performance.now();
    const n = this.outcomes.size;
    if (n % this.o.sampleEvery === 0 || n === this.o.warmupJob) {
      const s = sample(n, this.t0);
      this.samples.push(s);
      this.log(formatSample(s));
    }
    if (!this.inFlight.length) this.batchEnded?.();
  }

  /** The running job is lost with the thread; the ones behind it go to the new thread. */
  private onCrash(reason: string, restarting: boolean): void {
    const [lost, ...queued] = this.inFlight;
    this.log(`  worker killed during ${lost?.id ?? 'no job'}; ${restarting ? 'the client restarts it' : 'restarting it on the next send'}`);
    // A client that gave up restarts the thread on the next send, without the model: load it
    // before anything else is sent (the next queue is sent as soon as `lost` ends).
    if (!restarting) this.client.send({ type: 'load', options: this.o.load });
    if (lost) this.end(lost.id, { status: 'failed', message: reason });
    // After the client has sent its own reload (when it returns from this call).
    queueMicrotask(() => {
      for (const j of queued) this.client.send({ type: 'generate', jobId: j.id, job: j.job });
    });
  }

  dispose(): Promise<void> {
    return this.client.dispose();
  }
}

function withDefaults(o: SoakOptions): ConstructorParameters<typeof Soak>[0] {
  return { queue: 20, killEvery: 50, cancelRate: 0.2, sampleEvery: 10, warmupJob: 30, jobTimeoutMs: 60_000, limits: DEFAULT_LIMITS, ...o };
}

function summarise(soak: Soak, o: ConstructorParameters<typeof Soak>[0], hung: boolean): SoakResult {
  const counts = { done: 0, cancelled: 0, failed: 0, hung: 0 };
  const failureMessages = new Map<string, number>();
  for (const out of soak.outcomes.values()) {
    counts[out.status]++;
    if (out.status === 'failed') failureMessages.set(out.message, (failureMessages.get(out.message) ?? 0) + 1);
  }
  const end = sample(soak.outcomes.size, soak.t0);
  const warm = soak.samples.find((s) => s.job >= o.warmupJob) ?? soak.samples[0] ?? end;
  const failures = verdict(soak.outcomes, soak.killed, warm, end, o.limits);
  if (hung) failures.unshift('the run stopped: a job hung');
  if (soak.outcomes.size < o.jobs) failures.push(`only ${soak.outcomes.size} of ${o.jobs} jobs ended`);
  const cancelsTooLate = [...soak.cancelsSent].filter((id) => soak.outcomes.get(id)?.status === 'done').length;
  return { counts, cancelsTooLate, killedAt: soak.killed.map((id) => Number(id.slice('soak-'.length))), failureMessages, samples: soak.samples, warm, end, seconds: end.seconds, failures };
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const o = withDefaults(options);
  const soak = new Soak(o);
  const plan = planJobs({ jobs: o.jobs, seed: o.seed, cancelRate: o.cancelRate, killEvery: o.killEvery });
  let hung = false;
  const watchdog = setInterval(() => (hung ||= soak.checkTimeout()), 1000);
  try {
    await soak.load();
    for (let i = 0; i < plan.length && !hung; i += o.queue) await soak.runQueue(plan.slice(i, i + o.queue));
    return summarise(soak, o, hung);
  } finally {
    clearInterval(watchdog);
    await soak.dispose();
  }
}
