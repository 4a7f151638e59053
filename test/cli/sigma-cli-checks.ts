// The checks of a built PixArt-Σ model through `pixart generate`, shared by the CLI tests that build
// it from the one-folder checkpoint (sigma-cli.test.ts) and from two hub repos
// (sigma-two-repos.test.ts): each case of diffusers' PixArtSigmaPipeline reproduced from its
// case.json alone, images within ±1, the parameters text naming the model.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { caseFile, listCases, type CaseMeta } from '../support/cases';
import { pixelsOff } from '../support/compare';
import { fixturesDir } from '../support/paths';
import { runtimeEnv } from '../support/engines';
import { readPngText } from '../../src/image/png';
import { fromParameters } from '../../src/image/parameters';

export const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
export const sigmaCases = listCases(join(fixturesDir, 'sigma', 'cases'));

export function runCli(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...runtimeEnv() } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What the checks need to know of the model: its folder, the name its parameters carry, and where images go. */
export interface SigmaModel {
  dir: string;
  name: string;
  work: string;
}

/** Generates with `args` into `<name>.png`, and checks every image against case `c`'s within ±1; returns each file's parameters. */
export async function generateChecked(m: SigmaModel, c: CaseMeta, name: string, args: string[]) {
  const prompts = Array.isArray(c.prompt) ? c.prompt : [c.prompt];
  const r = runCli(['generate', '--model', m.dir, ...prompts.flatMap((p) => ['--prompt', p]), '--seed', String(c.seed), '--width', String(c.width), '--height', String(c.height),
    ...(c.use_resolution_binning ? [] : ['--no-binning']), '--precision', 'f32', '--out', join(m.work, `${name}.png`), ...args]);
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
    assert.equal(p.model, m.name, 'the parameters name the model');
    parameters.push(p);
  }
  return parameters;
}

const schedulerOf = (c: CaseMeta) => (c as CaseMeta & { scheduler_config: { _class_name: string } }).scheduler_config._class_name;

/** Case `c` from its case.json alone (prompt, negative, steps, guidance, images, scheduler config): images and parameters as diffusers'. */
export async function checkCaseFromCaseJson(m: SigmaModel, c: CaseMeta): Promise<void> {
  const parameters = await generateChecked(m, c, c.name, [
    '--negative-prompt', c.negative_prompt, '--steps', String(c.num_inference_steps), '--guidance', String(c.guidance_scale),
    '--images', String(c.num_images_per_prompt), '--scheduler-config', caseFile(c, 'scheduler_config.json'),
  ]);
  for (const p of parameters) {
    assert.deepEqual([p.steps, p.guidanceScale, p.seed], [c.num_inference_steps, c.guidance_scale, String(c.seed)]);
    assert.equal(p.sampler, schedulerOf(c) === 'LCMScheduler' ? 'LCM' : 'DPM++ 2M');
  }
}
