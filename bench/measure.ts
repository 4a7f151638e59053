// One condition of the benchmark (a size and a busy level): every variant --runs times, each run
// in fresh processes (a cold compile into an empty CACHE_DIR, then a warm start from it), the order
// alternating run by run so that a noisy machine's drift cancels in the paired ratios; --busy N
// busy loops beside each run. Before the runs, the matrix-product ceiling at the transformer's
// dominant shape, under the same load.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFolder } from '../src/pipeline/model-folder';
import { dominantMatmul, transformerFlops, type FlopsBreakdown, type PixArtTransformerConfig } from './flops';
import { vaeConfigFrom, vaeDecodeFlops, type VaeFlops } from './vae-flops';
import { withBusyLoad, type BusyStats } from './busy-load';
import { runMetrics, type Metrics, type RunPhase } from './report';
import { DEFAULT_PROMPT, NEW_PROMPT } from './run-args';
import type { BenchArgs } from './bench-args';
import type { CeilingResult } from './ceiling';
import type { PhaseCommand, Variant } from './variants';

export type Ceiling = { m: number; k: number; n: number; results: CeilingResult[] };

export interface VariantRuns {
  variant: Variant;
  phases: { cold: RunPhase; warm: RunPhase; busy: BusyStats }[];
  metrics: Metrics[];
}

export interface ConditionResult {
  size: string;
  busy: number;
  ceiling: Ceiling;
  transformerFlopsPerCall: FlopsBreakdown;
  vaeFlopsPerImage: VaeFlops;
  runs: VariantRuns[];
}

export function runJson<T>(c: PhaseCommand, what: string): T {
  const r = spawnSync(c.cmd, c.args, { cwd: c.cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${(r.stderr ?? r.error?.message ?? '').trim().split('\n').slice(-15).join('\n')}`);
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`${what} printed no JSON:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line) as T;
}

const tsx = (root: string, script: string, args: string[]): PhaseCommand => ({ cmd: process.execPath, args: ['--import', 'tsx', join(root, 'bench', script), ...args], cwd: root });

function measureCeiling(root: string, args: BenchArgs, size: string, guidance: number, busy: number): Ceiling {
  const folder = readModelFolder(args.model);
  const cfg = JSON.parse(readFileSync(join(args.model, 'transformer', 'config.json'), 'utf8')) as PixArtTransformerConfig;
  const [w, h] = size.split('x').map(Number);
  const mm = dominantMatmul(cfg, h / folder.vaeScaleFactor, w / folder.vaeScaleFactor, guidance > 1 ? 2 : 1);
  const command = tsx(root, 'ceiling.ts', ['--m', String(mm.m), '--k', String(mm.k), '--n', String(mm.n), '--ms', String(args.ceilingMs)]);
  return withBusyLoad(busy, () => runJson<Ceiling>(command, 'ceiling')).value;
}

/** FLOPs of one transformer call and one VAE decode at this size, from the model's config files. */
export function workAt(model: string, size: string, guidance: number): { transformer: FlopsBreakdown; vae: VaeFlops } {
  const folder = readModelFolder(model);
  const file = (c: string) => join(model, c, 'config.json');
  const config = (c: string) => JSON.parse(readFileSync(file(c), 'utf8')) as Record<string, unknown>;
  const [w, h] = size.split('x').map(Number);
  const lh = h / folder.vaeScaleFactor;
  const lw = w / folder.vaeScaleFactor;
  const transformer = transformerFlops(config('transformer') as unknown as PixArtTransformerConfig, lh, lw, guidance > 1 ? 2 : 1);
  return { transformer, vae: vaeDecodeFlops(vaeConfigFrom(config('vae_decoder'), file('vae_decoder')), lh, lw) };
}

export function measureCondition(root: string, args: BenchArgs, variants: Variant[], condition: { size: string; busy: number }, guidance: number, work: string, log: (s: string) => void): ConditionResult {
  let size = condition.size;
  const tag = `${condition.size}${condition.busy ? `, busy ${condition.busy}` : ''}`;
  const common = () => ['--size', size, '--steps', String(args.steps), '--seed', String(args.seed), '--guidance', String(guidance), '--prompt', DEFAULT_PROMPT, '--new-prompt', NEW_PROMPT, '--generations', String(args.generations)];
  const runs: VariantRuns[] = variants.map((variant) => ({ variant, phases: [], metrics: [] }));
  const runVariant = (r: VariantRuns, run: number): void => {
    const id = `${variants.indexOf(r.variant)}-${run}`;
    const cache = join(work, `cache-${id}`);
    const image = join(work, `image-${size}-${condition.busy}-${id}.rgb`);
    const what = (p: string) => `${tag}: run ${run + 1} ${r.variant.name} ${p}`;
    const t = performance.now();
    const { value, busy } = withBusyLoad(condition.busy, () => {
      const cold = runJson<RunPhase>(r.variant.command('cold', common(), cache, null), what('cold'));
      if (size === 'auto') size = cold.size ? `${cold.size.width}x${cold.size.height}` : '512x512';
      return { cold, warm: runJson<RunPhase>(r.variant.command('warm', common(), cache, image), what('warm')) };
    });
    rmSync(cache, { recursive: true, force: true });
    r.phases.push({ ...value, busy });
    log(`${tag}: run ${run + 1}/${args.runs} ${r.variant.name}: ${((performance.now() - t) / 1000).toFixed(1)} s, first image ${value.warm.generations[0].totalMs.toFixed(0)} ms`);
  };
  // The size is resolved by the first run of ours (a static model's own size), so run that first.
  runVariant(runs[0], 0);
  log(`${tag}: ceiling …`);
  const ceiling = measureCeiling(root, args, size, guidance, condition.busy);
  for (let run = 0; run < args.runs; run++) {
    const order = run % 2 === 0 ? runs : [...runs].reverse();
    for (const r of order) if (!(run === 0 && r === runs[0])) runVariant(r, run);
  }
  const flops = workAt(args.model, size, guidance);
  const at = (p: 'f32' | 'bf16') => ceiling.results.find((c) => c.precision === p)?.gflops ?? NaN;
  for (const r of runs) {
    const yardsticks = { transformerFlops: flops.transformer.total, vaeFlops: flops.vae.total, weightsMb: r.variant.weightsMb, ceilingGflops: { f32: at('f32'), bf16: at('bf16') } };
    r.metrics = r.phases.map((p) => runMetrics(p.cold, p.warm, yardsticks));
  }
  return { size, busy: condition.busy, ceiling, transformerFlopsPerCall: flops.transformer, vaeFlopsPerImage: flops.vae, runs };
}
