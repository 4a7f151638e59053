// `npm run bench` as CI runs it: one run on the tiny fixture model (no anchor: that needs torch),
// so the benchmark cannot rot. Checks the JSON has every figure, each finite and positive — not
// the figures themselves, which belong to the machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runtimeEnv } from '../support/engines';

const root = join(__dirname, '..', '..');

test('npm run bench: one run on the tiny model writes a complete report', () => {
  const json = join(mkdtempSync(join(tmpdir(), 'pixart-bench-')), 'bench.json');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'bench.ts'), '--runs', '1', '--json', json, '--ceiling-ms', '200'], {
    cwd: root, encoding: 'utf8', env: { ...process.env, ...runtimeEnv() }, timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\| first image, total \| ms \|/);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(report.config.size, '128x128', 'the default size follows the static tiny model');
  const metrics = report.variants[0].metrics[0] as Record<string, number>;
  const expected = ['coldLoadMs', 'warmLoadMs', 'warmOverCold', 'textEncoderMs', 'transformerStepMs', 'transformerTotalMs', 'vaeMs', 'schedulerMs', 'otherMs',
    'engineMs', 'totalMs', 'totalOverEngine', 'startToImageMs', 'secondTotalMs', 'stepGflops', 'stepOfCeilingF32', 'stepOfCeilingBf16', 'peakRssMb', 'peakOverWeights', 'coldPeakRssMb'];
  for (const k of expected) assert.ok(Number.isFinite(metrics[k]) && metrics[k] > 0, `${k} = ${metrics[k]}`);
  const gen = report.variants[0].phases[0].warm.generations[0];
  assert.equal(gen.transformerMs.length, 4);
  for (const ms of gen.transformerMs) assert.ok(Number.isFinite(ms) && ms > 0);
  assert.ok(report.transformerFlopsPerCall.total > 0);
  for (const c of report.ceiling.results) assert.ok(c.gflops > 0 && Number.isFinite(c.gflops), JSON.stringify(c));
  assert.ok(report.summaries[0].summary.totalMs.median > 0);
});
