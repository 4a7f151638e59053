import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { WorkerClient } from '../../src/extension/workerClient';
import type { WorkerToHost } from '../../src/protocol/messages';

// A stand-in worker thread: answers load, dies on generate (as a native crash would).
const CODE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m.type === 'load') parentPort.postMessage({ type: 'status', state: 'ready' });
  if (m.type === 'generate') process.exit(3);
  if (m.type === 'countTokens') parentPort.postMessage({ type: 'tokens', requestId: m.requestId, tokens: 1, max: 120, truncated: false });
});
`;

test('a worker that dies fails the running job, restarts and reloads the model', async () => {
  const messages: WorkerToHost[] = [];
  const crashes: [string, string | undefined][] = [];
  let starts = 0;
  let restarted!: () => void;
  const reloaded = new Promise<void>((r) => (restarted = r));
  const client = new WorkerClient('unused', {
    onMessage: (m) => {
      messages.push(m);
      if (m.type === 'status' && starts === 2) restarted();
    },
    onCrash: (reason, jobId) => crashes.push([reason, jobId]),
    log: () => undefined,
  }, () => {
    starts++;
    return new Worker(CODE, { eval: true });
  });
  try {
    client.send({ type: 'load', options: { modelDir: '/m', device: 'CPU', precision: 'auto', runtime: 'auto' } });
    client.send({ type: 'generate', jobId: 'job-1', job: { prompt: 'x', negativePrompt: '', seed: '1', steps: 1, guidanceScale: 0, width: 8, height: 8, count: 1, format: 'png', preview: false, previewSize: 8 } });
    await reloaded;
    assert.equal(crashes.length, 1);
    assert.equal(crashes[0][1], 'job-1');
    assert.match(crashes[0][0], /exit code 3/);
    assert.equal(starts, 2, 'restarted once');
    assert.equal(messages.filter((m) => m.type === 'status').length, 2, 'the model was loaded again');
    // The new worker serves requests.
    const tokens = new Promise<WorkerToHost>((r) => {
      const t = setInterval(() => {
        const hit = messages.find((m) => m.type === 'tokens');
        if (hit) { clearInterval(t); r(hit); }
      }, 5);
    });
    client.send({ type: 'countTokens', requestId: 7, text: 'a' });
    assert.equal(((await tokens) as { requestId: number }).requestId, 7);
  } finally {
    await client.dispose();
  }
});
