// The gallery's reading thread run from source (tsx inside the worker), as dist/metadata-thread.js runs in VS Code.
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { MetadataWorker } from '../../src/extension/metadata-worker';

const source = join(__dirname, '..', '..', 'src', 'extension', 'metadata-thread.ts');

export function metadataWorkerFromSource(timeoutMs?: number): MetadataWorker {
  return new MetadataWorker(() => new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true }), timeoutMs);
}
