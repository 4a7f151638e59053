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
  /** Who printed it: bench/run-once.ts (ours, or a --baseline checkout's), anchor.py, anchor-torch.py. */
  impl: 'ours' | 'anchor' | 'anchor-torch';
  runtime: string;
  phase: 'cold' | 'warm';
  /** Reading and compiling the three models (cold: into an empty CACHE_DIR; warm: from it). */
  loadMs: number;
  /** Ours, warm phase: pipeline.warmUp() right after the load, as the extension runs it while the user types (older run-once versions, a --baseline, lack it). */
  warmUpMs?: number;
  generations: Generation[];
  peakRssMb: number;
  /** Ours: resident memory after the images, with the models loaded (what a session holds between images). */
  rssEndMb?: number | null;
  /** T5 on a prompt not seen before (--new-prompt), after the images: warm, and not in any cache. */
  newPromptTextEncoderMs?: number;
  /** Peak RSS of each phase (bench/phase-rss.ts); older run-once versions (a --baseline) lack it. */
  phaseRss?: PhaseRss;
  /** The size generated (ours reports it; it resolves --size auto). */
  size?: { width: number; height: number };
  image?: { width: number; height: number; file: string };
}

/** Peak RSS in MB of the load and of each image's phases, and the RSS after each image. */
export interface PhaseRss {
  method: 'VmHWM' | 'sampled' | null;
  loadMb: number;
  generations: { encodeMb: number; denoiseMb: number; decodeMb: number; afterMb: number }[];
}

/** The flat numbers compared between runs and implementations. */
export type Metrics = Record<string, number>;

/** What a run's figures are measured against. */
export interface Yardsticks {
  /** FLOPs of one transformer call and of one VAE decode at the run's size (flops.ts, vae-flops.ts). */
  transformerFlops: number;
  vaeFlops: number;
  /** The variant's weight files on disk (target: peak RSS ≤ 1.3× that). */
  weightsMb: number;
  /** The matrix-product ceiling in GFLOP/s (ceiling.ts), NaN where not measured. */
  ceilingGflops: { f32: number; bf16: number };
}

const maxOf = (xs: (number | undefined | null)[]) => {
  const ok = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return ok.length ? Math.max(...ok) : NaN;
};

/** Peak RSS per phase: the warm start's load, and each image phase's peak over all the images. */
function phaseRssMetrics(warm: RunPhase): Metrics {
  const r = warm.phaseRss;
  if (!r?.method) return {};
  return {
    loadPeakRssMb: r.loadMb,
    encodePeakRssMb: maxOf(r.generations.map((g) => g.encodeMb)),
    denoisePeakRssMb: maxOf(r.generations.map((g) => g.denoiseMb)),
    decodePeakRssMb: maxOf(r.generations.map((g) => g.decodeMb)),
    rssAfterFirstImageMb: r.generations[0]?.afterMb ?? NaN,
  };
}

export function runMetrics(cold: RunPhase, warm: RunPhase, y: Yardsticks): Metrics {
  const [first, second] = warm.generations;
  const steps = first.transformerMs.length;
  const stepMs = median(first.transformerMs);
  const stepGflops = y.transformerFlops / (stepMs * 1e6);
  const vaeGflops = y.vaeFlops / (first.vaeMs * 1e6);
  const m: Metrics = {
    coldLoadMs: cold.loadMs,
    warmLoadMs: warm.loadMs,
    warmOverCold: warm.loadMs / cold.loadMs,
    textEncoderMs: first.textEncoderMs,
    transformerStepMs: stepMs,
    transformerTotalMs: first.transformerTotalMs,
    vaeMs: first.vaeMs,
    vaeShare: first.vaeMs / first.totalMs,
    schedulerMs: first.schedulerMs,
    otherMs: first.otherMs,
    engineMs: first.engineMs,
    totalMs: first.totalMs,
    totalOverEngine: first.totalMs / first.engineMs,
    startToImageMs: warm.loadMs + (warm.warmUpMs ?? 0) + first.totalMs,
    stepGflops,
    stepOfCeilingF32: stepGflops / y.ceilingGflops.f32,
    stepOfCeilingBf16: stepGflops / y.ceilingGflops.bf16,
    vaeGflops,
    vaeOfCeilingF32: vaeGflops / y.ceilingGflops.f32,
    vaeOfCeilingBf16: vaeGflops / y.ceilingGflops.bf16,
    peakRssMb: warm.peakRssMb,
    peakOverWeights: warm.peakRssMb / y.weightsMb,
    coldPeakRssMb: cold.peakRssMb,
    ...phaseRssMetrics(warm),
  };
  if (warm.rssEndMb !== undefined && warm.rssEndMb !== null) m.rssBetweenImagesMb = warm.rssEndMb;
  if (second) {
    m.secondTotalMs = second.totalMs;
    m.secondTextEncoderMs = second.textEncoderMs;
    m.firstOverSecond = first.totalMs / second.totalMs;
  }
  if (warm.warmUpMs !== undefined) m.warmUpMs = warm.warmUpMs;
  if (warm.newPromptTextEncoderMs !== undefined) m.newPromptTextEncoderMs = warm.newPromptTextEncoderMs;
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
  ['textEncoderMs', 'text encoder, first call after load', 'ms'],
  ['secondTextEncoderMs', 'text encoder, the same prompt again (ours: cached)', 'ms'],
  ['newPromptTextEncoderMs', 'text encoder, a new prompt (warm)', 'ms'],
  ['transformerStepMs', 'transformer, one step (median of steps)', 'ms'],
  ['transformerTotalMs', 'transformer, all steps', 'ms'],
  ['vaeMs', 'VAE decode', 'ms'],
  ['vaeShare', 'VAE / first image', 'x'],
  ['schedulerMs', 'scheduler + guidance', 'ms'],
  ['otherMs', 'pipeline outside model calls', 'ms'],
  ['engineMs', 'pure inference (runtime)', 'ms'],
  ['totalMs', 'first image, total', 'ms'],
  ['totalOverEngine', 'total / pure inference', 'x'],
  ['warmUpMs', 'warm-up after load (ours: in the background, before the first image)', 'ms'],
  ['startToImageMs', 'second start to first image (warm load + warm-up + image)', 'ms'],
  ['secondTotalMs', 'second image, total', 'ms'],
  ['firstOverSecond', 'first image / second image', 'x'],
  ['stepGflops', 'transformer step, achieved', 'GF/s'],
  ['stepOfCeilingF32', 'transformer step / f32 matmul ceiling', 'x'],
  ['stepOfCeilingBf16', 'transformer step / bf16 matmul ceiling', 'x'],
  ['vaeGflops', 'VAE decode, achieved', 'GF/s'],
  ['vaeOfCeilingF32', 'VAE decode / f32 matmul ceiling', 'x'],
  ['vaeOfCeilingBf16', 'VAE decode / bf16 matmul ceiling', 'x'],
  ['peakRssMb', 'peak RSS (warm start + images)', 'MB'],
  ['peakOverWeights', 'peak RSS / weight files on disk', 'x'],
  ['loadPeakRssMb', 'peak RSS, load (warm start, and its warm-up)', 'MB'],
  ['encodePeakRssMb', 'peak RSS, encode (any image)', 'MB'],
  ['denoisePeakRssMb', 'peak RSS, denoise (any image)', 'MB'],
  ['decodePeakRssMb', 'peak RSS, decode (any image)', 'MB'],
  ['rssAfterFirstImageMb', 'RSS after the first image', 'MB'],
  ['rssBetweenImagesMb', 'RSS after the last image (models loaded)', 'MB'],
  ['coldPeakRssMb', 'peak RSS (cold compile)', 'MB'],
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
