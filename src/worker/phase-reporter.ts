// Tells the host what a job is doing while a long model call gives no other sign of life (a decode at
// 1024² takes tens of seconds): each phase as it starts, then the same phase again every second with
// the time elapsed, until the next phase or the end of the job.
import type { PhaseInfo } from '../pipeline/pipeline';

export class PhaseReporter {
  private current: { info: PhaseInfo; at: number } | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly post: (p: PhaseInfo) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = 1000,
  ) {}

  /** A phase started. */
  report(info: PhaseInfo): void {
    this.current = { info, at: this.now() };
    this.post(info);
    this.stopTimer();
    this.timer = setInterval(() => this.repeat(), this.intervalMs);
    this.timer.unref?.();
  }

  /** The job ended: no more reports. */
  stop(): void {
    this.stopTimer();
    this.current = undefined;
  }

  private repeat(): void {
    const c = this.current;
    if (c) this.post({ ...c.info, elapsedMs: c.info.elapsedMs + (this.now() - c.at) });
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
