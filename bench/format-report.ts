// The benchmark's report: the JSON it writes (everything measured) and the Markdown it prints
// (per condition: the work per call, the ceiling, the table of medians and ratios, image differences).
import { formatTable, pairedRatios, summarize, type Stat } from './report';
import { imageDiff, type ImageDiff } from './image-diff';
import { imageReference, ratioPairs } from './variants';
import type { ConditionResult } from './measure';
import type { Machine } from './machine';

export interface ConditionReport extends Omit<ConditionResult, 'runs'> {
  summaries: { name: string; summary: Record<string, Stat>; runs: number }[];
  ratios: { name: string; ratio: Record<string, Stat> }[];
  /** Each variant's last image against ours (JSON: psnr null for identical images). */
  images: { name: string; perRun: (ImageDiff | null)[] }[];
  variants: { name: string; impl: string; precision: string; weightsMb: number; phases: ConditionResult['runs'][number]['phases']; metrics: Record<string, number>[] }[];
}

export interface BenchReport {
  machine: Machine;
  config: Record<string, unknown> & { model: string; steps: number; guidance: number; rows: number; runs: number };
  conditions: ConditionReport[];
}

export function conditionReport(c: ConditionResult): ConditionReport {
  const { runs, ...rest } = c;
  const byVariant = new Map(runs.map((r) => [r.variant, r]));
  const summaries = runs.map((r) => ({ name: r.variant.name, summary: summarize(r.metrics), runs: r.metrics.length }));
  const ratios = ratioPairs(runs.map((r) => r.variant)).map(([a, b]) => ({ name: `${a.name} / ${b.name}`, ratio: pairedRatios(byVariant.get(a)!.metrics, byVariant.get(b)!.metrics) }));
  const images = runs.flatMap((r) => {
    const ref = imageReference(runs.map((x) => x.variant), r.variant);
    if (!ref) return [];
    const refRuns = byVariant.get(ref)!;
    const perRun = r.phases.map((p, i) => (p.warm.image && refRuns.phases[i]?.warm.image ? imageDiff(p.warm.image.file, refRuns.phases[i].warm.image!.file) : null));
    return [{ name: `${r.variant.name} vs ${ref.name}`, perRun }];
  });
  const variants = runs.map((r) => ({ name: r.variant.name, impl: r.variant.impl, precision: r.variant.precision, weightsMb: r.variant.weightsMb, phases: r.phases, metrics: r.metrics }));
  return { ...rest, summaries, ratios, images, variants };
}

function busyLine(c: ConditionReport): string {
  if (!c.busy) return 'idle (no busy loops)';
  const shares = c.variants.flatMap((v) => v.phases.flatMap((p) => p.busy.cpuShare)).filter((s): s is number => s !== null);
  const range = shares.length ? `, each took ${Math.min(...shares).toFixed(2)}–${Math.max(...shares).toFixed(2)} of a core` : '';
  return `${c.busy} busy-loop process${c.busy > 1 ? 'es' : ''} beside every run${range}`;
}

function formatCondition(c: ConditionReport): string[] {
  const gf = (x: number) => (x / 1e9).toFixed(1);
  const out = [`## ${c.size}, ${busyLine(c)}`, ''];
  out.push(`work: transformer ${gf(c.transformerFlopsPerCall.total)} GFLOP per call; VAE decode ${gf(c.vaeFlopsPerImage.total)} GFLOP per image (attention ${gf(c.vaeFlopsPerImage.attention)})`);
  out.push(`ceiling: ${c.ceiling.results.map((r) => `${r.precision} ${r.gflops.toFixed(1)} GF/s (best ${r.bestGflops.toFixed(1)})`).join(', ')} on [${c.ceiling.m}×${c.ceiling.k}]·[${c.ceiling.k}×${c.ceiling.n}]`);
  out.push(`weight files on disk: ${c.variants.map((v) => `${v.name} ${v.weightsMb.toFixed(0)} MB`).join(', ')}`);
  out.push('', formatTable(c.summaries, c.ratios));
  for (const im of c.images) {
    const ok = im.perRun.filter((d): d is ImageDiff => d !== null);
    if (!ok.length) continue;
    const worst = ok.reduce((a, b) => (b.maxAbs > a.maxAbs ? b : a));
    out.push(`\nimage ${im.name}: max |Δ| ${worst.maxAbs}/255, mean |Δ| ${worst.meanAbs.toFixed(3)}/255, PSNR ${Number.isFinite(worst.psnr) ? `${worst.psnr.toFixed(1)} dB` : '∞ (identical)'}, values off by >1: ${(100 * worst.fracOver1).toFixed(3)} %`);
  }
  return out;
}

export function formatReport(report: BenchReport, json: string): string {
  const { machine: m, config } = report;
  const out: string[] = [];
  out.push(`${m.cpu}, ${m.logicalCpus} logical CPUs, ${m.memoryGb} GB, load average ${m.loadAverage.start} → ${m.loadAverage.end}`);
  for (const [name, runtime] of Object.entries(m.runtimes)) out.push(`${name}: ${runtime}`);
  out.push(`model ${config.model}, ${config.steps} steps, guidance ${config.guidance} (${config.rows} row${config.rows > 1 ? 's' : ''} per transformer call), ${config.runs} run(s)`);
  for (const c of report.conditions) out.push('', ...formatCondition(c));
  out.push(`\nJSON: ${json}`);
  return out.join('\n');
}
