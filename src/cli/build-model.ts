// `pixart build-model --from DIR --out DIR`: a model folder built from a diffusers PixArt-α
// checkpoint (src/builder/build-model.ts). Progress goes to stderr, as text or (--progress json)
// one JSON object per line for a program that runs the CLI as a child process; the model folder
// goes to stdout. Ctrl+C or SIGTERM cancels the build, which leaves nothing behind.
import { buildModel, TEXT_ENCODER_WEIGHTS, TRANSFORMER_WEIGHTS, type BuildPhase, type ModelWeights } from '../builder/build-model';
import type { ManifestSource } from '../builder/manifest';
import { UsageError } from './args';

export const BUILD_MODEL_USAGE = `usage: pixart build-model --from DIR --out DIR [--weights text_encoder=int8,transformer=f16]
  [--progress text|json] [--repo ID] [--revision REV] [--commit SHA]
Builds an OpenVINO model folder from a diffusers PixArt-α checkpoint (its safetensors), without
Python. --out must be new or empty. --weights: text_encoder int8|int4|f16|f32 (default int8),
transformer f32|f16|bf16 (default f16). --repo, --revision, --commit name the source in the
manifest. Progress goes to stderr (--progress json: one JSON object per line); the model folder
is printed on stdout.`;

export interface BuildModelCliOptions {
  from: string;
  out: string;
  weights: ModelWeights;
  progress: 'text' | 'json';
  source: ManifestSource;
}

export const DEFAULT_WEIGHTS: ModelWeights = { text_encoder: 'int8', transformer: 'f16' };

/** `text_encoder=int8,transformer=f16` (either may be left out). */
function parseWeights(text: string): ModelWeights {
  const w = { ...DEFAULT_WEIGHTS };
  for (const part of text.split(',')) {
    const [key, value, extra] = part.split('=');
    if (key === 'text_encoder' && (TEXT_ENCODER_WEIGHTS as readonly string[]).includes(value) && extra === undefined) w.text_encoder = value as ModelWeights['text_encoder'];
    else if (key === 'transformer' && (TRANSFORMER_WEIGHTS as readonly string[]).includes(value) && extra === undefined) w.transformer = value as ModelWeights['transformer'];
    else {
      throw new UsageError(`--weights: "${part}" is not text_encoder=${TEXT_ENCODER_WEIGHTS.join('|')} or transformer=${TRANSFORMER_WEIGHTS.join('|')}`);
    }
  }
  return w;
}

export function parseBuildModelArgs(argv: string[]): BuildModelCliOptions {
  const o: Partial<BuildModelCliOptions> & { source: ManifestSource } = { weights: { ...DEFAULT_WEIGHTS }, progress: 'text', source: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--from') o.from = value();
    else if (flag === '--out') o.out = value();
    else if (flag === '--weights') o.weights = parseWeights(value());
    else if (flag === '--progress') {
      const v = value();
      if (v !== 'text' && v !== 'json') throw new UsageError(`--progress takes text or json, got "${v}"`);
      o.progress = v;
    } else if (flag === '--repo') o.source.repo = value();
    else if (flag === '--revision') o.source.revision = value();
    else if (flag === '--commit') o.source.commit = value();
    else throw new UsageError(`unknown option "${flag}" for build-model`);
  }
  if (!o.from) throw new UsageError('--from DIR (a diffusers PixArt-α checkpoint) is required');
  if (!o.out) throw new UsageError('--out DIR (the model folder to create) is required');
  return o as BuildModelCliOptions;
}

/** Progress lines: each phase's start and end, and in between at most one a second (text) or five (json). */
function progressWriter(mode: 'text' | 'json', write: (line: string) => void) {
  let phase = '';
  let last = 0;
  return (p: BuildPhase, done: number, total: number) => {
    const now = performance.now();
    const edge = p !== phase || done >= total;
    if (!edge && now - last < (mode === 'json' ? 200 : 1000)) return;
    phase = p;
    last = now;
    if (mode === 'json') write(JSON.stringify({ phase: p, done, total }));
    else if (p === 'hashing') write(`hashing: ${(done / 2 ** 20).toFixed(0)} of ${(total / 2 ** 20).toFixed(0)} MB`);
    else if (p !== 'checking') write(`${p}: ${done} of ${total} tensors`);
    else write('checking the checkpoint …');
  };
}

export interface CliStreams {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

const consoleStreams: CliStreams = { stdout: (l) => console.log(l), stderr: (l) => console.error(l) };

/** Runs the build; resolves with the exit code (0, 1 on failure, 130 when cancelled). */
export async function runBuildModel(o: BuildModelCliOptions, io: CliStreams = consoleStreams): Promise<number> {
  const ac = new AbortController();
  const cancel = () => ac.abort();
  process.on('SIGINT', cancel); // on, not once: a second Ctrl+C must not kill the clean-up
  process.on('SIGTERM', cancel);
  const json = o.progress === 'json';
  try {
    const built = await buildModel({ from: o.from, out: o.out, weights: o.weights, source: o.source, signal: ac.signal, onProgress: progressWriter(o.progress, io.stderr) });
    const summary = { phase: 'done', dir: built.dir, seconds: Math.round(built.seconds * 10) / 10, peak_rss_gb: Math.round(built.peakRssGb * 100) / 100 };
    io.stderr(json ? JSON.stringify(summary) : `built ${built.dir} in ${summary.seconds} s (peak RSS ${summary.peak_rss_gb} GB)`);
    io.stdout(built.dir);
    return 0;
  } catch (err) {
    const cancelled = ac.signal.aborted;
    const message = cancelled ? 'build-model cancelled; nothing was written' : (err as Error).message;
    io.stderr(json ? JSON.stringify({ phase: cancelled ? 'cancelled' : 'failed', message }) : `pixart: ${message}`);
    return cancelled ? 130 : 1;
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}
