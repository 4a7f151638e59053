// The options of `npm run bench` (see the usage in bench/bench.ts), checked, with the defaults filled in.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type OurPrecision = 'f32' | 'auto';
export type TorchPrecision = 'f32' | 'bf16';

export interface BenchArgs {
  model: string;
  /** 'auto' (the model's static size, else 512×512) or WIDTHxHEIGHT, one per condition. */
  sizes: string[];
  /** Busy-loop processes running beside each measured run, one level per condition. */
  busy: number[];
  steps: number;
  runs: number;
  precisions: OurPrecision[];
  /** bench/anchor.py: diffusers over our OpenVINO models, at each of `precisions`. */
  anchor: boolean;
  /** bench/anchor-torch.py: diffusers on PyTorch alone, from `diffusers`, at each of `torchPrecisions`. */
  anchorTorch: boolean;
  torchPrecisions: TorchPrecision[];
  torchTextEncoderDtype: TorchPrecision;
  diffusers: string | null;
  /** Another checkout whose bench/run-once.ts runs beside ours, at each of `precisions`. */
  baseline: string | null;
  json: string;
  guidance: number | null;
  seed: number;
  python: string | null;
  ceilingMs: number;
  generations: number;
  releaseTextEncoder: boolean;
}

const FLAGS = ['anchor', 'anchor-torch', 'release-text-encoder'];
const VALUED = ['model', 'size', 'sizes', 'busy', 'steps', 'runs', 'precision', 'torch-precision', 'torch-text-encoder-dtype', 'diffusers', 'baseline', 'json', 'guidance', 'seed', 'python', 'ceiling-ms', 'generations'];

function rawOptions(argv: string[]): Record<string, string> {
  const a: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (!k.startsWith('--')) throw new Error(`unexpected argument ${k}`);
    const name = k.slice(2);
    if (FLAGS.includes(name)) a[name] = 'true';
    else if (!VALUED.includes(name)) throw new Error(`unknown option ${k} (options: ${[...VALUED, ...FLAGS].map((x) => `--${x}`).join(' ')})`);
    else if (argv[i + 1] === undefined) throw new Error(`${k} needs a value`);
    else a[name] = argv[++i];
  }
  return a;
}

function listOf<T extends string>(value: string, allowed: readonly T[], option: string): T[] {
  const items = value.split(',');
  for (const p of items) if (!allowed.includes(p as T)) throw new Error(`--${option} takes ${allowed.join(', ')} or a comma-separated list of them; got ${p}`);
  return items as T[];
}

function sizesOf(a: Record<string, string>): string[] {
  if (a.size && a.sizes) throw new Error('give --size or --sizes, not both');
  const sizes = (a.sizes ?? a.size ?? 'auto').split(',');
  for (const s of sizes) if (s !== 'auto' && !/^\d+x\d+$/.test(s)) throw new Error(`--size/--sizes: WIDTHxHEIGHT (e.g. 1024x1024) or auto; got ${s}`);
  return sizes;
}

function count(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${option} takes a whole number ≥ 0; got ${value}`);
  return n;
}

/** The checkout a --baseline names must be able to run its own bench/run-once.ts. */
function checkBaseline(dir: string): string {
  const d = resolve(dir);
  // It runs from source through tsx (no build), with this checkout's packages and OpenVINO runtime.
  const fix = `make one with: git worktree add ${d} <commit> && ln -s "$PWD/node_modules" ${d}/node_modules && mkdir -p ${d}/.cache && ln -s "$PWD/.cache/python-venv" ${d}/.cache/python-venv`;
  if (!existsSync(join(d, 'bench', 'run-once.ts'))) throw new Error(`--baseline ${d}: no bench/run-once.ts there; ${fix}`);
  if (!existsSync(join(d, 'node_modules', 'tsx'))) throw new Error(`--baseline ${d}: no node_modules/tsx there; ${fix}`);
  return d;
}

export function parseBenchArgs(argv: string[], root: string): BenchArgs {
  const a = rawOptions(argv);
  const tiny = join(root, 'test', 'fixtures', 'pixart-tiny');
  const model = resolve(a.model ?? tiny);
  const anchorTorch = a['anchor-torch'] === 'true';
  // The tiny model's own diffusers checkpoint is the default only for the tiny model: another
  // model's torch anchor must name the checkpoint it was made from.
  const diffusers = a.diffusers ? resolve(a.diffusers) : model === tiny ? join(root, 'test', 'fixtures', 'pixart-tiny-diffusers') : null;
  if (anchorTorch && !diffusers) throw new Error('--anchor-torch needs --diffusers DIR: the diffusers checkpoint of --model (e.g. the folder bench/random-checkpoint.py wrote)');
  if (anchorTorch && !['model_index.json', join('vae', 'config.json')].every((f) => existsSync(join(diffusers!, f)))) {
    throw new Error(`--diffusers ${diffusers}: not a diffusers checkpoint (it needs model_index.json and vae/; an OpenVINO model folder has vae_decoder/ instead)`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    model,
    sizes: sizesOf(a),
    busy: (a.busy ?? '0').split(',').map((b) => count(b, 'busy')),
    steps: count(a.steps ?? '4', 'steps'),
    runs: Math.max(1, count(a.runs ?? '5', 'runs')),
    precisions: listOf(a.precision ?? 'f32', ['f32', 'auto'] as const, 'precision'),
    anchor: a.anchor === 'true',
    anchorTorch,
    torchPrecisions: listOf(a['torch-precision'] ?? 'f32,bf16', ['f32', 'bf16'] as const, 'torch-precision'),
    torchTextEncoderDtype: listOf(a['torch-text-encoder-dtype'] ?? 'f32', ['f32', 'bf16'] as const, 'torch-text-encoder-dtype')[0],
    diffusers,
    baseline: a.baseline ? checkBaseline(a.baseline) : null,
    json: resolve(a.json ?? join(root, 'bench-results', `bench-${stamp}.json`)),
    guidance: a.guidance === undefined ? null : Number(a.guidance),
    seed: Number(a.seed ?? 42),
    python: a.python ?? null,
    ceilingMs: Number(a['ceiling-ms'] ?? 1500),
    generations: Math.max(1, count(a.generations ?? '2', 'generations')),
    releaseTextEncoder: a['release-text-encoder'] === 'true',
  };
}
