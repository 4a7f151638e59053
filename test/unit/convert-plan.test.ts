import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_CHOICES, PRECISION_CHOICES, planConversion, conversionCommand } from '../../src/extension/convert-plan';

const readme = readFileSync(join(__dirname, '..', '..', 'models', 'README.md'), 'utf8');

test('the plan is the converter command for the choices, with the download counted only when there is one', () => {
  const [lcm, , random] = MODEL_CHOICES;
  const int4 = PRECISION_CHOICES.find((p) => p.id === 'int4')!;
  const p = planConversion(lcm, int4, '/models/lcm');
  assert.deepEqual(p.args, ['convert.py', '--model-id', 'PixArt-alpha/PixArt-LCM-XL-2-1024-MS', '--weights', 'int4', '--out', '/models/lcm']);
  assert.equal(p.diskGb, 24.9);
  assert.match(p.summary, /~2\.9 GB on disk \(plus a ~22 GB download/);
  const r = planConversion(random, int4, '/m');
  assert.deepEqual(r.args.slice(1, 2), ['--random-weights']);
  assert.equal(r.diskGb, 2.9);
  assert.doesNotMatch(r.summary, /download/);
});

test('every offered model id and precision is one the converter documents, with its size', () => {
  for (const m of MODEL_CHOICES) for (const a of m.sourceArgs) if (a.startsWith('PixArt-alpha/')) assert.ok(readme.includes(a), a);
  for (const p of PRECISION_CHOICES) {
    const row = readme.split('\n').find((l) => l.startsWith(`| ${p.id} |`) && l.includes('GB'));
    assert.ok(row, `models/README.md has a size row for ${p.id}`);
    assert.ok(row!.includes(`${p.diskGb} GB`), `${p.id}: ${row}`);
  }
});

test('the task command creates the venv once, installs the requirements, then converts; paths are quoted', () => {
  const plan = planConversion(MODEL_CHOICES[0], PRECISION_CHOICES[0], "/home/o'neil/models/lcm");
  const posix = conversionCommand(plan, { basePython: 'python3', venv: '/s/venv', modelsDir: '/ext/models' }, 'linux');
  assert.equal(posix,
    "{ [ -x '/s/venv/bin/python' ] || 'python3' -m venv '/s/venv'; } && " +
    "'/s/venv/bin/python' -m pip install --disable-pip-version-check -r '/ext/models/requirements.txt' && " +
    "'/s/venv/bin/python' '/ext/models/convert.py' '--model-id' 'PixArt-alpha/PixArt-LCM-XL-2-1024-MS' '--weights' 'int4' '--out' '/home/o'\\''neil/models/lcm'");
  const win = conversionCommand(plan, { basePython: 'py', venv: 'C:\\s\\venv', modelsDir: 'C:\\ext\\models' }, 'win32');
  assert.match(win, /^\(if not exist "C:\\s\\venv\\Scripts\\python\.exe" "py" -m venv "C:\\s\\venv"\) && /);
  assert.match(win, /"C:\\ext\\models\\convert\.py" "--model-id"/);
});
