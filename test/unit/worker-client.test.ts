// WorkerClient's handling of the worker process itself, on small worker scripts run as the real
// worker is (forkWorker): a worker that fails as it starts is named by its error; its output
// reaches the log within bounds and never blocks it; one that does not answer is killed a second
// into dispose(); the process runs as plain Node without the host's flags. (The real worker on
// OpenVINO: test/conformance/worker-client.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerClient } from '../../src/extension/worker-client';
import type { WorkerToHost } from '../../src/protocol/messages';

const dir = mkdtempSync(join(tmpdir(), 'pixart-worker-client-'));
function script(name: string, code: string): string {
  const p = join(dir, `${name}.cjs`);
  writeFileSync(p, code);
  return p;
}

function client(path: string) {
  const logs: { level: string; message: string }[] = [];
  const messages: WorkerToHost[] = [];
  const crashes: { reason: string; restarting: boolean }[] = [];
  let crashed: () => void = () => undefined;
  const crash = new Promise<void>((resolve) => (crashed = resolve));
  const c = new WorkerClient(path, {
    onMessage: (m) => messages.push(m),
    onCrash: (reason, _job, restarting) => {
      crashes.push({ reason, restarting });
      crashed();
    },
    log: (level, message) => logs.push({ level, message }),
  });
  const until = async (what: string, cond: () => boolean) => {
    for (const t0 = Date.now(); !cond(); await new Promise((r) => setTimeout(r, 10))) if (Date.now() - t0 > 10_000) throw new Error(`timed out waiting for ${what}`);
  };
  return { c, logs, messages, crashes, crash, until };
}

test('a worker that throws as it starts is reported with its error, and not restarted without a model', async () => {
  const w = client(script('throws', "throw new Error('the OpenVINO library could not be loaded');\n"));
  try {
    w.c.send({ type: 'countTokens', requestId: 1, text: 'x' });
    await w.crash;
    assert.match(w.crashes[0].reason, /^The image worker stopped unexpectedly \(exit code 1: Error: the OpenVINO library could not be loaded\)\.$/);
    assert.equal(w.crashes[0].restarting, false);
    assert.ok(w.logs.some((l) => l.level === 'warn' && /^worker stderr: /.test(l.message)), "the worker's stderr is in the log");
  } finally {
    await w.c.dispose();
  }
});

test("the worker's output reaches the log as at most 200 lines of at most 1000 characters, and is drained so the worker never blocks", async () => {
  // 2,000 lines and a 4 MB line with no end: far more than a pipe holds.
  const w = client(script('chatty', `
    for (let i = 0; i < 2000; i++) console.error('line ' + i);
    process.stdout.write('x'.repeat(4 * 1024 * 1024));
    process.send({ type: 'log', level: 'info', message: 'written' });
    process.on('message', () => undefined);
  `));
  try {
    w.c.send({ type: 'countTokens', requestId: 1, text: 'x' });
    await w.until('the worker to have written everything', () => w.messages.some((m) => m.type === 'log' && m.message === 'written'));
    await new Promise((r) => setTimeout(r, 200));
    const lines = w.logs.filter((l) => l.message.startsWith('worker std'));
    assert.equal(lines.length, 200);
    assert.ok(lines.every((l) => l.message.length <= 'worker stdout: '.length + 1001), 'lines are cut');
    assert.ok(w.logs.some((l) => /more than 200 lines of output; the rest is dropped/.test(l.message)));
  } finally {
    await w.c.dispose();
  }
});

test('dispose() kills a worker that does not answer after a second, and resolves once it has exited', async () => {
  const w = client(script('deaf', "process.on('message', () => undefined);\nsetInterval(() => undefined, 1000);\n"));
  w.c.send({ type: 'countTokens', requestId: 1, text: 'x' });
  await w.until('the process to start', () => w.c.processes === 1);
  const t0 = performance.now();
  await w.c.dispose();
  const ms = performance.now() - t0;
  assert.ok(ms >= 900 && ms < 1500, `dispose() took ${ms.toFixed(0)} ms`);
  assert.equal(w.c.processes, 0);
  assert.deepEqual(w.crashes, [], 'a disposed worker is not a crash');
});

test('the worker runs as plain Node (ELECTRON_RUN_AS_NODE), without the host process\'s flags', async () => {
  const w = client(script('env', "process.send({ type: 'log', level: 'info', message: JSON.stringify({ execArgv: process.execArgv, electron: process.env.ELECTRON_RUN_AS_NODE }) });\nprocess.on('message', () => undefined);\n"));
  try {
    assert.ok(process.execArgv.length > 0, 'this test runs with flags of its own (--import tsx …)');
    w.c.send({ type: 'countTokens', requestId: 1, text: 'x' });
    await w.until('the report', () => w.messages.length > 0);
    const m = w.messages[0];
    assert.ok(m.type === 'log');
    assert.deepEqual(JSON.parse(m.message), { execArgv: [], electron: '1' });
  } finally {
    await w.c.dispose();
  }
});
