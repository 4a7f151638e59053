// A soak run: many generations through the real worker process (dist/worker.js) under the host's
// WorkerClient, sent in queues of 20, some cancelled at a random step, the process killed from
// outside every 50 jobs (SIGKILL, as a native crash would end it), the RSS and open fds of host and
// worker sampled as it goes. Every job must end as done, cancelled or failed with a message, within
// a timeout. WorkerClient restarts a killed worker with the model and hands it the jobs the old one
// had not started; the job that was running fails with the client's reason.
import type { ChildProcess } from 'node:child_process';
import { WorkerClient } from '../../src/extension/worker-client';
import { forkWorker } from '../../src/extension/worker-process';
import type { LoadOptions, WorkerToHost } from '../../src/protocol/messages';
import { planJobs, type PlannedJob } from './plan';
import { formatSample, sample, verdict, workerUse, type Limits, type Outcome, type Sample, type WorkerUse } from './resources';

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
  /**
   * The sample growth is measured from: the first one after this many jobs. By default, with
   * kills, the one taken just before the second kill (see warmSample), else the one after 40 %
   * of the jobs.
   */
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
  /** Taken just before each kill: the worker at the end of its life. */
  beforeKills: Sample[];
  warm: Sample;
  end: Sample;
  seconds: number;
  /** Why the run fails; empty when it passes. */
  failures: string[];
}

export const DEFAULT_LIMITS: Limits = { rssPct: 5, fdPct: 5, fdAbs: 2 };

type Settings = Required<Omit<SoakOptions, 'log' | 'warmupJob'>> & Pick<SoakOptions, 'log' | 'warmupJob'>;

class Soak {
  readonly outcomes = new Map<string, Outcome>();
  readonly killed: string[] = [];
  readonly samples: Sample[] = [];
  readonly beforeKills: Sample[] = [];
  cancelsSent = new Set<string>();
  private readonly client: WorkerClient;
  private child: ChildProcess | undefined;
  /** Jobs sent and not ended, in the worker's order. */
  private inFlight: PlannedJob[] = [];
  private headSince = 0;
  private batchEnded: (() => void) | undefined;
  private loaded: { resolve: () => void; reject: (e: Error) => void } | undefined;
  readonly t0 = performance.now();

  constructor(private readonly o: Settings) {
    this.client = new WorkerClient(o.workerScript, {
      onMessage: (m) => this.onMessage(m),
      onCrash: (reason, jobId, restarting) => this.onCrash(reason, jobId, restarting),
      log: (level, message) => level !== 'info' && this.log(`  [client] ${message}`),
    }, (path) => (this.child = forkWorker(path)));
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
      // The worker is read, then killed at once (a job of the tiny model ends within milliseconds), then the host is sampled.
      const worker = this.workerUse();
      this.child?.kill('SIGKILL');
      const s = sample(this.outcomes.size, this.t0, worker);
      this.beforeKills.push(s);
      this.log(`${formatSample(s)}  before the kill in ${j.id}`);
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
      const s = this.sample();
      this.samples.push(s);
      this.log(formatSample(s));
    }
    if (!this.inFlight.length) this.batchEnded?.();
  }

  private workerUse(): WorkerUse {
    return workerUse(this.client.started ? this.child?.pid : undefined);
  }

  /** Host and the worker process running now. */
  sample(): Sample {
    return sample(this.outcomes.size, this.t0, this.workerUse());
  }

  /** The running job is lost with the process (the client gives the new one the jobs behind it). */
  private onCrash(reason: string, jobId: string | undefined, restarting: boolean): void {
    this.log(`  worker killed during ${jobId ?? 'no job'}; ${restarting ? 'the client restarts it' : 'it restarts on the next send'}`);
    if (jobId) this.end(jobId, { status: 'failed', message: reason });
  }

  dispose(): Promise<void> {
    return this.client.dispose();
  }
}

function withDefaults(o: SoakOptions): Settings {
  return { queue: 20, killEvery: 50, cancelRate: 0.2, sampleEvery: 10, jobTimeoutMs: 60_000, limits: DEFAULT_LIMITS, ...o };
}

/**
 * The sample growth is measured from. Measured on the tiny model: a worker's RSS grows for its
 * first ~120 jobs (heaps and allocator pools filling) and is flat after; with kills every 50 jobs
 * each new worker starts that again, so samples are only comparable at the same age of the worker.
 * The end of the run is the end of a worker's life, so by default the warm sample is the end of
 * the second worker's life (just before the second kill: the first cycle is warm-up for the host),
 * and without kills the sample after 40 % of the jobs.
 */
function warmSample(soak: Soak, o: Settings, end: Sample): Sample {
  const after = (job: number) => soak.samples.find((s) => s.job >= job);
  if (o.warmupJob !== undefined) return after(o.warmupJob) ?? end;
  return soak.beforeKills[1] ?? soak.beforeKills[0] ?? after(Math.round(o.jobs * 0.4)) ?? end;
}

function summarise(soak: Soak, o: Settings, hung: boolean): SoakResult {
  const counts = { done: 0, cancelled: 0, failed: 0, hung: 0 };
  const failureMessages = new Map<string, number>();
  for (const out of soak.outcomes.values()) {
    counts[out.status]++;
    if (out.status === 'failed') failureMessages.set(out.message, (failureMessages.get(out.message) ?? 0) + 1);
  }
  const end = soak.sample();
  const warm = warmSample(soak, o, end);
  const failures = verdict(soak.outcomes, soak.killed, warm, end, o.limits);
  if (hung) failures.unshift('the run stopped: a job hung');
  if (soak.outcomes.size < o.jobs) failures.push(`only ${soak.outcomes.size} of ${o.jobs} jobs ended`);
  const cancelsTooLate = [...soak.cancelsSent].filter((id) => soak.outcomes.get(id)?.status === 'done').length;
  return { counts, cancelsTooLate, killedAt: soak.killed.map((id) => Number(id.slice('soak-'.length))), failureMessages, samples: soak.samples, beforeKills: soak.beforeKills, warm, end, seconds: end.seconds, failures };
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
