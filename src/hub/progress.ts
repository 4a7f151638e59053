// Download progress: a pure rate/ETA estimator over a sliding window, and the tracker that turns
// byte events into DownloadProgress reports at a bounded rate.
import type { DownloadProgress } from './types';

/**
 * Transfer rate over the last `windowMs`: (bytes now − bytes at the window's start) / time, so a
 * stall shows as a falling rate instead of the average since the start. Nothing is told before
 * `minSpanMs` of samples.
 */
export class RateEstimator {
  /** At most one sample per `resolutionMs` (a 64 kB chunk each would make thousands a second). */
  private samples: { t: number; bytes: number }[] = [];
  private latest?: { t: number; bytes: number };

  constructor(private readonly windowMs = 5000, private readonly minSpanMs = 1000, private readonly resolutionMs = 100) {}

  /** Records that `bytes` (cumulative, this session's transfers only) had arrived at time `t` (ms). */
  add(t: number, bytes: number): void {
    if (this.latest && t < this.latest.t) return;
    this.latest = { t, bytes };
    const last = this.samples.at(-1);
    if (last && t - last.t < this.resolutionMs) return;
    this.samples.push({ t, bytes });
    this.trim(t);
  }

  /** The rate (bytes/s) and the seconds `remaining` bytes take at it, as of time `t`. */
  estimate(t: number, remaining: number): { bytesPerSecond?: number; etaSeconds?: number } {
    this.trim(t);
    const first = this.samples[0];
    if (!first || !this.latest || t - first.t < this.minSpanMs) return {};
    const bytesPerSecond = ((this.latest.bytes - first.bytes) * 1000) / (t - first.t);
    if (remaining <= 0) return { bytesPerSecond, etaSeconds: 0 };
    return bytesPerSecond > 0 ? { bytesPerSecond, etaSeconds: remaining / bytesPerSecond } : { bytesPerSecond };
  }

  /** Keeps one sample at or before the window's start, so the window is always spanned. */
  private trim(t: number): void {
    let drop = 0;
    while (this.samples.length - drop >= 2 && this.samples[drop + 1].t <= t - this.windowMs) drop++;
    if (drop) this.samples.splice(0, drop);
  }
}

/** Counts a download's bytes and files and reports them through `emit`, at most every `throttleMs` between file boundaries. */
export class ProgressTracker {
  private done = 0;
  private session = 0;
  private filesDone = 0;
  private lastEmit = -Infinity;
  private file?: string;
  private readonly rate = new RateEstimator();

  constructor(
    private bytesTotal: number,
    private filesTotal: number,
    private readonly emit: (p: DownloadProgress) => void = () => {},
    private readonly now: () => number = () => performance.now(),
    private readonly throttleMs = 200,
  ) {}

  /** Bytes already in place (cached or resumed) and files already complete: done, but not part of the rate. */
  inPlace(bytes: number, files = 0): void {
    this.done += bytes;
    this.filesDone += files;
  }

  /** More files joined the selection (shards an index named). */
  grow(bytes: number, files: number): void {
    this.bytesTotal += bytes;
    this.filesTotal += files;
  }

  transferred(file: string, bytes: number): void {
    this.done += bytes;
    this.session += bytes;
    this.file = file;
    this.report(false);
  }

  /** A partial or rejected file was thrown away: its bytes are no longer done. */
  discarded(bytes: number): void {
    this.done -= bytes;
  }

  fileDone(file: string): void {
    this.filesDone++;
    this.file = file;
    this.report(true);
  }

  /** A report now, also when no byte arrived (so a stall shows). */
  tick(): void {
    this.report(true);
  }

  finish(): void {
    this.emit({ phase: 'done', bytesDone: this.done, bytesTotal: this.bytesTotal, filesDone: this.filesDone, filesTotal: this.filesTotal });
  }

  private report(force: boolean): void {
    const t = this.now();
    this.rate.add(t, this.session);
    if (!force && t - this.lastEmit < this.throttleMs) return;
    this.lastEmit = t;
    const { bytesPerSecond, etaSeconds } = this.rate.estimate(t, this.bytesTotal - this.done);
    this.emit({
      phase: 'downloading',
      ...(this.file ? { file: this.file } : {}),
      bytesDone: this.done,
      bytesTotal: this.bytesTotal,
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      ...(bytesPerSecond !== undefined ? { bytesPerSecond } : {}),
      ...(etaSeconds !== undefined ? { etaSeconds } : {}),
    });
  }
}
