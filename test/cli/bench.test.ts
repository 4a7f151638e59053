// `npm run bench` as CI runs it: one run on the tiny fixture model, idle and with one busy loop,
// with this checkout as its own --baseline (so the baseline path runs, and its image must be ours
// exactly), so the benchmark cannot rot. Checks the JSON has every figure, each finite and positive
// — not the figures themselves, which belong to the machine. The torch anchor runs where the torch
// venv exists (node scripts/provision-python.mjs --requirements models/tests/requirements.txt
// --venv .cache/torch-venv) and says it is skipped elsewhere.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runtimeEnv } from '../support/engines';

const root = join(__dirname, '..', '..');
const torchPython = join(root, '.cache', 'torch-venv', 'bin', 'python');

function bench(args: string[]): { stdout: string; report: any } {
  const dir = mkdtempSync(join(tmpdir(), 'pixart-bench-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const json = join(dir, 'bench.json');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'bench.ts'), '--runs', '1', '--json', json, '--ceiling-ms', '200', ...args], {
    cwd: root, encoding: 'utf8', env: { ...process.env, ...runtimeEnv() }, timeout: 240_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return { stdout: r.stdout, report: JSON.parse(readFileSync(json, 'utf8')) };
}

const positive = (metrics: Record<string, number>, keys: string[]) => {
  for (const k of keys) assert.ok(Number.isFinite(metrics[k]) && metrics[k] > 0, `${k} = ${metrics[k]}`);
};

const OURS = ['coldLoadMs', 'warmLoadMs', 'warmOverCold', 'textEncoderMs', 'secondTextEncoderMs', 'newPromptTextEncoderMs', 'transformerStepMs', 'transformerTotalMs', 'vaeMs', 'vaeShare',
  'schedulerMs', 'otherMs', 'engineMs', 'totalMs', 'totalOverEngine', 'warmUpMs', 'startToImageMs', 'secondTotalMs', 'firstOverSecond', 'stepGflops', 'stepOfCeilingF32', 'stepOfCeilingBf16',
  'vaeGflops', 'vaeOfCeilingF32', 'vaeOfCeilingBf16', 'peakRssMb', 'peakOverWeights', 'coldPeakRssMb', 'loadPeakRssMb', 'encodePeakRssMb', 'denoisePeakRssMb', 'decodePeakRssMb',
  'rssAfterFirstImageMb', 'rssBetweenImagesMb'];

test('npm run bench: one run on the tiny model, idle and busy, against itself as baseline, writes a complete report', () => {
  const { stdout, report } = bench(['--busy', '0,1', '--baseline', root]);
  assert.match(stdout, /\| first image, total \| ms \|/);
  assert.match(stdout, /\| VAE decode \/ bf16 matmul ceiling \| x \|/);
  assert.deepEqual(report.conditions.map((c: any) => [c.size, c.busy]), [['128x128', 0], ['128x128', 1]], 'the default size follows the static tiny model');
  for (const c of report.conditions) {
    assert.deepEqual(c.variants.map((v: any) => v.name), ['ours f32', 'baseline f32']);
    const [ours] = c.variants;
    positive(ours.metrics[0], OURS);
    const rss = ours.phases[0].warm.phaseRss;
    assert.equal(rss.generations.length, 2);
    // Each phase's peak is at most the whole run's.
    for (const k of ['loadPeakRssMb', 'encodePeakRssMb', 'denoisePeakRssMb', 'decodePeakRssMb']) assert.ok(ours.metrics[0][k] <= ours.metrics[0].peakRssMb + 0.01, k);
    assert.equal(ours.phases[0].warm.generations[0].transformerMs.length, 4);
    assert.ok(c.transformerFlopsPerCall.total > 0 && c.vaeFlopsPerImage.total > c.vaeFlopsPerImage.attention);
    for (const r of c.ceiling.results) assert.ok(r.gflops > 0 && Number.isFinite(r.gflops), JSON.stringify(r));
    assert.deepEqual(c.ratios.map((r: any) => r.name), ['ours f32 / baseline f32']);
    assert.ok(c.ratios[0].ratio.totalMs.median > 0);
    assert.deepEqual(c.images[0].perRun[0], { maxAbs: 0, meanAbs: 0, fracOver1: 0, psnr: null }, 'the same code gives the same image');
    const busy = ours.phases[0].busy;
    assert.equal(busy.processes, c.busy);
    for (const share of busy.cpuShare) assert.ok(share > 0, `busy loop cpu share ${share}`);
  }
  assert.deepEqual(report.config.busy, [0, 1]);
});

test('npm run bench --anchor-torch: diffusers on PyTorch from the tiny diffusers checkpoint, beside ours', { skip: !existsSync(torchPython) && 'no .cache/torch-venv (see the header)' }, () => {
  const { report } = bench(['--anchor-torch', '--torch-precision', 'f32,bf16', '--generations', '2', '--python', torchPython]);
  const [c] = report.conditions;
  assert.deepEqual(c.variants.map((v: any) => v.name), ['ours f32', 'torch f32', 'torch bf16']);
  const torch = c.variants[1];
  positive(torch.metrics[0], ['textEncoderMs', 'secondTextEncoderMs', 'newPromptTextEncoderMs', 'transformerStepMs', 'vaeMs', 'vaeGflops', 'totalMs', 'peakRssMb', 'decodePeakRssMb']);
  assert.match(torch.phases[0].warm.runtime, /^torch .* f32/);
  assert.deepEqual(c.ratios.map((r: any) => r.name), ['ours f32 / torch f32', 'ours f32 / torch bf16']);
  // The same weights in float32: the fixtures' tolerance for an f32 port, ±1 almost everywhere.
  const [f32] = c.images[0].perRun;
  assert.ok(f32.maxAbs <= 2 && f32.fracOver1 < 0.01, JSON.stringify(f32));
});
