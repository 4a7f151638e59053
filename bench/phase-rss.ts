// The peak resident memory of each phase of a run (load, then per image: encode, denoise, decode),
// measured by the process on itself. On Linux the kernel keeps the peak (VmHWM in /proc/self/status)
// and writing 5 to /proc/self/clear_refs resets it to the current RSS, so a phase's peak is exact
// and costs nothing while it runs. Elsewhere RSS is sampled every 50 ms (the engine's calls leave
// the event loop free), which can miss a spike shorter than that.
import { readFileSync, writeFileSync } from 'node:fs';

export type RssMethod = 'VmHWM' | 'sampled';

function statusKb(field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error(`/proc/self/status has no ${field}`);
  return Number(m[1]);
}

/** The peak so far in MB, then resets it; null where the kernel cannot (not Linux, or no /proc). */
function takeKernelPeak(): number | null {
  try {
    const before = statusKb('VmHWM');
    writeFileSync('/proc/self/clear_refs', '5');
    return before / 1024;
  } catch {
    return null;
  }
}

export class PhasePeaks {
  readonly method: RssMethod;
  private current: string | null = null;
  private peaks: Record<string, number> = {};
  private sampledPeakMb = 0;
  /** Includes the process's peak before this object reset it. */
  private overall: number;
  private readonly timer: NodeJS.Timeout | null;

  constructor() {
    const before = takeKernelPeak();
    this.method = before === null ? 'sampled' : 'VmHWM';
    this.overall = before ?? process.resourceUsage().maxRSS / 1024;
    this.timer = before === null ? setInterval(() => this.sample(), 50).unref() : null;
  }

  /** RSS now, in MB. */
  static rssMb(): number {
    return process.memoryUsage.rss() / 2 ** 20;
  }

  /** Ends the phase running (its peak is kept, the larger if it ran before) and starts `phase`. */
  enter(phase: string | null): void {
    if (phase === this.current) return;
    const peak = this.peakSinceResetMb();
    this.overall = Math.max(this.overall, peak);
    if (this.current !== null) this.peaks[this.current] = Math.max(this.peaks[this.current] ?? 0, peak);
    this.reset();
    this.current = phase;
  }

  /** Ends the phase running and hands back the peaks since the last take(), in MB. */
  take(): Record<string, number> {
    this.enter(null);
    const p = this.peaks;
    this.peaks = {};
    return p;
  }

  /**
   * The peak since this object was made, phases or not. Use it instead of getrusage's maxRSS, which
   * the resets lower too (the kernel keeps one high-water mark).
   */
  overallPeakMb(): number {
    return Math.max(this.overall, this.peakSinceResetMb());
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private peakSinceResetMb(): number {
    if (this.method === 'VmHWM') return statusKb('VmHWM') / 1024;
    this.sample();
    return this.sampledPeakMb;
  }

  private reset(): void {
    if (this.method === 'VmHWM') writeFileSync('/proc/self/clear_refs', '5');
    else this.sampledPeakMb = PhasePeaks.rssMb();
  }

  private sample(): void {
    this.sampledPeakMb = Math.max(this.sampledPeakMb, PhasePeaks.rssMb());
  }
}
