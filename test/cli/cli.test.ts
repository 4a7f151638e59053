// The command line, as a user runs it: each fixture case reproduced from its case.json alone,
// and bad input answered with one clear line and a non-zero exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { listCases, modelFolderForCase, caseFile } from '../support/cases';
import { tinyModelDir } from '../support/paths';
import { runtimeEnv } from '../support/engines';
import { readPngText } from '../../src/image/png';
import { fromParameters } from '../../src/image/parameters';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
const out = mkdtempSync(join(tmpdir(), 'pixart-cli-'));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...runtimeEnv() } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the CLI is built', () => {
  assert.ok(existsSync(cli), `${cli} is missing: run npm run build`);
});

for (const c of listCases()) {
  test(`CLI reproduces ${c.name} from case.json alone`, async () => {
    const file = join(out, `${c.name}.png`);
    const prompts = Array.isArray(c.prompt) ? c.prompt : [c.prompt];
    const r = run([
      'generate', '--model', modelFolderForCase(c),
      ...prompts.flatMap((p) => ['--prompt', p]),
      '--negative-prompt', c.negative_prompt,
      '--seed', String(c.seed), '--steps', String(c.num_inference_steps), '--guidance', String(c.guidance_scale),
      '--width', String(c.width), '--height', String(c.height),
      ...(c.use_resolution_binning ? [] : ['--no-binning']),
      '--images', String(c.num_images_per_prompt),
      '--scheduler-config', caseFile(c, 'scheduler_config.json'),
      '--precision', 'f32', '--out', file,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout.trim());
    assert.equal(report.seed, String(c.seed));
    assert.equal(report.files.length, c.image_shape[0]);
    for (const [i, f] of (report.files as string[]).entries()) {
      const ours = await sharp(f).raw().toBuffer({ resolveWithObject: true });
      const ref = await sharp(caseFile(c, `image_${i}.png`)).raw().toBuffer();
      assert.deepEqual([ours.info.height, ours.info.width], [c.image_shape[1], c.image_shape[2]]);
      let off = 0;
      let worst = 0;
      for (let k = 0; k < ref.length; k++) {
        const d = Math.abs(ours.data[k] - ref[k]);
        if (d > 1) off++;
        worst = Math.max(worst, d);
      }
      assert.ok(off / ref.length <= 0.001 && worst <= 2, `${f}: ${off} values off by more than 1, max ${worst}`);
      const p = fromParameters(readPngText(readFileSync(f)).parameters);
      const perPrompt = c.num_images_per_prompt;
      assert.equal(p.prompt, prompts[Math.floor(i / perPrompt)]);
      assert.equal(p.seed, String(c.seed));
      assert.equal(p.steps, c.num_inference_steps);
      assert.equal(p.guidanceScale, c.guidance_scale);
      assert.deepEqual([p.width, p.height], [c.width, c.height]);
      assert.equal(p.negativePrompt, c.do_classifier_free_guidance ? c.negative_prompt : '');
    }
  });
}

test('an existing output is not overwritten without --force', () => {
  const file = join(out, 'exists.png');
  writeFileSync(file, 'keep me');
  const r = run(['generate', '--model', tinyModelDir, '--prompt', 'x', '--width', '128', '--height', '128', '--out', file]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /exists\.png exists; choose another --out or pass --force/);
  assert.equal(readFileSync(file, 'utf8'), 'keep me');
});

test('bad input: one line naming the problem, non-zero exit, nothing written', () => {
  const broken = mkdtempSync(join(tmpdir(), 'pixart-broken-'));
  cpSync(tinyModelDir, broken, { recursive: true, dereference: true });
  rmSync(join(broken, 'vae_decoder', 'model.onnx'));
  const cases: [string[], number, RegExp][] = [
    [['--model', broken, '--prompt', 'x'], 1, /vae_decoder: no model file in .*vae_decoder/],
    [['--model', join(out, 'nope'), '--prompt', 'x'], 1, /model folder .*nope does not exist/],
    [['--model', tinyModelDir, '--prompt', 'x', '--seed', 'abc'], 2, /--seed: The seed must be a whole number/],
    [['--model', tinyModelDir, '--prompt', 'x', '--steps', '0'], 2, /--steps: Steps must be a whole number from 1/],
    [['--model', tinyModelDir, '--prompt', 'x', '--width', '256', '--height', '256', '--no-binning'], 1, /only runs 128x128 .*256x256 was asked without resolution binning/],
  ];
  for (const [args, code, re] of cases) {
    const file = join(out, 'bad.png');
    const r = run(['generate', ...args, '--out', file]);
    assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0], re);
    assert.equal(existsSync(file), false);
  }
});
