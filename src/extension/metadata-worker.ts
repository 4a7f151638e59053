// The gallery's reading thread, host side: image files' parameters are read in a worker thread
// (metadata-thread.ts, bundled as dist/metadata-thread.js), a batch at a time. A batch that takes
// too long ends the thread (it starts again for the next batch) and its files show without
// parameters; the thread also ends after a while idle and never keeps the process alive.

import { Worker } from 'node:worker_threads';
import type { ImageParameters } from '../image/parameters';
import { PendingReplies } from '../protocol/request-reply';

export interface ParametersReader {
  /** Each file's parameters, in order; undefined for files without (or unreadable). */
  read(files: string[]): Promise<(ImageParameters | undefined)[]>;
}

export interface ReadRequest {
  requestId: number;
  files: string[];
}
export interface ReadReply {
  requestId: number;
  results: (ImageParameters | null)[];
}

const BATCH = 64;
const BATCH_TIMEOUT_MS = 10_000;
const IDLE_MS = 30_000;

export class MetadataWorker implements ParametersReader {
  private worker: Worker | undefined;
  private idle: ReturnType<typeof setTimeout> | undefined;
  private readonly replies: PendingReplies<ReadReply['results'] | undefined>;

  constructor(private readonly createWorker: () => Worker, timeoutMs = BATCH_TIMEOUT_MS, private readonly idleMs = IDLE_MS) {
    this.replies = new PendingReplies<ReadReply['results'] | undefined>(timeoutMs, () => undefined);
  }

  static fromScript(script: string): MetadataWorker {
    return new MetadataWorker(() => new Worker(script, { stdout: false, stderr: false }));
  }

  async read(files: string[]): Promise<(ImageParameters | undefined)[]> {
    const out: (ImageParameters | undefined)[] = [];
    for (let i = 0; i < files.length; i += BATCH) {
      const batch = files.slice(i, i + BATCH);
      const send = (requestId: number) => this.ensure().postMessage({ requestId, files: batch } satisfies ReadRequest);
      const results = await this.replies.request(send).catch(() => undefined);
      if (!results) this.stop(); // stuck or dead: the next batch gets a fresh thread
      batch.forEach((_, k) => out.push(results?.[k] ?? undefined));
    }
    this.scheduleIdleStop();
    return out;
  }

  /** Ends the thread now (a later read starts another). */
  stop(): void {
    const w = this.worker;
    this.worker = undefined;
    if (w) void w.terminate();
    this.replies.dispose();
  }

  private ensure(): Worker {
    if (this.idle) clearTimeout(this.idle);
    if (this.worker) return this.worker;
    const w = this.createWorker();
    w.unref();
    w.on('message', (m: ReadReply) => this.replies.resolve(m.requestId, m.results));
    w.on('error', () => this.worker === w && this.stop());
    w.on('exit', () => this.worker === w && this.stop());
    this.worker = w;
    return w;
  }

  private scheduleIdleStop(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(), this.idleMs);
    this.idle.unref();
  }
}
