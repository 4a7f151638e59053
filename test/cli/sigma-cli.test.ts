// PixArt-Σ from the command line, as a user runs it: `pixart build-model` builds the tiny Σ
// checkpoint once, then `pixart generate --model <it>` reproduces diffusers' PixArtSigmaPipeline
// cases from their case.json alone, and with no --steps/--guidance/--scheduler-config gives the
// case made with PixArtSigmaPipeline's own defaults (DPM-Solver++, 20 steps, guidance 4.5), the
// parameters text naming the model.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { caseFile, listCases, type CaseMeta } from '../support/cases';
import { pixelsOff } from '../support/compare';
import { fixturesDir } from '../support/paths';
import { runtimeEnv } from '../support/engines';
import { readPngText } from '../../src/image/png';
import { fromParameters } from '../../src/image/parameters';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
const sigmaDir = join(fixturesDir, 'sigma');
const cases = listCases(join(sigmaDir, 'cases'));
const work = mkdtempSync(join(tmpdir(), 'pixart-sigma-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));
const model = join(work, 'pixart-sigma-tiny');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...runtimeEnv() } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  const r = run(['build-model', '--from', join(sigmaDir, 'pixart-sigma-tiny-diffusers'), '--out', model, '--weights', 'text_encoder=f32,transformer=f32']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), model);
});

/** Generates with `args` into `<name>.png`, and checks every image against case `c`'s within ±1; returns the report and each file's parameters. */
async function generate(c: CaseMeta, name: string, args: string[]) {
  const prompts = Array.isArray(c.prompt) ? c.prompt : [c.prompt];
  const r = run(['generate', '--model', model, ...prompts.flatMap((p) => ['--prompt', p]), '--seed', String(c.seed), '--width', String(c.width), '--height', String(c.height),
    ...(c.use_resolution_binning ? [] : ['--no-binning']), '--precision', 'f32', '--out', join(work, `${name}.png`), ...args]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout.trim()) as { files: string[]; generatedWidth: number; generatedHeight: number };
  assert.equal(report.files.length, c.image_shape[0]);
  assert.deepEqual([report.generatedHeight, report.generatedWidth], [c.generated_height, c.generated_width]);
  const parameters = [];
  for (const [i, f] of report.files.entries()) {
    const ours = await sharp(f).raw().toBuffer({ resolveWithObject: true });
    const ref = await sharp(caseFile(c, `image_${i}.png`)).raw().toBuffer();
    assert.deepEqual([ours.info.height, ours.info.width], [c.image_shape[1], c.image_shape[2]]);
    const { off1, worst } = pixelsOff(ours.data, ref);
    assert.ok(off1 / ref.length <= 0.001 && worst <= 2, `${f}: ${off1} values off by more than 1, max ${worst}`);
    const p = fromParameters(readPngText(readFileSync(f)).parameters);
    assert.equal(p.prompt, prompts[Math.floor(i / c.num_images_per_prompt)]);
    assert.equal(p.model, 'pixart-sigma-tiny', 'the parameters name the model');
    parameters.push(p);
  }
  return parameters;
}

const schedulerOf = (c: CaseMeta) => (c as CaseMeta & { scheduler_config: { _class_name: string } }).scheduler_config._class_name;

for (const c of cases) {
  test(`CLI reproduces ${c.name} from case.json alone`, async () => {
    const parameters = await generate(c, c.name, [
      '--negative-prompt', c.negative_prompt, '--steps', String(c.num_inference_steps), '--guidance', String(c.guidance_scale),
      '--images', String(c.num_images_per_prompt), '--scheduler-config', caseFile(c, 'scheduler_config.json'),
    ]);
    for (const p of parameters) {
      assert.deepEqual([p.steps, p.guidanceScale, p.seed], [c.num_inference_steps, c.guidance_scale, String(c.seed)]);
      assert.equal(p.sampler, schedulerOf(c) === 'LCMScheduler' ? 'LCM' : 'DPM++ 2M');
    }
  });
}

test('with no steps, guidance or scheduler given, a Σ model generates with PixArtSigmaPipeline\'s defaults', async () => {
  const c = cases.find((k) => k.name === 'sigma_dpm_20step_cfg45_negative')!;
  // The case called the pipeline with its defaults: 20 steps, guidance 4.5, the checkpoint's DPM-Solver++.
  assert.deepEqual([c.num_inference_steps, c.guidance_scale], [20, 4.5]);
  const [p] = await generate(c, 'defaults', ['--negative-prompt', c.negative_prompt]);
  assert.deepEqual([p.steps, p.guidanceScale, p.sampler], [20, 4.5, 'DPM++ 2M']);
});
