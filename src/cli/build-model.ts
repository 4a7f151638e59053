// `pixart build-model --from REPO_OR_DIR [--base REPO_OR_DIR] --out DIR`: a model folder built from
// a diffusers PixArt checkpoint (src/builder/build-model.ts), downloaded first when --from is a repo
// id (src/hub). A --from that holds only transformer/ takes the other parts from --base (by default,
// for PixArt-Σ's 512 and 2K repos, their known base); both repos download as one. Progress goes to
// stderr, as text or (--progress json) one JSON object per line for a program that runs the CLI as a
// child process; the model folder goes to stdout. Ctrl+C or SIGTERM cancels the build, which leaves
// nothing behind.
import { buildModel, TEXT_ENCODER_WEIGHTS, TRANSFORMER_WEIGHTS, type BuildPhase, type ModelWeights } from '../builder/build-model';
import type { ManifestSource } from '../builder/manifest';
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { downloadSnapshots, DownloadCancelledError, transformerOnlyRepo, type SnapshotRequest } from '../hub';
import { UsageError } from './args';
import { progressText, readDownloadFlag, type DownloadFlags } from './download-model';

export const BUILD_MODEL_USAGE = `usage: pixart build-model --from REPO_OR_DIR [--base REPO_OR_DIR] --out DIR [--weights text_encoder=int8,transformer=f16]
  [--revision REV] [--variant fp16] [--cache-dir DIR] [--offline] [--progress text|json]
Builds an OpenVINO model folder from a diffusers PixArt checkpoint (its safetensors), without
Python. --from is a local diffusers folder, or a Hugging Face repo id (owner/name), which is first
downloaded into the Hugging Face cache as \`pixart download-model\` does (--revision, --variant,
--cache-dir, --offline as there). With --base, --from gives only its transformer/ and --base
(a folder or a repo id, at main) everything else; PixArt-alpha/PixArt-Sigma-XL-2-512-MS and -2K-MS
hold only transformer/ and default to --base PixArt-alpha/pixart_sigma_sdxlvae_T5_diffusers.
--out must be new or empty. --weights: text_encoder
int8|int4|f16|f32 (default int8), transformer f32|f16|bf16 (default f16). Progress goes to stderr
(--progress json: one JSON object per line); the model folder is printed on stdout.`;

export interface BuildModelCliOptions {
  from: string;
  /** Where the parts other than the transformer come from, when --from holds only transformer/. */
  base?: string;
  out: string;
  weights: ModelWeights;
  progress: 'text' | 'json';
  source: ManifestSource;
  baseSource?: ManifestSource;
  /** Where and how --from REPO is downloaded. */
  download: DownloadFlags;
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
  const o: Partial<BuildModelCliOptions> & { source: ManifestSource; download: DownloadFlags } = { weights: { ...DEFAULT_WEIGHTS }, progress: 'text', source: {}, download: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--from') o.from = value();
    else if (flag === '--base') o.base = value();
    else if (flag === '--out') o.out = value();
    else if (flag === '--weights') o.weights = parseWeights(value());
    else if (flag === '--progress') {
      const v = value();
      if (v !== 'text' && v !== 'json') throw new UsageError(`--progress takes text or json, got "${v}"`);
      o.progress = v;
    } else if (!readDownloadFlag(flag, value, o.download)) throw new UsageError(`unknown option "${flag}" for build-model`);
  }
  if (!o.from) throw new UsageError('--from REPO_OR_DIR (a Hugging Face repo id or a diffusers PixArt checkpoint folder) is required');
  if (!o.out) throw new UsageError('--out DIR (the model folder to create) is required');
  return o as BuildModelCliOptions;
}

/** The share of the whole run each phase takes, for one progress fraction (a download first when there is one). */
const BUILD_PHASES: BuildPhase[] = ['checking', 'vae_decoder', 'text_encoder', 'transformer', 'hashing'];
const PHASE_WORDS: Record<BuildPhase, string> = {
  checking: 'Checking the checkpoint', vae_decoder: 'Building the VAE decoder', text_encoder: 'Building the text encoder (T5)',
  transformer: 'Building the transformer', hashing: 'Hashing the files',
};

/**
 * One progress stream for the download and the build: a line a second (text) or at most five a
 * second (json: `{type: "progress", phase, message, fraction}`, fraction over the whole run).
 */
export function progressWriter(mode: 'text' | 'json', write: (line: string) => void, downloading: boolean) {
  const phases = downloading ? ['download', ...BUILD_PHASES] : BUILD_PHASES;
  let phase = '';
  let last = 0;
  return (p: string, message: string, part: number) => {
    const now = performance.now();
    const edge = p !== phase || part >= 1;
    if (!edge && now - last < (mode === 'json' ? 200 : 1000)) return;
    phase = p;
    last = now;
    const fraction = (Math.max(0, phases.indexOf(p)) + Math.min(1, part)) / phases.length;
    write(mode === 'json' ? JSON.stringify({ type: 'progress', phase: p, message, fraction }) : message);
  };
}

function buildMessage(p: BuildPhase, done: number, total: number): string {
  if (p === 'checking') return `${PHASE_WORDS[p]}…`;
  if (p === 'hashing') return `${PHASE_WORDS[p]}: ${(done / 2 ** 20).toFixed(0)} of ${(total / 2 ** 20).toFixed(0)} MB`;
  return `${PHASE_WORDS[p]}: ${total ? Math.floor((100 * done) / total) : 100} %`;
}

export interface CliStreams {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

const consoleStreams: CliStreams = { stdout: (l) => console.log(l), stderr: (l) => console.error(l) };

/** `--from` names a folder when one exists there; otherwise it must be a repo id. */
function isRepo(from: string): boolean {
  return !existsSync(from) && !isAbsolute(from) && !from.startsWith('.') && from.split('/').length === 2;
}

/** What the run reads: --from, and the base (named, or the known one of a transformer-only repo), and which of them to download. */
interface Sources {
  from: string;
  base?: string;
  /** The pipeline a known transformer-only repo belongs to. */
  pipeline?: string;
  downloads: SnapshotRequest[];
}

function sourcesOf(o: BuildModelCliOptions): Sources {
  const known = isRepo(o.from) ? transformerOnlyRepo(o.from) : undefined;
  const base = o.base ?? known?.base;
  const downloads: SnapshotRequest[] = [];
  if (isRepo(o.from)) downloads.push({ repo: o.from, revision: o.download.revision, part: base ? 'transformer' : 'pipeline' });
  if (base && isRepo(base)) downloads.push({ repo: base, part: 'base' });
  return { from: o.from, base, pipeline: known?.pipeline, downloads };
}

/** Downloads the repos (or finds them in the cache) as one; returns the folders to build from, and records the sources for the manifest. */
async function download(o: BuildModelCliOptions, s: Sources, signal: AbortSignal, progress: ReturnType<typeof progressWriter>): Promise<{ from: string; base?: string }> {
  const what = s.downloads.map((d) => d.repo).join(' and ');
  const snaps = await downloadSnapshots(s.downloads, {
    ...o.download, offline: o.download.offline || undefined, signal,
    onProgress: (p) => progress('download', `Downloading ${what}: ${progressText(p)}`, p.bytesTotal ? p.bytesDone / p.bytesTotal : 0),
  });
  const folders: { from: string; base?: string } = { from: s.from, base: s.base };
  for (const [i, d] of s.downloads.entries()) {
    const source = { repo: d.repo, revision: d.revision ?? 'main', commit: snaps[i].commit };
    if (d.part === 'base') [o.baseSource, folders.base] = [source, snaps[i].snapshotDir];
    else [o.source, folders.from] = [source, snaps[i].snapshotDir];
  }
  return folders;
}

/** Runs the download (for a repo id) and the build; resolves with the exit code (0, 1 on failure, 130 when cancelled). */
export async function runBuildModel(o: BuildModelCliOptions, io: CliStreams = consoleStreams): Promise<number> {
  const ac = new AbortController();
  const cancel = () => ac.abort();
  process.on('SIGINT', cancel); // on, not once: a second Ctrl+C must not kill the clean-up
  process.on('SIGTERM', cancel);
  const json = o.progress === 'json';
  const sources = sourcesOf(o);
  const downloading = sources.downloads.length > 0;
  const progress = progressWriter(o.progress, io.stderr, downloading);
  try {
    const { from, base } = downloading ? await download(o, sources, ac.signal, progress) : sources;
    const built = await buildModel({
      from, base, pipeline: sources.pipeline, out: o.out, weights: o.weights, source: o.source, baseSource: o.baseSource, signal: ac.signal,
      onProgress: (p, done, total) => progress(p, buildMessage(p, done, total), total ? done / total : 1),
    });
    const summary = { type: 'done', dir: built.dir, seconds: Math.round(built.seconds * 10) / 10, peak_rss_gb: Math.round(built.peakRssGb * 100) / 100 };
    io.stderr(json ? JSON.stringify(summary) : `built ${built.dir} in ${summary.seconds} s (peak RSS ${summary.peak_rss_gb} GB)`);
    io.stdout(built.dir);
    return 0;
  } catch (err) {
    const cancelled = ac.signal.aborted || err instanceof DownloadCancelledError;
    const message = cancelled ? `build-model cancelled; nothing was written${downloading ? ' (what was downloaded stays in the cache and is resumed next time)' : ''}` : (err as Error).message;
    io.stderr(json ? JSON.stringify({ type: cancelled ? 'cancelled' : 'error', message }) : `pixart: ${message}`);
    return cancelled ? 130 : 1;
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}
