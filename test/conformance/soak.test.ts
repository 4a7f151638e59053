// The soak run (test/soak/soak.ts, `npm run soak` runs 300 jobs) cut short for every test run:
// 40 jobs through the real worker process in queues of 20, ~20 % cancelled at a random step, the
// process killed once. Every job ends as done, cancelled or failed with a message, and the open
// fds do not grow; RSS is only reported (a short run is mostly warm-up).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { testRuntime } from '../support/engines';
import { tinyModelDir } from '../support/paths';
import { growthPct } from '../soak/resources';
import { runSoak } from '../soak/soak';

test('40 jobs with cancels and a killed worker all end properly, and fds do not grow', async (t) => {
  const seed = Math.floor(Math.random() * 2 ** 31);
  t.diagnostic(`seed ${seed} (npm run soak -- --jobs 40 --kill-every 25 --warmup 10 --seed ${seed})`);
  const r = await runSoak({
    workerScript: join(__dirname, '..', '..', 'dist', 'worker.js'),
    load: { modelDir: tinyModelDir, device: 'CPU', precision: 'f32', runtime: 'openvino-c', libraryPath: testRuntime().libraryPath },
    jobs: 40,
    seed,
    killEvery: 25,
    warmupJob: 10,
    jobTimeoutMs: 30_000,
    limits: { rssPct: Infinity, fdPct: 0, fdAbs: 3 },
  });
  t.diagnostic(`${JSON.stringify(r.counts)}; RSS ${r.warm.rssMb.toFixed(1)} → ${r.end.rssMb.toFixed(1)} MB (${growthPct(r.warm.rssMb, r.end.rssMb).toFixed(1)} %), fds ${r.warm.fds} → ${r.end.fds}, ${r.seconds.toFixed(1)} s`);
  assert.deepEqual(r.failures, []);
  assert.equal(r.counts.done + r.counts.cancelled + r.counts.failed, 40);
  assert.deepEqual(r.killedAt, [25]);
  assert.equal(r.counts.hung, 0);
  assert.ok(r.counts.cancelled > 0, 'some jobs were cancelled');
});

test('a run of cancelled jobs keeps the worker small: the stale-shape repair does not grow without end', async (t) => {
  // Each cut-short call adds a shape the next repair must avoid; while every repair was cancelled
  // too, the repair's batch doubled per cut-short decode and the worker died at 4.7 GB (seed 7: past
  // 1.4 GB by job 180).
  const r = await runSoak({
    workerScript: join(__dirname, '..', '..', 'dist', 'worker.js'),
    load: { modelDir: tinyModelDir, device: 'CPU', precision: 'f32', runtime: 'openvino-c', libraryPath: testRuntime().libraryPath },
    jobs: 200,
    seed: 7,
    killEvery: 0,
    cancelRate: 1,
    warmupJob: 100,
    jobTimeoutMs: 30_000,
    limits: { rssPct: 25, fdPct: 0, fdAbs: 3 },
  });
  t.diagnostic(`${JSON.stringify(r.counts)}; RSS ${r.warm.rssMb.toFixed(1)} → ${r.end.rssMb.toFixed(1)} MB`);
  assert.deepEqual(r.failures, []);
  assert.equal(r.counts.failed, 0, 'no worker crash');
  assert.ok(r.end.rssMb < 1024, `the worker and host stay under 1 GB (${r.end.rssMb.toFixed(0)} MB)`);
});
