// `npm run bench -- [--model DIR] [--size WxH | --sizes 512x512,1024x1024] [--busy N | --busy 0,1]
//                   [--steps 4] [--runs 5] [--generations 2] [--precision f32|auto|f32,auto]
//                   [--anchor] [--anchor-torch [--diffusers DIR] [--torch-precision f32,bf16]
//                   [--torch-text-encoder-dtype f32|bf16]] [--baseline CHECKOUT]
//                   [--json FILE] [--guidance G] [--seed N] [--python PY] [--ceiling-ms MS]
//                   [--release-text-encoder]`
//
// For each condition (each size × each busy level): every variant (bench/variants.ts) --runs times,
// each run in fresh processes (a cold compile into an empty CACHE_DIR, then a warm start from it
// that generates --generations images and encodes one new prompt), the order alternating run by
// run (bench/measure.ts). Prints per condition a Markdown table of medians (min–max) and of ratios
// taken run by run, and writes everything as JSON (bench/format-report.ts).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { readModelFolder } from '../src/pipeline/model-folder';
import { schedulerDefaults } from '../src/protocol/generation';
import { parseBenchArgs, type BenchArgs } from './bench-args';
import { measureCondition } from './measure';
import { variantsFor } from './variants';
import { conditionReport, formatReport, type BenchReport } from './format-report';
import { machineAtStart } from './machine';
import { DEFAULT_PROMPT, NEW_PROMPT } from './run-args';

const root = resolve(__dirname, '..');

/** The anchors' interpreter: --python, $PIXART_BENCH_PYTHON, or a project venv that has diffusers. */
function anchorPython(explicit: string | null): string {
  const candidates = [explicit, process.env.PIXART_BENCH_PYTHON, join(root, '.cache', 'bench-venv', 'bin', 'python'), join(root, '.cache', 'torch-venv', 'bin', 'python')];
  for (const c of candidates) if (c && (c.includes('/') ? existsSync(c) : true)) return c;
  throw new Error('--anchor and --anchor-torch need Python with torch and diffusers (and openvino for --anchor): see CONTRIBUTING "Benchmark" (pip install -r bench/requirements.txt), or pass --python');
}

function benchConfig(args: BenchArgs, guidance: number, scheduler: string): BenchReport['config'] {
  return {
    model: args.model, sizes: args.sizes, busy: args.busy, steps: args.steps, runs: args.runs, generations: args.generations, guidance, rows: guidance > 1 ? 2 : 1,
    seed: args.seed, prompt: DEFAULT_PROMPT, newPrompt: NEW_PROMPT, precisions: args.precisions, releaseTextEncoder: args.releaseTextEncoder, scheduler,
    anchor: args.anchor, anchorTorch: args.anchorTorch, ...(args.anchorTorch ? { diffusers: args.diffusers, torchPrecisions: args.torchPrecisions, torchTextEncoderDtype: args.torchTextEncoderDtype } : {}),
    baseline: args.baseline,
  };
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), root);
  const scheduler = (JSON.parse(readFileSync(readModelFolder(args.model).schedulerConfigFile, 'utf8')) as { _class_name: string })._class_name;
  const guidance = args.guidance ?? schedulerDefaults(scheduler).guidanceScale;
  const python = args.anchor || args.anchorTorch ? anchorPython(args.python) : null;
  const variants = variantsFor(args, root, python);
  const machine = machineAtStart();
  const work = mkdtempSync(join(tmpdir(), 'pixart-bench-'));
  const log = (s: string) => process.stderr.write(`${s}\n`);
  try {
    const conditions = [];
    for (const size of args.sizes) {
      for (const busy of args.busy) conditions.push(conditionReport(measureCondition(root, args, variants, { size, busy }, guidance, work, log)));
    }
    const runtimes = Object.fromEntries(conditions[0].variants.map((v) => [v.name, v.phases[0].warm.runtime]));
    const report: BenchReport = { machine: machine(runtimes), config: benchConfig(args, guidance, scheduler), conditions };
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
