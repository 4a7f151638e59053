// What the soak measures over time (the process's RSS, which includes the worker thread, and its
// open file descriptors) and how a run is judged.
import { readdirSync } from 'node:fs';

export interface Sample {
  /** Jobs ended when the sample was taken. */
  job: number;
  rssMb: number;
  /** Entries of /proc/self/fd (-1 where there is no /proc). */
  fds: number;
  seconds: number;
}

export function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

export function sample(job: number, t0: number): Sample {
  return { job, rssMb: process.memoryUsage().rss / 2 ** 20, fds: openFds(), seconds: (performance.now() - t0) / 1000 };
}

export function formatSample(s: Sample): string {
  return `job ${String(s.job).padStart(4)}  rss ${s.rssMb.toFixed(1).padStart(7)} MB  fds ${String(s.fds).padStart(4)}  ${s.seconds.toFixed(1).padStart(6)} s`;
}

export type Outcome = { status: 'done' } | { status: 'cancelled' | 'failed'; message: string } | { status: 'hung' };

export interface Limits {
  /** RSS growth after warm-up, in %. */
  rssPct: number;
  /** fd growth after warm-up, in %; a growth of at most fdAbs descriptors passes whatever the %. */
  fdPct: number;
  fdAbs: number;
}

export const growthPct = (from: number, to: number) => (from > 0 ? ((to - from) / from) * 100 : 0);

/** Why a run fails: a job that did not end properly, a killed job that did not fail, or growth over the limits. */
export function verdict(outcomes: Map<string, Outcome>, killed: string[], warm: Sample, end: Sample, limits: Limits): string[] {
  const reasons: string[] = [];
  const bad = [...outcomes].filter(([, o]) => o.status === 'hung' || (o.status !== 'done' && !o.message.trim()));
  if (bad.length) reasons.push(`${bad.length} job(s) did not end as done, cancelled or failed with a message: ${bad.slice(0, 5).map(([id, o]) => `${id} ${o.status}`).join(', ')}`);
  for (const id of killed) {
    const o = outcomes.get(id);
    if (o?.status !== 'failed') reasons.push(`${id}, killed mid-run, ended as ${o?.status ?? 'nothing'} instead of failed`);
  }
  const rss = growthPct(warm.rssMb, end.rssMb);
  if (rss > limits.rssPct) reasons.push(`RSS grew ${rss.toFixed(1)} % after warm-up (${warm.rssMb.toFixed(1)} → ${end.rssMb.toFixed(1)} MB; limit ${limits.rssPct} %)`);
  const fdGrowth = end.fds - warm.fds;
  if (fdGrowth > limits.fdAbs && growthPct(warm.fds, end.fds) > limits.fdPct) {
    reasons.push(`open fds grew from ${warm.fds} to ${end.fds} after warm-up (limit ${limits.fdPct} % or ${limits.fdAbs} fds)`);
  }
  return reasons;
}

/**
 * Where RSS grows: the jump across each kill (the last sample before it to the first one on the
 * new thread, 10 jobs on) and the growth between kills (that sample to the last one before the
 * next kill), in MB.
 */
export function rssAroundKills(samples: Sample[], killedAt: number[]): { perKill: number[]; betweenKills: number[] } {
  const perKill: number[] = [];
  const betweenKills: number[] = [];
  const bounds = [...killedAt, Infinity];
  for (let i = 0; i < killedAt.length; i++) {
    const before = samples.filter((s) => s.job < killedAt[i]).pop();
    const after = samples.find((s) => s.job >= killedAt[i] + 10);
    const last = samples.filter((s) => s.job < bounds[i + 1]).pop();
    if (before && after) perKill.push(after.rssMb - before.rssMb);
    if (after && last && last.job > after.job) betweenKills.push(last.rssMb - after.rssMb);
  }
  return { perKill, betweenKills };
}
