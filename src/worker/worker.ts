// The worker process's entry: one WorkerService fed by the host's messages, with the real pipeline
// on a real OpenVINO engine. Started by the extension host's WorkerClient as a child process
// (dist/worker.js, forked with an IPC channel in the 'advanced' serialization); it exits when the
// host goes away.

import { createEngine } from '../engine/index';
import { OpenVinoCEngine } from '../engine/openvino-c';
import type { Engine } from '../engine/types';
import { PixArtPipeline } from '../pipeline/pipeline';
import type { HostToWorker, LoadOptions, WorkerToHost } from '../protocol/messages';
import { WorkerService, type LoadedPipeline } from './service';

if (!process.send) throw new Error('worker.ts must run as a child process with an IPC channel (child_process.fork)');
const sendToHost = process.send.bind(process);

/** Messages go out in order; one the host can no longer take (it has gone) is dropped. */
function post(msg: WorkerToHost): void {
  if (process.connected) sendToHost(msg, undefined, {}, () => undefined);
}

let engine: { key: string; engine: Engine } | undefined;

async function engineFor(options: LoadOptions): Promise<Engine> {
  const key = `${options.runtime}|${options.libraryPath ?? ''}`;
  if (engine && engine.key === key) return engine.engine;
  engine?.engine.dispose();
  engine = undefined;
  const created = await createEngine({ runtime: options.runtime, libraryPath: options.libraryPath || undefined });
  engine = { key, engine: created };
  const from = created instanceof OpenVinoCEngine ? created.libraryPath : created.origin;
  post({ type: 'log', level: 'info', message: `OpenVINO ${created.version} (${created.origin}) from ${from}` });
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
  // A process cannot move buffers, so the transfer list goes unused: the IPC channel copies them.
  post: (msg: WorkerToHost) => post(msg),
  load,
});

/** Errors the service did not turn into a message go to the host's log. */
function logError(what: string, err: unknown): void {
  post({ type: 'log', level: 'error', message: `worker: ${what}${err instanceof Error ? err.stack ?? err.message : String(err)}` });
}

process.on('message', (msg: HostToWorker) => {
  service.handle(msg).catch((err) => logError('', err));
});
// The host closed the channel, or died: nothing is left to work for. Killed rather than exited:
// the runtime's exit handlers could wait on its threads mid-inference, and the OS frees it all.
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));

process.on('unhandledRejection', (err) => logError('unhandled rejection: ', err));
