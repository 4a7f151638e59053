// The real worker thread (dist/worker.js on OpenVINO) under the host's WorkerClient: when the
// thread dies mid-generation, the running job fails with a message, a new thread starts and the
// model is loaded again, and the next job succeeds; disposing the client mid-inference ends the
// thread within a second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { WorkerClient } from '../../src/extension/worker-client';
import type { WorkerToHost } from '../../src/protocol/messages';
import { testRuntime } from '../support/engines';
import { tinyModelDir } from '../support/paths';
import { scratchDir } from '../support/engine-conformance';
import { writeSlowModelFolder } from '../support/slow-models';

const workerScript = join(__dirname, '..', '..', 'dist', 'worker.js');
const options = { modelDir: tinyModelDir, device: 'CPU', precision: 'f32' as const, runtime: 'openvino-c' as const, libraryPath: testRuntime().libraryPath };
const job = { prompt: 'a lighthouse', negativePrompt: '', seed: '5', steps: 50, guidanceScale: 0, width: 128, height: 128, imagesPerPrompt: 1, format: 'png' as const, preview: false, previewSize: 8 };

/** A WorkerClient on the real worker script, the threads it started, its crashes, and a wait for a message. */
function startClient() {
  const crashes: [string, string | undefined][] = [];
  const workers: Worker[] = [];
  const waiters: { pred: (m: WorkerToHost) => boolean; resolve: (m: WorkerToHost) => void }[] = [];
  const next = (pred: (m: WorkerToHost) => boolean) => new Promise<WorkerToHost>((resolve) => waiters.push({ pred, resolve }));
  const client = new WorkerClient(workerScript, {
    onMessage: (m) => {
      for (const w of [...waiters]) if (w.pred(m)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
    },
    onCrash: (reason, jobId) => crashes.push([reason, jobId]),
    log: () => undefined,
  }, (p) => {
    const w = new Worker(p, { stdout: false, stderr: false });
    workers.push(w);
    return w;
  });
  return { client, crashes, workers, next };
}

test('a worker that dies fails the running job, restarts, reloads the model and serves the next job', async () => {
  const { client, crashes, workers, next } = startClient();
  try {
    const loaded = next((m) => m.type === 'loaded' || m.type === 'loadFailed');
    client.send({ type: 'load', options });
    assert.equal((await loaded).type, 'loaded', JSON.stringify(await loaded));

    // Kill the thread while it is denoising (as a native crash would end it).
    const stepping = next((m) => m.type === 'progress' || m.type === 'failed');
    client.send({ type: 'generate', jobId: 'job-1', job });
    assert.equal((await stepping).type, 'progress', JSON.stringify(await stepping));
    const reloaded = next((m) => m.type === 'loaded');
    await workers[0].terminate();
    await reloaded;
    assert.equal(crashes.length, 1);
    assert.equal(crashes[0][1], 'job-1');
    assert.equal(workers.length, 2, 'a new worker thread was started');

    const done = next((m) => m.type === 'done' || m.type === 'failed');
    client.send({ type: 'generate', jobId: 'job-2', job: { ...job, steps: 2 } });
    const result = await done;
    assert.equal(result.type, 'done', JSON.stringify(result));
  } finally {
    await client.dispose();
  }
});

test('disposing the client during a generation cancels it and the worker thread exits within a second', async (t) => {
  // A decode of seconds (see slow-models.ts): a thread terminated in it would live on until it ends.
  const modelDir = writeSlowModelFolder(tinyModelDir, join(scratchDir(), 'slow-model'), { transformerProducts: 20 });
  const { client, workers, next } = startClient();
  try {
    const loaded = next((m) => m.type === 'loaded' || m.type === 'loadFailed');
    client.send({ type: 'load', options: { ...options, modelDir } });
    assert.equal((await loaded).type, 'loaded', JSON.stringify(await loaded));
    const decoding = next((m) => (m.type === 'phase' && m.phase === 'decoding') || m.type === 'failed' || m.type === 'done');
    client.send({ type: 'generate', jobId: 'job-1', job: { ...job, steps: 1 } });
    assert.equal((await decoding).type, 'phase', JSON.stringify(await decoding));
    await new Promise((r) => setTimeout(r, 100));
    const exited = new Promise<number>((resolve) => workers[0].once('exit', () => resolve(performance.now())));
    const t0 = performance.now();
    await client.dispose();
    const ms = performance.now() - t0;
    t.diagnostic(`dispose() resolved after ${ms.toFixed(0)} ms; the thread had exited ${((await exited) - t0).toFixed(0)} ms after it was called`);
    assert.ok((await exited) - t0 < 1000, 'the thread exited within a second');
    assert.ok(ms < 1500, `dispose() took ${ms.toFixed(0)} ms`);
    assert.equal(client.threads, 0, 'no worker thread left');
    assert.equal(client.started, false);
    assert.equal(workers.length, 1, 'and none started again');
  } finally {
    await client.dispose();
  }
});
