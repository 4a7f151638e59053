// `pixart download-model --repo ID [--base ID] …`: a PixArt checkpoint from a Hugging Face repo into
// the Hugging Face cache (src/hub); with --base (or by default for PixArt-Σ's transformer-only 512
// and 2K repos), transformer/ from the repo and everything else from the base, as one download.
// The snapshot folder goes to stdout (with a base, the base's on a second line); progress to stderr, as text
// or (`--progress json`, for the extension, which runs this as a child process) one JSON object a
// line: {"type":"progress",…}, then {"type":"done",…}, {"type":"error",…} or {"type":"cancelled"}.
// SIGINT/SIGTERM cancel; what was fetched is kept and the next start resumes it.
import { downloadSnapshots, DownloadCancelledError, formatBytes, formatDuration, HubError, transformerOnlyRepo, type DownloadProgress, type Snapshot, type SnapshotRequest } from '../hub';
import { UsageError } from './args';

export const DOWNLOAD_USAGE = `usage: pixart download-model --repo ID [--base ID] [--revision R] [--variant fp16] [--cache-dir DIR]
  [--offline] [--progress text|json]
Downloads what the PixArt pipeline reads (safetensors weights, configs, tokenizer, scheduler) from a
Hugging Face repo into the Hugging Face cache (HF_HUB_CACHE, else $HF_HOME/hub), resuming a stopped
download, and prints the snapshot folder. With --base, only transformer/ comes from --repo and the
rest from --base (at main), and both folders are printed; PixArt-alpha/PixArt-Sigma-XL-2-512-MS and
-2K-MS hold only transformer/ and default to --base PixArt-alpha/pixart_sigma_sdxlvae_T5_diffusers. Honours HF_ENDPOINT (a mirror), HF_TOKEN (gated repos)
and HF_HUB_OFFLINE=1 (the cache only). --progress json: one JSON object a line on stderr.`;

export interface DownloadArgs {
  repo: string;
  /** The repo everything but transformer/ comes from. */
  base?: string;
  revision?: string;
  variant?: 'fp16';
  cacheDir?: string;
  offline: boolean;
  progress: 'text' | 'json';
}

/** The flags that say where and how to download (build-model takes them too). */
export type DownloadFlags = Partial<Pick<DownloadArgs, 'revision' | 'variant' | 'cacheDir' | 'offline'>>;

/** Reads one of the download flags into `o`; false when `flag` is not one of them. */
export function readDownloadFlag(flag: string, value: () => string, o: DownloadFlags): boolean {
  if (flag === '--revision') o.revision = value();
  else if (flag === '--cache-dir') o.cacheDir = value();
  else if (flag === '--offline') o.offline = true;
  else if (flag === '--variant') {
    const v = value();
    if (v !== 'fp16') throw new UsageError(`--variant takes fp16 (leave it out for the full-precision weights), got "${v}"`);
    o.variant = v;
  } else return false;
  return true;
}

export function parseDownloadArgs(argv: string[]): DownloadArgs {
  const o: Partial<DownloadArgs> = { offline: false, progress: 'text' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--repo') o.repo = value();
    else if (flag === '--base') o.base = value();
    else if (readDownloadFlag(flag, value, o)) continue;
    else if (flag === '--progress') {
      const v = value();
      if (v !== 'text' && v !== 'json') throw new UsageError(`--progress takes text or json, got "${v}"`);
      o.progress = v;
    } else throw new UsageError(`download-model: unknown argument "${flag}"`);
  }
  if (!o.repo) throw new UsageError('download-model needs --repo ID (owner/name, e.g. PixArt-alpha/PixArt-LCM-XL-2-1024-MS)');
  return o as DownloadArgs;
}

/** One progress line: "12 MB / 1.8 GB (1 %), 45 MB/s, 40 s left: transformer/…". */
export function progressText(p: DownloadProgress): string {
  if (p.phase === 'resolving') return 'asking the hub for the files…';
  if (p.phase === 'done') return `done: ${formatBytes(p.bytesTotal)} in ${p.filesTotal} files`;
  const pct = p.bytesTotal > 0 ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : 100;
  const rate = p.bytesPerSecond !== undefined ? `, ${formatBytes(p.bytesPerSecond)}/s` : '';
  const eta = p.etaSeconds !== undefined ? `, ${formatDuration(p.etaSeconds)} left` : '';
  return `${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)} (${pct} %)${rate}${eta}${p.file ? `: ${p.file}` : ''}`;
}

type Write = (text: string) => void;

/** Progress on stderr: JSON lines; on a terminal one line rewritten in place; otherwise a line every 2 s. */
function progressPrinter(mode: 'text' | 'json', err: Write, tty: boolean): (p: DownloadProgress) => void {
  if (mode === 'json') return (p) => err(`${JSON.stringify({ type: 'progress', ...p })}\n`);
  let last = -Infinity;
  return (p) => {
    const now = performance.now();
    if (p.phase === 'downloading' && now - last < (tty ? 200 : 2000)) return;
    last = now;
    err(tty ? `\r\x1b[2K${progressText(p)}${p.phase === 'done' ? '\n' : ''}` : `${progressText(p)}\n`);
  };
}

function report(mode: 'text' | 'json', err: Write, e: HubError | DownloadCancelledError): number {
  const cancelled = e instanceof DownloadCancelledError;
  if (mode === 'json') err(`${JSON.stringify(cancelled ? { type: 'cancelled', message: e.message } : { type: 'error', kind: e.kind, message: e.message, missing: e.missing })}\n`);
  err(`pixart: ${e.message}\n`);
  return cancelled ? 130 : 1;
}

/** Runs the command; returns the exit code (0, 1 for a failure, 130 when cancelled). A UsageError is thrown. */
export async function runDownloadModel(argv: string[], out: Write = (t) => process.stdout.write(t), err: Write = (t) => process.stderr.write(t)): Promise<number> {
  const args = parseDownloadArgs(argv);
  const stop = new AbortController();
  const cancel = () => stop.abort();
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  const base = args.base ?? transformerOnlyRepo(args.repo)?.base;
  const requests: SnapshotRequest[] = base ? [{ repo: args.repo, revision: args.revision, part: 'transformer' }, { repo: base, part: 'base' }] : [args];
  let snaps: Snapshot[];
  try {
    snaps = await downloadSnapshots(requests, { ...args, signal: stop.signal, onProgress: progressPrinter(args.progress, err, args.progress === 'text' && !!process.stderr.isTTY) });
  } catch (e) {
    if (e instanceof HubError || e instanceof DownloadCancelledError) return report(args.progress, err, e);
    throw e;
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
  const [snap, baseSnap] = snaps;
  if (args.progress === 'json') err(`${JSON.stringify({ type: 'done', ...snap, ...(baseSnap ? { base: { repo: base, ...baseSnap } } : {}) })}\n`);
  out(snaps.map((s) => `${s.snapshotDir}\n`).join(''));
  return 0;
}
