// What the soak measures over time (the RSS and open file descriptors of the host process and of
// the worker process it runs at the time) and how a run is judged.
import { readdirSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A full collection of this process's heap, so that garbage not yet collected is not counted as growth. */
const collectGarbage = ((): (() => void) => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

export interface Sample {
  /** Jobs ended when the sample was taken. */
  job: number;
  /** Host and worker together: what the limits apply to. */
  rssMb: number;
  hostRssMb: number;
  workerRssMb: number;
  /** Open file descriptors of host and worker together (-1 where there is no /proc). */
  fds: number;
  hostFds: number;
  workerFds: number;
  seconds: number;
}

function fdsOf(pid: number | 'self'): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}

/** A process's resident set in MB, from /proc (0 when it has gone). */
function rssMbOf(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

export function openFds(): number {
  return fdsOf('self');
}

export interface WorkerUse {
  rssMb: number;
  fds: number;
}

/** The worker process `pid` (nothing when none runs); read fast, so it can be taken just before a kill. */
export function workerUse(pid: number | undefined): WorkerUse {
  return pid ? { rssMb: rssMbOf(pid), fds: Math.max(0, fdsOf(pid)) } : { rssMb: 0, fds: 0 };
}

/** The host (this process, after a full GC) and the worker as read by workerUse. */
export function sample(job: number, t0: number, worker: WorkerUse): Sample {
  collectGarbage();
  const hostRssMb = process.memoryUsage().rss / 2 ** 20;
  const { rssMb: workerRssMb, fds: workerFds } = worker;
  const hostFds = fdsOf('self');
  return { job, rssMb: hostRssMb + workerRssMb, hostRssMb, workerRssMb, fds: hostFds < 0 ? -1 : hostFds + workerFds, hostFds, workerFds, seconds: (performance.now() - t0) / 1000 };
}

export function formatSample(s: Sample): string {
  const mb = (x: number) => x.toFixed(1).padStart(6);
  return `job ${String(s.job).padStart(4)}  rss ${mb(s.rssMb)} MB (host ${mb(s.hostRssMb)}, worker ${mb(s.workerRssMb)})  fds ${String(s.fds).padStart(4)} (${s.hostFds}+${s.workerFds})  ${s.seconds.toFixed(1).padStart(6)} s`;
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
 * The host's RSS across each kill: from the sample just before it to the first regular sample
 * 10 jobs on (a worker process's memory goes with it; the host must not keep any), in MB.
 */
export function hostRssAcrossKills(samples: Sample[], beforeKills: Sample[]): number[] {
  const out: number[] = [];
  for (const before of beforeKills) {
    const after = samples.find((s) => s.job >= before.job + 10);
    if (after) out.push(after.hostRssMb - before.hostRssMb);
  }
  return out;
}
