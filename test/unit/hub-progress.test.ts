// Download progress: the rate/ETA estimator, the tracker's reports, and sizes in words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressTracker, RateEstimator } from '../../src/hub/progress';
import { formatBytes, formatDuration } from '../../src/hub/units';
import type { DownloadProgress } from '../../src/hub/types';

const near = (a: number | undefined, b: number, what: string) => assert.ok(a !== undefined && Math.abs(a - b) <= 1e-9 * Math.max(1, b), `${what}: ${a} ≠ ${b}`);

test('a steady 2 MB/s: the rate and the time left follow from bytes and time', () => {
  const r = new RateEstimator(5000, 1000);
  for (let t = 0; t <= 10_000; t += 100) r.add(t, t * 2000);
  const e = r.estimate(10_000, 30e6);
  near(e.bytesPerSecond, 2e6, 'rate');
  near(e.etaSeconds, 15, 'eta');
});

test('nothing is told before a second of samples', () => {
  const r = new RateEstimator(5000, 1000);
  r.add(0, 0);
  r.add(900, 1e6);
  assert.deepEqual(r.estimate(900, 1e6), {});
  r.add(1000, 1.1e6);
  near(r.estimate(1000, 0).bytesPerSecond, 1.1e6, 'rate at 1 s');
  assert.equal(r.estimate(1000, 0).etaSeconds, 0);
});

test('a stall lowers the rate over the window instead of keeping the average', () => {
  const r = new RateEstimator(5000, 1000);
  for (let t = 0; t <= 5000; t += 500) r.add(t, t * 1000);
  // 1 MB/s for 5 s, then nothing: at 8 s the window [3 s, 8 s] holds 2 MB.
  r.add(8000, 5e6);
  near(r.estimate(8000, 1e6).bytesPerSecond, 2e6 / 5, 'rate after 3 s of stall');
  r.add(11_000, 5e6);
  const stalled = r.estimate(11_000, 1e6);
  assert.equal(stalled.bytesPerSecond, 0);
  assert.equal(stalled.etaSeconds, undefined, 'no ETA at zero rate');
});

test('the tracker: cached bytes are done but not speed; reports are throttled between file boundaries', () => {
  const seen: DownloadProgress[] = [];
  let now = 0;
  const t = new ProgressTracker(0, 0, (p) => seen.push(p), () => now, 200);
  t.grow(10e6, 3);
  t.inPlace(4e6, 1);
  for (let i = 1; i <= 20; i++) {
    now = i * 100;
    t.transferred('big.safetensors', 100_000);
  }
  assert.equal(seen.length, 10, 'every 200 ms (at 0.1, 0.3 … 1.9 s)');
  assert.equal(seen.at(-1)?.bytesDone, 4e6 + 1.9e6);
  t.tick();
  const last = seen.at(-1) as DownloadProgress;
  assert.equal(last.bytesDone, 4e6 + 2e6);
  near(last.bytesPerSecond, 1e6, 'speed counts only transferred bytes');
  near(last.etaSeconds, 4, 'eta = 4 MB left at 1 MB/s');
  t.discarded(1e6);
  t.fileDone('big.safetensors');
  assert.equal(seen.at(-1)?.filesDone, 2);
  assert.equal(seen.at(-1)?.bytesDone, 5e6);
  t.finish();
  assert.deepEqual(seen.at(-1), { phase: 'done', bytesDone: 5e6, bytesTotal: 10e6, filesDone: 2, filesTotal: 3 });
});

test('sizes and durations in words', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(1834512), '1.8 MB');
  assert.equal(formatBytes(64 * 1024 * 1024), '67 MB');
  assert.equal(formatBytes(19.2e9), '19 GB');
  assert.equal(formatDuration(9.4), '9 s');
  assert.equal(formatDuration(75), '1 min 15 s');
  assert.equal(formatDuration(120), '2 min');
  assert.equal(formatDuration(3725), '1 h 2 min');
});
