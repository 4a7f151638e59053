// The host's job queue: requests line up, one runs at a time, each can be cancelled, and the UI
// can ask where a job is. Pure: it only keeps state; the caller starts work and reports back.

import type { JobStatus, JobSummary } from '../protocol/messages';

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

  progress(id: string, step: number, steps: number, elapsedMs: number): Job<T> | undefined {
    const job = this.current?.id === id ? this.current : undefined;
    if (!job) return undefined;
    job.step = step;
    job.steps = steps;
    job.stepElapsedMs[step - 1] = elapsedMs;
    this.onChange();
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

/**
 * Time left, from the measured step times. Step 1 carries text encoding and warm-up, so once two
 * steps are known the mean of the later ones is used. Returns null before any step.
 */
export function estimateEtaMs(stepElapsedMs: readonly number[], step: number, steps: number): number | null {
  if (step < 1 || steps < 1) return null;
  const remaining = Math.max(0, steps - step);
  if (remaining === 0) return 0;
  const first = stepElapsedMs[0];
  const last = stepElapsedMs[step - 1];
  if (last === undefined) return null;
  const perStep = step >= 2 && first !== undefined ? (last - first) / (step - 1) : last;
  if (!Number.isFinite(perStep) || perStep < 0) return null;
  return Math.round(perStep * remaining);
}
