// The real worker process (dist/worker.js on OpenVINO) under the host's WorkerClient: when the
// process dies mid-generation, the job it was running fails with a message, a new process starts
// with the model, the jobs it had not started run there, and so does a job sent while the crash
// is reported; after the client gives up restarting, the next send brings the model back; and
// disposing the client mid-inference ends the process within a second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { WorkerClient } from '../../src/extension/worker-client';
import { forkWorker } from '../../src/extension/worker-process';
import type { HostToWorker, WorkerToHost } from '../../src/protocol/messages';
import { testRuntime } from '../support/engines';
import { tinyModelDir } from '../support/paths';
import { scratchDir } from '../support/engine-conformance';
import { writeSlowModelFolder } from '../support/slow-models';

const workerScript = join(__dirname, '..', '..', 'dist', 'worker.js');
const options = { modelDir: tinyModelDir, device: 'CPU', precision: 'f32' as const, runtime: 'openvino-c' as const, libraryPath: testRuntime().libraryPath };
const job = { prompt: 'a lighthouse', negativePrompt: '', seed: '5', steps: 50, guidanceScale: 0, width: 128, height: 128, imagesPerPrompt: 1, format: 'png' as const, preview: false, previewSize: 8 };

type Ended = Extract<WorkerToHost, { type: 'done' | 'failed' }>;

/** A WorkerClient on the real worker script, the processes it started, its crashes, and a wait for a message. */
function startClient(onCrash?: (client: WorkerClient) => void) {
  const crashes: { reason: string; jobId: string | undefined; restarting: boolean }[] = [];
  const children: ChildProcess[] = [];
  const waiters: { pred: (m: WorkerToHost) => boolean; resolve: (m: WorkerToHost) => void }[] = [];
  const next = (pred: (m: WorkerToHost) => boolean) => new Promise<WorkerToHost>((resolve) => waiters.push({ pred, resolve }));
  const ended = (jobId: string) => next((m) => (m.type === 'done' || m.type === 'failed') && m.jobId === jobId) as Promise<Ended>;
  const client: WorkerClient = new WorkerClient(workerScript, {
    onMessage: (m) => {
      for (const w of [...waiters]) if (w.pred(m)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
    },
    onCrash: (reason, jobId, restarting) => {
      crashes.push({ reason, jobId, restarting });
      onCrash?.(client);
    },
    log: () => undefined,
  }, (p) => {
    const child = forkWorker(p);
    children.push(child);
    return child;
  });
  const load = async (o: typeof options = options) => {
    const loaded = next((m) => m.type === 'loaded' || m.type === 'loadFailed');
    client.send({ type: 'load', options: o });
    assert.equal((await loaded).type, 'loaded', JSON.stringify(await loaded));
  };
  /** Kills the newest process, as a native crash would end it, once `jobId` has done a step. */
  const killDuring = async (jobId: string) => {
    const stepping = next((m) => (m.type === 'progress' && m.jobId === jobId) || (m.type === 'failed' && m.jobId === jobId));
    assert.equal((await stepping).type, 'progress', JSON.stringify(await stepping));
    children.at(-1)!.kill('SIGKILL');
  };
  return { client, crashes, children, next, ended, load, killDuring };
}

const generate = (jobId: string, steps = job.steps): HostToWorker => ({ type: 'generate', jobId, job: { ...job, steps } });

test('a worker that dies fails the running job, restarts, reloads the model and serves the next job', { timeout: 60_000 }, async () => {
  const { client, crashes, children, next, ended, load, killDuring } = startClient();
  try {
    await load();
    const reloaded = next((m) => m.type === 'loaded');
    const lost = ended('job-1');
    client.send(generate('job-1'));
    await killDuring('job-1');
    await reloaded;
    assert.equal(crashes.length, 1);
    assert.equal(crashes[0].jobId, 'job-1');
    assert.match(crashes[0].reason, /stopped unexpectedly \(signal SIGKILL\)/);
    assert.equal(children.length, 2, 'a new worker process was started');
    assert.equal(children[0].exitCode ?? children[0].signalCode, 'SIGKILL');
    const result = ended('job-2');
    client.send(generate('job-2', 2));
    assert.equal((await result).type, 'done', JSON.stringify(await result));
    assert.equal(await Promise.race([lost.then(() => 'ended'), new Promise((r) => setTimeout(() => r('no message'), 100))]), 'no message', 'the lost job is reported through onCrash only');
  } finally {
    await client.dispose();
  }
});

test('a crash blames the job that was running, not the last one sent; the jobs it had not started run in the new process', { timeout: 60_000 }, async () => {
  const { client, crashes, ended, load, killDuring } = startClient();
  try {
    await load();
    const second = ended('job-2');
    const third = ended('job-3');
    client.send(generate('job-1'));
    client.send(generate('job-2', 2));
    client.send(generate('job-3', 2));
    await killDuring('job-1');
    while (!crashes.length) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(crashes.map((c) => [c.jobId, c.restarting]), [['job-1', true]]);
    assert.equal((await second).type, 'done', JSON.stringify(await second));
    assert.equal((await third).type, 'done', JSON.stringify(await third));
  } finally {
    await client.dispose();
  }
});

test('a job sent while the crash is reported (as the host sends its next job) runs on the reloaded model', { timeout: 60_000 }, async () => {
  let sent = false;
  const { client, ended, load, killDuring } = startClient((c) => {
    if (!sent) c.send(generate('job-2', 2));
    sent = true;
  });
  try {
    await load();
    const result = ended('job-2');
    client.send(generate('job-1'));
    await killDuring('job-1');
    assert.equal((await result).type, 'done', JSON.stringify(await result));
  } finally {
    await client.dispose();
  }
});

test('after too many crashes the client stops restarting; the next send starts a worker with the last model', { timeout: 120_000 }, async (t) => {
  const { client, crashes, children, next, ended, load, killDuring } = startClient();
  try {
    await load();
    for (let i = 1; i <= 4; i++) {
      const reloaded = i < 4 ? next((m) => m.type === 'loaded') : undefined;
      client.send(generate(`crash-${i}`));
      await killDuring(`crash-${i}`);
      await reloaded;
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(crashes.map((c) => c.restarting), [true, true, true, false]);
    assert.equal(children.length, 4, 'no process was started after the fourth crash');
    assert.equal(client.started, false);
    const result = ended('after');
    client.send(generate('after', 2));
    const r = await result;
    t.diagnostic(`the job after giving up: ${r.type}${r.type === 'failed' ? `: ${r.message}` : ''}`);
    assert.equal(r.type, 'done', JSON.stringify(r));
  } finally {
    await client.dispose();
  }
});

test('disposing the client during a generation cancels it and the worker process exits within a second', async (t) => {
  // A decode of seconds (see slow-models.ts): the process is killed in it.
  const modelDir = writeSlowModelFolder(tinyModelDir, join(scratchDir(), 'slow-model'), { transformerProducts: 20 });
  const { client, children, next, load } = startClient();
  try {
    await load({ ...options, modelDir });
    const decoding = next((m) => (m.type === 'phase' && m.phase === 'decoding') || m.type === 'failed' || m.type === 'done');
    client.send(generate('job-1', 1));
    assert.equal((await decoding).type, 'phase', JSON.stringify(await decoding));
    await new Promise((r) => setTimeout(r, 100));
    const exited = new Promise<number>((resolve) => children[0].once('exit', () => resolve(performance.now())));
    const t0 = performance.now();
    await client.dispose();
    const ms = performance.now() - t0;
    t.diagnostic(`dispose() resolved after ${ms.toFixed(0)} ms; the process had exited ${((await exited) - t0).toFixed(0)} ms after it was called`);
    assert.ok((await exited) - t0 < 1000, 'the process exited within a second');
    assert.ok(ms < 1500, `dispose() took ${ms.toFixed(0)} ms`);
    assert.equal(client.processes, 0, 'no worker process left');
    assert.equal(client.started, false);
    assert.equal(children.length, 1, 'and none started again');
  } finally {
    await client.dispose();
  }
});
