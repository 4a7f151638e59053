// What one run phase reports (ours and the anchor print the same JSON), the per-run metrics the
// benchmark derives from it, and the summary table: medians with min–max over the runs, and ratios
// taken pair by pair from runs that ran back to back (so slow drift of a noisy machine cancels).

/** One image's timings, in milliseconds. */
export interface Generation {
  textEncoderMs: number;
  /** Each transformer call as the pipeline waited for it. */
  transformerMs: number[];
  transformerTotalMs: number;
  vaeMs: number;
  schedulerMs: number;
  postprocessMs: number;
  /** Sum of the three models' calls as the pipeline waited for them (feeding and copying included). */
  callsMs: number;
  /** The runtime's own inference inside those calls: pure inference. */
  engineMs: number;
  /** Everything but the calls: tokenizing, noise, guidance, scheduler, post-processing. */
  otherMs: number;
  totalMs: number;
}

export interface RunPhase {
  impl: 'ours' | 'anchor';
  runtime: string;
  phase: 'cold' | 'warm';
  /** Reading and compiling the three models (cold: into an empty CACHE_DIR; warm: from it). */
  loadMs: number;
  generations: Generation[];
  peakRssMb: number;
  /** Ours: resident memory after the images, with the models loaded (what a session holds between images). */
  rssEndMb?: number;
  /** The size generated (ours reports it; it resolves --size auto). */
  size?: { width: number; height: number };
  image?: { width: number; height: number; file: string };
}

/** The flat numbers compared between runs and implementations. */
export type Metrics = Record<string, number>;

/** @param weightsMb the three models' weight files on disk (target: peak RSS ≤ 1.3× that) */
export function runMetrics(cold: RunPhase, warm: RunPhase, flopsPerCall: number, weightsMb: number): Metrics {
  const [first, second] = warm.generations;
  const steps = first.transformerMs.length;
  const stepMs = median(first.transformerMs);
  const m: Metrics = {
    coldLoadMs: cold.loadMs,
    warmLoadMs: warm.loadMs,
    warmOverCold: warm.loadMs / cold.loadMs,
    textEncoderMs: first.textEncoderMs,
    transformerStepMs: stepMs,
    transformerTotalMs: first.transformerTotalMs,
    vaeMs: first.vaeMs,
    schedulerMs: first.schedulerMs,
    otherMs: first.otherMs,
    engineMs: first.engineMs,
    totalMs: first.totalMs,
    totalOverEngine: first.totalMs / first.engineMs,
    startToImageMs: warm.loadMs + first.totalMs,
    stepGflops: flopsPerCall / (stepMs * 1e6),
    peakRssMb: warm.peakRssMb,
    peakOverWeights: warm.peakRssMb / weightsMb,
    coldPeakRssMb: cold.peakRssMb,
  };
  if (warm.rssEndMb !== undefined) m.rssBetweenImagesMb = warm.rssEndMb;
  if (second) {
    m.secondTotalMs = second.totalMs;
    m.secondTextEncoderMs = second.textEncoderMs;
  }
  m.steps = steps;
  return m;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface Stat {
  median: number;
  min: number;
  max: number;
}

export function stat(xs: number[]): Stat {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

/** Per metric: statistics over runs. */
export function summarize(runs: Metrics[]): Record<string, Stat> {
  const keys = Object.keys(runs[0] ?? {});
  return Object.fromEntries(keys.filter((k) => runs.every((r) => Number.isFinite(r[k]))).map((k) => [k, stat(runs.map((r) => r[k]))]));
}

/** Per metric: statistics of a[i]/b[i] over runs i that ran back to back. */
export function pairedRatios(a: Metrics[], b: Metrics[]): Record<string, Stat> {
  const n = Math.min(a.length, b.length);
  const keys = Object.keys(a[0] ?? {}).filter((k) => k in (b[0] ?? {}));
  const out: Record<string, Stat> = {};
  for (const k of keys) {
    const r = Array.from({ length: n }, (_, i) => a[i][k] / b[i][k]).filter(Number.isFinite);
    if (r.length === n && n > 0) out[k] = stat(r);
  }
  return out;
}

const LABELS: [key: string, label: string, unit: 'ms' | 'x' | 'MB' | 'GF/s' | ''][] = [
  ['coldLoadMs', 'load+compile, cold (empty cache)', 'ms'],
  ['warmLoadMs', 'load+compile, warm (from cache)', 'ms'],
  ['warmOverCold', 'warm / cold load', 'x'],
  ['textEncoderMs', 'text encoder', 'ms'],
  ['transformerStepMs', 'transformer, one step (median of steps)', 'ms'],
  ['transformerTotalMs', 'transformer, all steps', 'ms'],
  ['vaeMs', 'VAE decode', 'ms'],
  ['schedulerMs', 'scheduler + guidance', 'ms'],
  ['otherMs', 'pipeline outside model calls', 'ms'],
  ['engineMs', 'pure inference (runtime)', 'ms'],
  ['totalMs', 'first image, total', 'ms'],
  ['totalOverEngine', 'total / pure inference', 'x'],
  ['startToImageMs', 'second start to first image (warm load + image)', 'ms'],
  ['secondTotalMs', 'second image, total', 'ms'],
  ['secondTextEncoderMs', 'second image, text encoder', 'ms'],
  ['stepGflops', 'transformer step, achieved', 'GF/s'],
  ['stepOfCeilingF32', 'transformer step / f32 matmul ceiling', 'x'],
  ['stepOfCeilingBf16', 'transformer step / bf16 matmul ceiling', 'x'],
  ['peakRssMb', 'peak RSS (warm start + images)', 'MB'],
  ['peakOverWeights', 'peak RSS / weight files on disk', 'x'],
  ['coldPeakRssMb', 'peak RSS (cold compile)', 'MB'],
  ['rssBetweenImagesMb', 'RSS between images (models loaded)', 'MB'],
];

function fmt(v: number, unit: string): string {
  if (unit === 'x') return v.toFixed(3);
  if (unit === 'GF/s') return v.toFixed(1);
  if (Math.abs(v) >= 100) return v.toFixed(0);
  return v.toFixed(v >= 10 ? 1 : 2);
}

function cell(s: Stat | undefined, unit: string, runs: number): string {
  if (!s) return '';
  return runs > 1 ? `${fmt(s.median, unit)} (${fmt(s.min, unit)}–${fmt(s.max, unit)})` : fmt(s.median, unit);
}

/** A Markdown table: one column per variant, then each later variant's paired ratio to the first. */
export function formatTable(variants: { name: string; summary: Record<string, Stat>; runs: number }[], ratios: { name: string; ratio: Record<string, Stat> }[]): string {
  const head = ['metric', 'unit', ...variants.map((v) => v.name), ...ratios.map((r) => r.name)];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`];
  for (const [key, label, unit] of LABELS) {
    if (!variants.some((v) => v.summary[key])) continue;
    const cells = [label, unit, ...variants.map((v) => cell(v.summary[key], unit, v.runs)), ...ratios.map((r) => cell(r.ratio[key], 'x', variants[0].runs))];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
