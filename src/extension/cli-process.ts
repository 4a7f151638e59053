// Runs this extension's own CLI bundle (dist/cli.js) as a child process with `--progress json`:
// long, memory-hungry work (downloading and building a model) stays off the extension host, a
// crash there is a failed run, and cancel is a signal the CLI turns into a clean stop (what was
// downloaded is kept and resumed next time). Node only, no VS Code.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** One line of the CLI's `--progress json` stream. */
export interface CliEvent {
  type: string;
  [key: string]: unknown;
}

export interface CliRun {
  /** The CLI's stdout (its result, e.g. the folder it wrote), trimmed. */
  stdout: string;
  /** The last `error` event's message, when it failed. */
  error?: string;
  cancelled: boolean;
  exitCode: number | null;
}

export interface CliOptions {
  signal?: AbortSignal;
  onEvent?: (e: CliEvent) => void;
  /** Lines that are not events (warnings, a crash's stack). */
  onText?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** Waits this long after SIGTERM for the CLI to stop cleanly before SIGKILL. */
const STOP_GRACE_MS = 5000;

export function runCli(extensionPath: string, args: string[], o: CliOptions = {}): Promise<CliRun> {
  // In desktop VS Code process.execPath is Electron; ELECTRON_RUN_AS_NODE makes it a plain Node.
  const child = spawn(process.execPath, [join(extensionPath, 'dist', 'cli.js'), ...args, '--progress', 'json'], {
    env: { ...process.env, ...o.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  let stdout = '';
  let error: string | undefined;
  let cancelled = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => { if (stdout.length < 1 << 20) stdout += d; });
  createInterface({ input: child.stderr }).on('line', (line) => {
    const e = parseEvent(line);
    if (!e) return o.onText?.(line);
    if (e.type === 'error' && typeof e.message === 'string') error = e.message;
    if (e.type === 'cancelled') cancelled = true;
    o.onEvent?.(e);
  });
  const stop = () => {
    cancelled = true;
    child.kill('SIGTERM');
    setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), STOP_GRACE_MS).unref();
  };
  if (o.signal?.aborted) stop();
  else o.signal?.addEventListener('abort', stop, { once: true });
  return new Promise((resolve) => {
    child.on('error', (e) => { error ??= `could not start ${process.execPath}: ${e.message}`; });
    child.on('close', (code) => {
      o.signal?.removeEventListener('abort', stop);
      resolve({ stdout: stdout.trim(), error, cancelled, exitCode: code });
    });
  });
}

export function parseEvent(line: string): CliEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(line) as unknown;
    return v && typeof v === 'object' && typeof (v as CliEvent).type === 'string' ? (v as CliEvent) : undefined;
  } catch {
    return undefined;
  }
}
