// Queue management: moving waiting jobs, clearing them (the running one goes on), the ETA of every
// waiting job from the times of earlier jobs, and the webview messages that ask for these.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobQueue, JobTimes, jobDurationMs, queueEtasMs } from '../../src/extension/queue';
import { parseWebviewMessage } from '../../src/protocol/validate';
import { settingsTarget, SETTINGS_QUERY } from '../../src/extension/settings-target';

function queueOf(n: number): { q: JobQueue<number>; ids: string[]; changes: () => number } {
  let changes = 0;
  const q = new JobQueue<number>(() => changes++);
  const ids = Array.from({ length: n }, (_, i) => q.add(i, `p${i}`).id);
  return { q, ids, changes: () => changes };
}

const order = (q: JobQueue<number>) => q.summaries().map((s) => s.prompt);

test('a waiting job moves one place up or down; the running job and the ends stay put', () => {
  const { q, ids, changes } = queueOf(4);
  q.startNext(); // p0 runs
  assert.deepEqual(order(q), ['p0', 'p1', 'p2', 'p3']);
  const before = changes();
  assert.equal(q.move(ids[3], 'up'), true);
  assert.deepEqual(order(q), ['p0', 'p1', 'p3', 'p2']);
  assert.equal(changes(), before + 1, 'a move is a change');
  assert.equal(q.move(ids[3], 'up'), true);
  assert.deepEqual(order(q), ['p0', 'p3', 'p1', 'p2']);
  assert.equal(q.move(ids[3], 'up'), false, 'the first waiting job cannot pass the running one');
  assert.equal(q.move(ids[2], 'down'), false, 'the last cannot go further down');
  assert.equal(q.move(ids[0], 'down'), false, 'the running job is not in the queue');
  assert.equal(q.move('job-99', 'up'), false);
  assert.equal(changes(), before + 2, 'a refused move changes nothing');
  assert.deepEqual(q.summaries().map((s) => s.position), [0, 1, 2, 3]);
  assert.equal(q.startNext(), undefined);
  q.finish(ids[0], 'done');
  assert.equal(q.startNext()?.id, ids[3], 'the job moved to the front runs next');
});

test('clearing the queue cancels every waiting job, in order, and leaves the running one alone', () => {
  const { q, ids } = queueOf(3);
  const running = q.startNext()!;
  const removed = q.clearWaiting();
  assert.deepEqual(removed.map((j) => j.id), [ids[1], ids[2]]);
  assert.ok(removed.every((j) => j.status === 'cancelled'));
  assert.equal(running.status, 'running');
  assert.equal(running.cancelRequested, false);
  assert.deepEqual(order(q), ['p0']);
  assert.deepEqual(q.clearWaiting(), [], 'nothing left to clear');
});

test('a job takes its setup, its steps and its decode; unknown without earlier times', () => {
  assert.equal(jobDurationMs(4, undefined), null);
  assert.equal(jobDurationMs(4, { stepMs: 100, decodeMs: 50 }), 450);
  assert.equal(jobDurationMs(4, { stepMs: 100, decodeMs: 50, setupMs: 30 }), 480);
  assert.equal(jobDurationMs(0, { stepMs: 100, decodeMs: 50 }), null);
});

test('each waiting job is done after the running one\'s time left and every job ahead', () => {
  const a = { stepMs: 100, decodeMs: 50 }; // 4 steps: 450
  const b = { stepMs: 1000, decodeMs: 500, setupMs: 200 }; // 2 steps: 2700
  assert.deepEqual(queueEtasMs(1000, [{ steps: 4, known: a }, { steps: 2, known: b }, { steps: 4, known: a }]), [1450, 4150, 4600]);
  assert.deepEqual(queueEtasMs(0, [{ steps: 4, known: a }]), [450], 'nothing running');
  assert.deepEqual(queueEtasMs(1000, []), []);
  // Nothing known about a job: it and every job behind it have no ETA; those ahead keep theirs.
  assert.deepEqual(queueEtasMs(1000, [{ steps: 4, known: a }, { steps: 4 }, { steps: 4, known: a }]), [1450, null, null]);
  assert.deepEqual(queueEtasMs(null, [{ steps: 4, known: a }]), [null], 'the running job\'s time left unknown');
});

test('JobTimes keeps the time before the first step (the prompt\'s encoding) as setupMs', () => {
  const t = new JobTimes();
  // Steps end at 1300, 1400, 1500 ms; the later calls took 100 ms each; the job ended at 1800 ms.
  t.record('k', [300, 100, 100], 1500, 1800, 1300);
  assert.deepEqual(t.get('k'), { stepMs: 100, decodeMs: 300, setupMs: 1200 });
  assert.equal(jobDurationMs(3, t.get('k')), 1200 + 300 + 300);
});

test('the webview may ask to move a queued job and to clear the queue; anything else is refused in one line', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'clearQueue' }), { ok: true, message: { type: 'clearQueue' } });
  assert.deepEqual(parseWebviewMessage({ type: 'moveJob', jobId: 'job-3', direction: 'up' }), { ok: true, message: { type: 'moveJob', jobId: 'job-3', direction: 'up' } });
  assert.deepEqual(parseWebviewMessage({ type: 'moveJob', jobId: 'job-3', direction: 'down', extra: 1 }), { ok: true, message: { type: 'moveJob', jobId: 'job-3', direction: 'down' } });
  for (const bad of [{ type: 'moveJob', jobId: 'job-3' }, { type: 'moveJob', jobId: 'job-3', direction: 'top' }, { type: 'moveJob', jobId: '../x', direction: 'up' }, { type: 'moveJob', direction: 'up' }]) {
    const r = parseWebviewMessage(bad);
    assert.equal(r.ok, false, JSON.stringify(bad));
    if (!r.ok) assert.match(r.error, /^moveJob: /);
  }
});

test('the Settings link opens the Remote tab in a remote window, the User tab otherwise, on the PixArt settings', () => {
  assert.deepEqual(settingsTarget(undefined), { command: 'workbench.action.openSettings', args: { query: SETTINGS_QUERY } });
  assert.deepEqual(settingsTarget('ssh-remote'), { command: 'workbench.action.openRemoteSettings', args: { query: SETTINGS_QUERY } });
  assert.deepEqual(settingsTarget('wsl').command, 'workbench.action.openRemoteSettings');
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { publisher: string; name: string };
  assert.equal(SETTINGS_QUERY, `@ext:${manifest.publisher}.${manifest.name}`, 'the query names this extension');
});
