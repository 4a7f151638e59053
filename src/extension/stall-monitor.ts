// Measures the extension host's event-loop delay while a job runs, to show that generating never
// blocks VS Code (inference runs in the worker). It follows the job events, logs each finished
// job's largest delay, and keeps the session's largest for the real-VS-Code tests (< 50 ms).

import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type * as vscode from 'vscode';
import type { JobEvent } from './job-runner';
import type { Log } from './log';

const RESOLUTION_MS = 10;

export class StallMonitor implements vscode.Disposable {
  private histogram: IntervalHistogram | undefined;
  private jobId: string | undefined;
  private readonly sub: vscode.Disposable;
  /** Largest event-loop delay measured during any generation this session (ms). */
  maxStallMs = 0;

  constructor(onJobEvent: vscode.Event<JobEvent>, private readonly log: Log) {
    this.sub = onJobEvent((e) => this.onJobEvent(e));
  }

  private onJobEvent(e: JobEvent): void {
    if (e.kind === 'started') {
      this.histogram?.disable();
      this.jobId = e.jobId;
      this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
      this.histogram.enable();
    } else if ((e.kind === 'done' || e.kind === 'failed') && e.jobId === this.jobId) {
      const ms = this.stop();
      if (e.kind === 'done') this.log.info(`${e.jobId}: host event-loop max delay ${ms.toFixed(1)} ms`);
    }
  }

  /** Stops measuring and returns the largest delay of the job, in ms. */
  private stop(): number {
    const h = this.histogram;
    if (!h) return 0;
    h.disable();
    this.histogram = undefined;
    this.jobId = undefined;
    // The histogram's values include the sampling interval itself.
    const ms = Math.max(0, h.max / 1e6 - RESOLUTION_MS);
    this.maxStallMs = Math.max(this.maxStallMs, ms);
    return ms;
  }

  dispose(): void {
    this.histogram?.disable();
    this.sub.dispose();
  }
}
