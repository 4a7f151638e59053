// The host's job queue: requests line up, one runs at a time, each can be cancelled or moved, the
// waiting ones can be cleared, and the UI can ask where a job is; and the time a job has left, from
// the steps it has run and the times measured on earlier jobs of the same model and size, and when
// each waiting job will be done. Pure: it only keeps state; the caller starts work and reports back.

import type { JobPhase, JobStatus, JobSummary, MoveDirection } from '../protocol/messages';

export interface Job<T> {
  id: string;
  params: T;
  label: string;
  status: JobStatus;
  /** Set when cancel was asked for the running job (it stays running until the worker confirms). */
  cancelRequested: boolean;
  step?: number;
  steps?: number;
  /** elapsedMs of each step reported so far (index k−1 for step k). */
  stepElapsedMs: number[];
  /** The phase under way, and the job's elapsedMs when it started. */
  phase?: { phase: JobPhase; step: number; startedMs: number };
  message?: string;
}

export type CancelOutcome = 'removed' | 'abort-running' | 'not-found';

export class JobQueue<T> {
  private readonly waiting: Job<T>[] = [];
  private current: Job<T> | undefined;
  private counter = 0;

  constructor(private readonly onChange: () => void = () => undefined, private readonly idPrefix = 'job') {}

  add(params: T, label: string): Job<T> {
    const job: Job<T> = { id: `${this.idPrefix}-${++this.counter}`, params, label, status: 'queued', cancelRequested: false, stepElapsedMs: [] };
    this.waiting.push(job);
    this.onChange();
    return job;
  }

  get running(): Job<T> | undefined {
    return this.current;
  }

  get size(): number {
    return this.waiting.length + (this.current ? 1 : 0);
  }

  get(id: string): Job<T> | undefined {
    return this.current?.id === id ? this.current : this.waiting.find((j) => j.id === id);
  }

  /** Starts the next waiting job when none is running; returns it, or undefined. */
  startNext(): Job<T> | undefined {
    if (this.current) return undefined;
    const job = this.waiting.shift();
    if (!job) return undefined;
    job.status = 'running';
    this.current = job;
    this.onChange();
    return job;
  }

  /** Cancels a waiting job outright, or marks the running one (the caller must abort it). No id: the running job, else the first waiting one. */
  cancel(id?: string): CancelOutcome {
    const target = id ?? this.current?.id ?? this.waiting[0]?.id;
    if (!target) return 'not-found';
    if (this.current?.id === target) {
      this.current.cancelRequested = true;
      this.onChange();
      return 'abort-running';
    }
    const i = this.waiting.findIndex((j) => j.id === target);
    if (i < 0) return 'not-found';
    const [job] = this.waiting.splice(i, 1);
    job.status = 'cancelled';
    this.onChange();
    return 'removed';
  }

  /** Removes every waiting job (returns them) and marks the running one cancelled-requested. */
  cancelAll(): { removed: Job<T>[]; running?: Job<T> } {
    const removed = this.waiting.splice(0);
    for (const j of removed) j.status = 'cancelled';
    if (this.current) this.current.cancelRequested = true;
    this.onChange();
    return { removed, running: this.current };
  }

  /** Removes every waiting job and returns them, in order; the running job goes on. */
  clearWaiting(): Job<T>[] {
    const removed = this.waiting.splice(0);
    for (const j of removed) j.status = 'cancelled';
    if (removed.length) this.onChange();
    return removed;
  }

  /** Moves a waiting job one place up or down; false when it is not waiting or already at that end. */
  move(id: string, direction: MoveDirection): boolean {
    const i = this.waiting.findIndex((j) => j.id === id);
    const to = direction === 'up' ? i - 1 : i + 1;
    if (i < 0 || to < 0 || to >= this.waiting.length) return false;
    [this.waiting[i], this.waiting[to]] = [this.waiting[to], this.waiting[i]];
    this.onChange();
    return true;
  }

  /** The waiting jobs, next first. */
  get queued(): readonly Job<T>[] {
    return this.waiting;
  }

  progress(id: string, step: number, steps: number, elapsedMs: number): Job<T> | undefined {
    const job = this.current?.id === id ? this.current : undefined;
    if (!job) return undefined;
    job.step = step;
    job.steps = steps;
    job.stepElapsedMs[step - 1] = elapsedMs;
    this.onChange();
    return job;
  }

  /** The running job's phase `phase` (at step `step`) is under way; returns the job (undefined if `id` is not running). */
  phaseOf(id: string, phase: JobPhase, step: number, steps: number, elapsedMs: number): Job<T> | undefined {
    const job = this.current?.id === id ? this.current : undefined;
    if (!job) return undefined;
    const same = job.phase && job.phase.phase === phase && job.phase.step === step;
    if (!same) job.phase = { phase, step, startedMs: elapsedMs };
    job.steps = steps;
    return job;
  }

  /** Ends the running job with its outcome; returns it (undefined if `id` is not running). */
  finish(id: string, status: 'done' | 'failed' | 'cancelled', message?: string): Job<T> | undefined {
    const job = this.current;
    if (!job || job.id !== id) return undefined;
    job.status = status;
    job.message = message;
    this.current = undefined;
    this.onChange();
    return job;
  }

  /** Where each job is: 0 for the running one, 1… for waiting ones in order. */
  summaries(): JobSummary[] {
    const out: JobSummary[] = [];
    if (this.current) out.push({ id: this.current.id, prompt: this.current.label, status: 'running', position: 0, step: this.current.step, steps: this.current.steps });
    this.waiting.forEach((j, i) => out.push({ id: j.id, prompt: j.label, status: 'queued', position: i + 1 }));
    return out;
  }
}

/** What earlier jobs of one model and size took: a denoising step, and everything after the last step (decode, encode). */
export interface MeasuredTimes {
  stepMs: number;
  decodeMs: number;
  /** Before the steps: the first step's elapsed time less one step (the prompt's encoding, the first call's warm-up). */
  setupMs?: number;
}

/**
 * Time left after `step` of `steps` steps are done: the steps left at the per-step time this job
 * has shown (step 1 carries text encoding and warm-up, so once two steps are known the mean of the
 * later ones is used), else at the time `known` from earlier jobs; plus the decode when `known`
 * has it. Returns null when there is nothing to go by.
 */
export function estimateEtaMs(stepElapsedMs: readonly number[], step: number, steps: number, known?: MeasuredTimes): number | null {
  if (steps < 1 || step < 0) return null;
  const decode = known?.decodeMs ?? 0;
  const remaining = Math.max(0, steps - step);
  if (remaining === 0) return step >= 1 ? Math.round(decode) : null;
  const first = stepElapsedMs[0];
  const last = stepElapsedMs[step - 1];
  let perStep = known?.stepMs;
  if (step >= 1 && last !== undefined) perStep = step >= 2 && first !== undefined ? (last - first) / (step - 1) : known?.stepMs ?? last;
  if (perStep === undefined || !Number.isFinite(perStep) || perStep < 0) return null;
  return Math.round(perStep * remaining + decode);
}

/**
 * Time left while a phase is under way (`elapsedMs` now; the job's phase says when it started): the
 * steps not yet done and the decode, less the time already spent in the running step or decode.
 */
export function phaseEtaMs(job: Pick<Job<unknown>, 'stepElapsedMs' | 'phase'>, steps: number, elapsedMs: number, known?: MeasuredTimes): number | null {
  const p = job.phase;
  if (!p) return null;
  const into = Math.max(0, elapsedMs - p.startedMs);
  if (p.phase === 'decoding') return known ? Math.max(0, Math.round(known.decodeMs - into)) : null;
  if (p.phase === 'encoding') return estimateEtaMs([], 0, steps, known);
  const left = estimateEtaMs(job.stepElapsedMs, p.step - 1, steps, known);
  return left === null ? null : Math.max(0, left - Math.round(into));
}

/** What a whole job of `steps` steps takes, from the times `known` of earlier jobs: its setup (encoding), the steps and the decode. */
export function jobDurationMs(steps: number, known: MeasuredTimes | undefined): number | null {
  if (!known || steps < 1) return null;
  return Math.round((known.setupMs ?? 0) + steps * known.stepMs + known.decodeMs);
}

/**
 * When each waiting job will be done, from now, in queue order: the running job's time left
 * (`runningLeftMs`; 0 when none runs), then the whole of every job ahead and the job itself. From
 * the first job with nothing to go by (or a running job whose time left is unknown) on, null.
 */
export function queueEtasMs(runningLeftMs: number | null, waiting: readonly { steps: number; known?: MeasuredTimes }[]): (number | null)[] {
  let at = runningLeftMs;
  return waiting.map((w) => {
    const d = jobDurationMs(w.steps, w.known);
    at = at === null || d === null ? null : at + d;
    return at;
  });
}

/** The times finished jobs took, by model and size (the last job's of each). */
export class JobTimes {
  private readonly byKey = new Map<string, MeasuredTimes>();

  constructor(private readonly keep = 16) {}

  /** A job that ran `transformerMs` steps, reached its last step at `lastStepElapsedMs` (its first at `firstStepElapsedMs`) and ended at `totalMs`. */
  record(key: string, transformerMs: readonly number[], lastStepElapsedMs: number | undefined, totalMs: number, firstStepElapsedMs?: number): void {
    if (!transformerMs.length || lastStepElapsedMs === undefined) return;
    const later = transformerMs.length > 1 ? transformerMs.slice(1) : transformerMs; // the first call repacks weights
    const stepMs = later.reduce((a, b) => a + b, 0) / later.length;
    const setupMs = firstStepElapsedMs === undefined ? undefined : Math.max(0, firstStepElapsedMs - stepMs);
    this.byKey.delete(key);
    this.byKey.set(key, { stepMs, decodeMs: Math.max(0, totalMs - lastStepElapsedMs), ...(setupMs === undefined ? {} : { setupMs }) });
    if (this.byKey.size > this.keep) this.byKey.delete(this.byKey.keys().next().value!);
  }

  get(key: string): MeasuredTimes | undefined {
    return this.byKey.get(key);
  }
}
