// `npm run bench -- [--model DIR] [--size WxH] [--steps 4] [--runs 5] [--precision f32|auto|f32,auto]
//                   [--anchor] [--json FILE] [--guidance G] [--seed N] [--python PY] [--ceiling-ms MS]
//                   [--generations 2] [--release-text-encoder]`
//
// Runs the pipeline --runs times, each run in fresh processes (a cold compile into an empty
// CACHE_DIR, then a warm start from it that generates two images), so peak RSS is per run. With
// --anchor, each run also runs bench/anchor.py (diffusers' pipeline on the same OpenVINO models,
// as the OpenVINO notebook does), alternating which goes first. Before the runs it measures the
// ceiling (bench/ceiling.ts) on the transformer's dominant matrix product. Prints a Markdown table of
// medians (min–max) and of ratios taken run by run, and writes everything as JSON.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { readModelFolder } from '../src/pipeline/model-folder';
import { compileOptionsFor } from '../src/pipeline/pipeline';
import { schedulerDefaults } from '../src/protocol/generation';
import { compileProperties } from '../src/engine/compile-properties';
import { dominantMatmul, transformerFlops, type PixArtTransformerConfig } from './flops';
import { formatTable, pairedRatios, runMetrics, summarize, type Metrics, type RunPhase } from './report';
import type { CeilingResult } from './ceiling';
import { DEFAULT_PROMPT } from './run-args';

const root = resolve(__dirname, '..');

interface BenchArgs {
  model: string;
  size: string;
  steps: number;
  runs: number;
  precisions: ('f32' | 'auto')[];
  anchor: boolean;
  json: string;
  guidance: number | null;
  seed: number;
  python: string | null;
  ceilingMs: number;
  generations: number;
  releaseTextEncoder: boolean;
}

function parseArgs(argv: string[]): BenchArgs {
  const flags = new Set(['anchor', 'release-text-encoder']);
  const a: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (!k.startsWith('--')) throw new Error(`unexpected argument ${k}`);
    const name = k.slice(2);
    if (flags.has(name)) a[name] = 'true';
    else if (argv[i + 1] === undefined) throw new Error(`${k} needs a value`);
    else a[name] = argv[++i];
  }
  const known = ['model', 'size', 'steps', 'runs', 'precision', 'anchor', 'json', 'guidance', 'seed', 'python', 'ceiling-ms', 'generations', 'release-text-encoder'];
  for (const k of Object.keys(a)) if (!known.includes(k)) throw new Error(`unknown option --${k} (options: ${known.map((x) => `--${x}`).join(' ')})`);
  const precisions = (a.precision ?? 'f32').split(',') as ('f32' | 'auto')[];
  for (const p of precisions) if (p !== 'f32' && p !== 'auto') throw new Error(`--precision takes f32, auto or f32,auto; got ${p}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    model: resolve(a.model ?? join(root, 'test', 'fixtures', 'pixart-tiny')),
    size: a.size ?? 'auto',
    steps: Number(a.steps ?? 4),
    runs: Number(a.runs ?? 5),
    precisions,
    anchor: a.anchor === 'true',
    json: resolve(a.json ?? join(root, 'bench-results', `bench-${stamp}.json`)),
    guidance: a.guidance === undefined ? null : Number(a.guidance),
    seed: Number(a.seed ?? 42),
    python: a.python ?? null,
    ceilingMs: Number(a['ceiling-ms'] ?? 1500),
    generations: Number(a.generations ?? 2),
    releaseTextEncoder: a['release-text-encoder'] === 'true',
  };
}

/** The anchor's interpreter: --python, $PIXART_BENCH_PYTHON, or a project venv that has diffusers. */
function anchorPython(explicit: string | null): string {
  const candidates = [explicit, process.env.PIXART_BENCH_PYTHON, join(root, '.cache', 'bench-venv', 'bin', 'python'), join(root, '.cache', 'torch-venv', 'bin', 'python')];
  for (const c of candidates) if (c && (c.includes('/') ? existsSync(c) : true)) return c;
  throw new Error('--anchor needs Python with torch, diffusers and openvino: see README "Benchmark" (pip install -r bench/requirements.txt), or pass --python');
}

function runJson<T>(cmd: string, args: string[], what: string): T {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stderr.trim().split('\n').slice(-15).join('\n')}`);
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`${what} printed no JSON:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line) as T;
}

const tsx = (script: string, args: string[]): [string, string[]] => [process.execPath, ['--import', 'tsx', join(root, 'bench', script), ...args]];

/** Per-pixel comparison of two raw RGB images (max difference, share of values off by more than 1). */
function imageDiff(a: string, b: string): { maxAbs: number; fracOver1: number } | null {
  const x = readFileSync(a);
  const y = readFileSync(b);
  if (x.length !== y.length) return null;
  let maxAbs = 0;
  let over = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i] - y[i]);
    if (d > maxAbs) maxAbs = d;
    if (d > 1) over++;
  }
  return { maxAbs, fracOver1: over / x.length };
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    const flags = /^flags\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1].split(' ') ?? [];
    const isa = ['avx2', 'avx512f', 'avx512_bf16', 'amx_bf16', 'avx512_fp16'].filter((f) => flags.includes(f));
    return `${m?.[1] ?? cpus()[0]?.model ?? 'unknown'} (${isa.join(', ')})`;
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

interface Variant {
  name: string;
  impl: 'ours' | 'anchor';
  precision: 'f32' | 'auto';
  phases: { cold: RunPhase; warm: RunPhase }[];
  metrics: Metrics[];
}

type Args = ReturnType<typeof parseArgs>;
type Ceiling = { m: number; k: number; n: number; results: CeilingResult[] };

/** Runs every variant args.runs times, alternating the order run by run so drift cancels in the ratios. */
function measure(args: Args, variants: Variant[], guidance: number, python: string | null, work: string, log: (s: string) => void): { size: string; ceiling: Ceiling; flops: ReturnType<typeof transformerFlops>; weightsMb: number } {
  const folder = readModelFolder(args.model);
  const cfg = JSON.parse(readFileSync(join(args.model, 'transformer', 'config.json'), 'utf8')) as PixArtTransformerConfig;
  let size = args.size;
  const common = () => ['--model', args.model, '--size', size, '--steps', String(args.steps), '--seed', String(args.seed), '--guidance', String(guidance), '--prompt', DEFAULT_PROMPT, '--generations', String(args.generations)];
  const anchorProps = (precision: 'f32' | 'auto') => {
    const o = compileOptionsFor({ precision });
    const props = (c: keyof typeof o) => Object.fromEntries(compileProperties(o[c]));
    return JSON.stringify({ text_encoder: props('textEncoder'), transformer: props('transformer'), vae_decoder: props('vae') });
  };
  const runVariant = (v: Variant, run: number): void => {
    const cache = join(work, `cache-${v.impl}-${v.precision}-${run}`);
    const image = join(work, `image-${v.impl}-${v.precision}-${run}.rgb`);
    const phase = (p: 'cold' | 'warm') => {
      const extra = ['--phase', p, '--cache-dir', cache, '--precision', v.precision, ...(p === 'warm' ? ['--image-out', image] : [])];
      if (v.impl === 'ours') {
        const [cmd, a] = tsx('run-once.ts', [...common(), ...extra, '--release-text-encoder', String(args.releaseTextEncoder)]);
        return runJson<RunPhase>(cmd, a, `run ${run + 1} ${v.name} ${p}`);
      }
      return runJson<RunPhase>(python!, [join(root, 'bench', 'anchor.py'), ...common(), ...extra, '--compile-props', anchorProps(v.precision)], `run ${run + 1} ${v.name} ${p}`);
    };
    const t = performance.now();
    const cold = phase('cold');
    if (size === 'auto') size = cold.size ? `${cold.size.width}x${cold.size.height}` : '512x512';
    const warm = phase('warm');
    rmSync(cache, { recursive: true, force: true });
    v.phases.push({ cold, warm });
    log(`run ${run + 1}/${args.runs} ${v.name}: ${((performance.now() - t) / 1000).toFixed(1)} s, first image ${warm.generations[0].totalMs.toFixed(0)} ms`);
  };
  // The size is resolved by the first run of ours (a static model's own size), so run that first.
  runVariant(variants[0], 0);
  const [w, h] = size.split('x').map(Number);
  const lh = h / folder.vaeScaleFactor;
  const lw = w / folder.vaeScaleFactor;
  const rows = guidance > 1 ? 2 : 1;
  const flops = transformerFlops(cfg, lh, lw, rows);
  const mm = dominantMatmul(cfg, lh, lw, rows);
  log(`ceiling: [${mm.m}×${mm.k}] · [${mm.k}×${mm.n}] …`);
  const [ccmd, cargs] = tsx('ceiling.ts', ['--m', String(mm.m), '--k', String(mm.k), '--n', String(mm.n), '--ms', String(args.ceilingMs)]);
  const ceiling = runJson<Ceiling>(ccmd, cargs, 'ceiling');
  for (let run = 0; run < args.runs; run++) {
    const order = run % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) if (!(run === 0 && v === variants[0])) runVariant(v, run);
  }
  const weightsMb = [folder.textEncoderFile, folder.transformerFile, folder.vaeDecoderFile]
    .reduce((sum, f) => sum + statSync(f.endsWith('.xml') ? f.replace(/\.xml$/, '.bin') : f).size, 0) / 2 ** 20;
  // Each step's transformer time as a fraction of the ceiling at the precision it ran at.
  const ceilingAt = (p: 'f32' | 'bf16') => ceiling.results.find((r) => r.precision === p)?.gflops ?? NaN;
  for (const v of variants) {
    v.metrics = v.phases.map((p) => runMetrics(p.cold, p.warm, flops.total, weightsMb));
    for (const m of v.metrics) {
      m.stepOfCeilingF32 = m.stepGflops / ceilingAt('f32');
      m.stepOfCeilingBf16 = m.stepGflops / ceilingAt('bf16');
    }
  }
  return { size, ceiling, flops, weightsMb };
}

/** The human-readable report: machine, configuration, the table of medians and ratios, image differences. */
/** What formatReport prints (the JSON report holds more). */
interface ReportView {
  machine: { cpu: string; logicalCpus: number; memoryGb: number; loadAverage: { start: number; end: number }; runtime: string };
  config: { model: string; size: string; steps: number; guidance: number; rows: number; runs: number };
  ceiling: Ceiling;
  transformerFlopsPerCall: { total: number };
  weightsMb: number;
  summaries: Parameters<typeof formatTable>[0];
  ratios: Parameters<typeof formatTable>[1];
  images: { name: string; perRun: (ReturnType<typeof imageDiff> | null)[] }[];
}

function formatReport(report: ReportView, json: string): string {
  const { machine, config, ceiling, transformerFlopsPerCall: flops, weightsMb } = report;
  const out: string[] = [];
  out.push(`${machine.cpu}, ${machine.logicalCpus} logical CPUs, ${machine.memoryGb} GB, load average ${machine.loadAverage.start} → ${machine.loadAverage.end}; ${machine.runtime}`);
  out.push(`model ${config.model} at ${config.size}, ${config.steps} steps, guidance ${config.guidance} (${config.rows} row${config.rows > 1 ? 's' : ''} per transformer call), ${config.runs} run(s)`);
  out.push(`weight files on disk: ${weightsMb.toFixed(0)} MB`);
  out.push(`transformer: ${(flops.total / 1e9).toFixed(1)} GFLOP per call; ceiling ${ceiling.results.map((r) => `${r.precision} ${r.gflops.toFixed(1)} GF/s (best ${r.bestGflops.toFixed(1)})`).join(', ')} on [${ceiling.m}×${ceiling.k}]·[${ceiling.k}×${ceiling.n}]`);
  out.push('');
  out.push(formatTable(report.summaries, report.ratios));
  for (const im of report.images) {
    const ok = im.perRun.filter((d): d is NonNullable<typeof d> => d !== null);
    if (ok.length) out.push(`\nimage ${im.name}: max |Δ| ${Math.max(...ok.map((d) => d.maxAbs))}, values off by >1: ${(100 * Math.max(...ok.map((d) => d.fracOver1))).toFixed(3)} %`);
  }
  out.push(`\nJSON: ${json}`);
  return out.join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const schedulerClass = (JSON.parse(readFileSync(readModelFolder(args.model).schedulerConfigFile, 'utf8')) as { _class_name: string })._class_name;
  const guidance = args.guidance ?? schedulerDefaults(schedulerClass).guidanceScale;
  const work = mkdtempSync(join(tmpdir(), 'pixart-bench-'));
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const loadAtStart = loadavg()[0];
  const variants: Variant[] = args.precisions.map((p) => ({ name: `ours ${p}`, impl: 'ours', precision: p, phases: [], metrics: [] }));
  const python = args.anchor ? anchorPython(args.python) : null;
  if (python) variants.push({ name: `anchor ${args.precisions[0]}`, impl: 'anchor', precision: args.precisions[0], phases: [], metrics: [] });
  try {
    const { size, ceiling, flops, weightsMb } = measure(args, variants, guidance, python, work, log);
    const images = variants.slice(1).map((v) => ({
      name: `${v.name} vs ${variants[0].name}`,
      perRun: v.phases.map((p, i) => (p.warm.image && variants[0].phases[i].warm.image ? imageDiff(p.warm.image.file, variants[0].phases[i].warm.image!.file) : null)),
    }));
    const summaries = variants.map((v) => ({ name: v.name, summary: summarize(v.metrics), runs: v.metrics.length }));
    const ratios = variants.slice(1).map((v) => ({ name: `${v.name.split(' ')[0] === 'anchor' ? 'ours/anchor' : `${v.name}/${variants[0].name}`}`, ratio: v.impl === 'anchor' ? pairedRatios(variants[0].metrics, v.metrics) : pairedRatios(v.metrics, variants[0].metrics) }));
    const machine = {
      cpu: cpuModel(), logicalCpus: cpus().length, memoryGb: +(totalmem() / 2 ** 30).toFixed(1), freeMemoryGbAtStart: +(freemem() / 2 ** 30).toFixed(1),
      loadAverage: { start: +loadAtStart.toFixed(2), end: +loadavg()[0].toFixed(2) },
      os: `${platform()} ${release()}`, node: process.version, runtime: variants[0].phases[0].warm.runtime,
      anchorRuntime: variants.find((v) => v.impl === 'anchor')?.phases[0]?.warm.runtime,
    };
    const config = { model: args.model, size, steps: args.steps, runs: args.runs, generations: args.generations, guidance, rows: guidance > 1 ? 2 : 1, seed: args.seed, precisions: args.precisions, anchor: args.anchor, releaseTextEncoder: args.releaseTextEncoder, scheduler: schedulerClass };
    const report = { machine, config, ceiling, transformerFlopsPerCall: flops, weightsMb, summaries, ratios, images, variants: variants.map(({ name, impl, precision, phases, metrics }) => ({ name, impl, precision, phases, metrics })) };
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, `${JSON.stringify(report, null, 1)}\n`);
    console.log(formatReport(report, args.json));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
