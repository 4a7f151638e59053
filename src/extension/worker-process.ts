// Starting the inference worker (dist/worker.js) as a child process, and passing its output to the
// log within bounds. A process, not a thread: the OS takes back a process's native memory (the
// OpenVINO core and compiled models) when it ends, which it never does for a terminated thread,
// and a native crash (a segfault in the runtime) ends the child instead of the extension host.
// Node only, no VS Code.

import { fork, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

export type StartWorker = (script: string) => ChildProcess;

/** The real start: dist/worker.js under the same Node (or Electron run as Node) as the host. */
export function forkWorker(script: string): ChildProcess {
  return fork(script, [], {
    // Typed arrays (images, previews) pass as structured clones, as they did between threads.
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // In VS Code's extension host process.execPath is Electron: run it as Node, and without the
    // host's own flags (--inspect, --max-old-space-size …).
    execArgv: [],
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
}

/** Longest line passed on; longer ones are cut. */
const MAX_LINE = 1000;
/** Lines passed on per process; after that the output is read and dropped. */
const MAX_LINES = 200;

type Level = 'info' | 'warn';

/** Lines of stderr kept to name a crash. */
const KEPT_ERROR_LINES = 20;
/** A line that says what went wrong: Node's "Error: …" of an uncaught exception, a native abort. */
const ERROR_LINE = /\b(error|exception|terminate|abort|fault|fatal)/i;

/**
 * Reads a child's stdout (info) and stderr (warn) line by line into `log`, at most MAX_LINES
 * lines of at most MAX_LINE characters, and keeps stderr's last lines to name a crash. The
 * streams are always drained: a child blocked on a full pipe would hang.
 */
export class WorkerOutput {
  private lines = 0;
  private readonly errors: string[] = [];

  constructor(child: ChildProcess, private readonly log: (level: Level, message: string) => void) {
    this.follow(child.stdout, 'info');
    this.follow(child.stderr, 'warn');
  }

  /** The last line of stderr that says what went wrong ('' when none), without stack frames. */
  get errorLine(): string {
    for (let i = this.errors.length - 1; i >= 0; i--) if (ERROR_LINE.test(this.errors[i]) && !/^at /.test(this.errors[i])) return this.errors[i];
    return '';
  }

  private follow(stream: Readable | null, level: Level): void {
    if (!stream) return;
    stream.setEncoding('utf8');
    let partial = '';
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split(/\r?\n/);
      partial = parts.pop() ?? '';
      // A line without an end is cut at MAX_LINE instead of being held without bound.
      if (partial.length > MAX_LINE) {
        parts.push(partial);
        partial = '';
      }
      for (const line of parts) this.line(line, level);
    });
    stream.on('end', () => partial && this.line(partial, level));
  }

  private line(text: string, level: Level): void {
    const line = text.length > MAX_LINE ? `${text.slice(0, MAX_LINE)}…` : text;
    if (!line.trim()) return;
    if (level === 'warn' && this.errors.push(line.trim()) > KEPT_ERROR_LINES) this.errors.shift();
    this.lines++;
    if (this.lines <= MAX_LINES) this.log(level, `worker ${level === 'warn' ? 'stderr' : 'stdout'}: ${line}`);
    else if (this.lines === MAX_LINES + 1) this.log('warn', `worker: more than ${MAX_LINES} lines of output; the rest is dropped`);
  }
}
