// The worker-thread entry: one WorkerService fed by the host's messages, with the real pipeline
// on a real OpenVINO engine. Started once by the extension host (dist/worker.js).

import { parentPort } from 'node:worker_threads';
import { createEngine } from '../engine/index';
import { OpenVinoCEngine } from '../engine/openvino-c';
import type { Engine } from '../engine/types';
import { PixArtPipeline } from '../pipeline/pipeline';
import type { HostToWorker, LoadOptions, WorkerToHost } from '../protocol/messages';
import { WorkerService, type LoadedPipeline } from './service';

if (!parentPort) throw new Error('worker.ts must run in a worker thread');
const port = parentPort;

let engine: { key: string; engine: Engine } | undefined;

async function engineFor(options: LoadOptions): Promise<Engine> {
  const key = `${options.runtime}|${options.libraryPath ?? ''}`;
  if (engine && engine.key === key) return engine.engine;
  engine?.engine.dispose();
  engine = undefined;
  const created = await createEngine({ runtime: options.runtime, libraryPath: options.libraryPath || undefined });
  engine = { key, engine: created };
  const from = created instanceof OpenVinoCEngine ? created.libraryPath : created.origin;
  port.postMessage({ type: 'log', level: 'info', message: `OpenVINO ${created.version} (${created.origin}) from ${from}` } satisfies WorkerToHost);
  return created;
}

/** "OpenVINO 2026.4.1 (bundled)", "OpenVINO 2026.4.1 (pixart.openvinoLibraryPath)": short, for the model line. */
function describeRuntime(e: Engine): string {
  return `OpenVINO ${/^\d+\.\d+(\.\d+)?/.exec(e.version)?.[0] ?? e.version} (${e.origin})`;
}

async function load(options: LoadOptions, onStatus: (s: 'loading' | 'compiling' | 'ready') => void): Promise<LoadedPipeline> {
  onStatus('loading');
  const e = await engineFor(options);
  const devices = e.availableDevices();
  if (options.device !== 'AUTO' && !devices.some((d) => d === options.device || d.startsWith(`${options.device}.`))) {
    throw new Error(`OpenVINO reports no ${options.device} device on this machine (available: ${devices.join(', ') || 'none'}). Change the pixart.device setting.`);
  }
  const pipeline = await PixArtPipeline.load(options.modelDir, e, {
    device: options.device,
    cacheDir: options.cacheDir,
    precision: options.precision,
    releaseTextEncoder: options.releaseTextEncoder,
    onStatus,
  });
  return { pipeline, engine: e.name, engineVersion: e.version, runtime: describeRuntime(e), devices };
}

const service = new WorkerService({
  post: (msg: WorkerToHost, transfer?: ArrayBuffer[]) => port.postMessage(msg, transfer ?? []),
  load,
});

/** Errors the service did not turn into a message go to the host's log. */
function logError(what: string, err: unknown): void {
  port.postMessage({ type: 'log', level: 'error', message: `worker: ${what}${err instanceof Error ? err.stack ?? err.message : String(err)}` } satisfies WorkerToHost);
}

port.on('message', (msg: HostToWorker) => {
  service.handle(msg).catch((err) => logError('', err));
});

process.on('unhandledRejection', (err) => logError('unhandled rejection: ', err));
