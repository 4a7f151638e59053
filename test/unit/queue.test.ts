import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobQueue, JobTimes, estimateEtaMs, phaseEtaMs } from '../../src/extension/queue';

test('jobs run one at a time, in order', () => {
  let changes = 0;
  const q = new JobQueue<{ n: number }>(() => changes++);
  const a = q.add({ n: 1 }, 'one');
  const b = q.add({ n: 2 }, 'two');
  assert.equal(q.size, 2);
  assert.equal(q.startNext()?.id, a.id);
  assert.equal(q.startNext(), undefined, 'one running at a time');
  assert.deepEqual(q.summaries().map((s) => [s.id, s.status, s.position]), [[a.id, 'running', 0], [b.id, 'queued', 1]]);
  assert.equal(q.finish(a.id, 'done')?.status, 'done');
  assert.equal(q.startNext()?.id, b.id);
  q.finish(b.id, 'failed', 'boom');
  assert.equal(b.message, 'boom');
  assert.equal(q.startNext(), undefined);
  assert.equal(q.size, 0);
  assert.ok(changes >= 6);
});

test('cancelling a waiting job removes it; the running one is marked for abort', () => {
  const q = new JobQueue<number>();
  const a = q.add(1, 'a');
  const b = q.add(2, 'b');
  const c = q.add(3, 'c');
  q.startNext();
  assert.equal(q.cancel(b.id), 'removed');
  assert.equal(b.status, 'cancelled');
  assert.deepEqual(q.summaries().map((s) => [s.id, s.position]), [[a.id, 0], [c.id, 1]]);
  assert.equal(q.cancel(a.id), 'abort-running');
  assert.equal(a.cancelRequested, true);
  assert.equal(a.status, 'running');
  assert.equal(q.cancel('job-99'), 'not-found');
  q.finish(a.id, 'cancelled');
  assert.equal(q.startNext()?.id, c.id);
});

test('cancel without an id targets the running job, else the first waiting one', () => {
  const q = new JobQueue<number>();
  assert.equal(q.cancel(), 'not-found');
  const a = q.add(1, 'a');
  assert.equal(q.cancel(), 'removed');
  assert.equal(a.status, 'cancelled');
  q.add(2, 'b');
  q.startNext();
  assert.equal(q.cancel(), 'abort-running');
});

test('cancelAll empties the queue and flags the running job', () => {
  const q = new JobQueue<number>();
  q.add(1, 'a'); q.add(2, 'b'); q.add(3, 'c');
  const running = q.startNext()!;
  const r = q.cancelAll();
  assert.equal(r.removed.length, 2);
  assert.equal(r.running, running);
  assert.ok(running.cancelRequested);
  assert.equal(q.summaries().length, 1);
});

test('progress only applies to the running job and records step times', () => {
  const q = new JobQueue<number>();
  const a = q.add(1, 'a');
  const b = q.add(2, 'b');
  q.startNext();
  assert.equal(q.progress(b.id, 1, 4, 100), undefined);
  q.progress(a.id, 1, 4, 1000);
  q.progress(a.id, 2, 4, 1500);
  assert.deepEqual(a.stepElapsedMs, [1000, 1500]);
  assert.deepEqual(q.summaries()[0], { id: a.id, prompt: 'a', status: 'running', position: 0, step: 2, steps: 4 });
  assert.equal(q.finish(b.id, 'done'), undefined, 'only the running job finishes');
});

test('ETA uses later steps once known', () => {
  assert.equal(estimateEtaMs([], 0, 4), null);
  assert.equal(estimateEtaMs([1000], 1, 4), 3000);
  assert.equal(estimateEtaMs([1000, 1500, 2000], 3, 5), 1000);
  assert.equal(estimateEtaMs([1000, 1500, 2000, 2500], 4, 4), 0);
});

test('ETA with the times of earlier jobs: their step time until this job has its own, plus the decode', () => {
  const known = { stepMs: 700, decodeMs: 5000 };
  assert.equal(estimateEtaMs([], 0, 4, known), 4 * 700 + 5000, 'before the first step');
  assert.equal(estimateEtaMs([2000], 1, 4, known), 3 * 700 + 5000, 'step 1 carries the text encoding: the known step time wins');
  assert.equal(estimateEtaMs([2000, 2600], 2, 4, known), 2 * 600 + 5000, "this job's own steps once there are two");
  assert.equal(estimateEtaMs([2000, 2600, 3200, 3800], 4, 4, known), 5000, 'after the last step: the decode');
});

test('ETA while a phase is under way: less the time spent in the running step or the decode', () => {
  const known = { stepMs: 1000, decodeMs: 4000 };
  const job = { stepElapsedMs: [1500, 2500], phase: { phase: 'denoising' as const, step: 3, startedMs: 2500 } };
  assert.equal(phaseEtaMs(job, 4, 2900, known), 2 * 1000 + 4000 - 400);
  assert.equal(phaseEtaMs({ stepElapsedMs: [], phase: { phase: 'encoding', step: 0, startedMs: 0 } }, 4, 800, known), 4 * 1000 + 4000);
  assert.equal(phaseEtaMs({ stepElapsedMs: [1, 2, 3, 4], phase: { phase: 'decoding', step: 4, startedMs: 5000 } }, 4, 6500, known), 2500);
  assert.equal(phaseEtaMs({ stepElapsedMs: [1, 2, 3, 4], phase: { phase: 'decoding', step: 4, startedMs: 5000 } }, 4, 9500, known), 0, 'never below 0');
  assert.equal(phaseEtaMs({ stepElapsedMs: [1, 2, 3, 4], phase: { phase: 'decoding', step: 4, startedMs: 5000 } }, 4, 6500), null, 'no decode measured yet');
  assert.equal(phaseEtaMs({ stepElapsedMs: [] }, 4, 100, known), null, 'no phase');
});

test('a phase keeps its start time while it lasts; a new phase or step starts afresh', () => {
  const q = new JobQueue<number>();
  const a = q.add(1, 'a');
  q.startNext();
  q.phaseOf(a.id, 'denoising', 1, 4, 300);
  q.phaseOf(a.id, 'denoising', 1, 4, 1300);
  assert.deepEqual(a.phase, { phase: 'denoising', step: 1, startedMs: 300 });
  q.phaseOf(a.id, 'denoising', 2, 4, 1800);
  assert.deepEqual(a.phase, { phase: 'denoising', step: 2, startedMs: 1800 });
  assert.equal(q.phaseOf('job-99', 'decoding', 4, 4, 0), undefined);
});

test('JobTimes keeps the later steps and the time after the last step, per key', () => {
  const t = new JobTimes(2);
  t.record('a', [3000, 1000, 1200], 6000, 10_000);
  assert.deepEqual(t.get('a'), { stepMs: 1100, decodeMs: 4000 });
  t.record('b', [900], 1500, 2000);
  assert.deepEqual(t.get('b'), { stepMs: 900, decodeMs: 500 });
  t.record('c', [1], 1, 1);
  assert.equal(t.get('a'), undefined, 'the oldest key goes');
  t.record('d', [], undefined, 1);
  assert.equal(t.get('d'), undefined, 'no steps: nothing measured');
});
