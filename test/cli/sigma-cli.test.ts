// PixArt-Σ from the command line, as a user runs it: `pixart build-model` builds the tiny Σ
// checkpoint once, then `pixart generate --model <it>` reproduces diffusers' PixArtSigmaPipeline
// cases from their case.json alone, and with no --steps/--guidance/--scheduler-config gives the
// case made with PixArtSigmaPipeline's own defaults (DPM-Solver++, 20 steps, guidance 4.5), the
// parameters text naming the model. The checks are in sigma-cli-checks.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fixturesDir } from '../support/paths';
import { checkCaseFromCaseJson, generateChecked, runCli, sigmaCases as cases, type SigmaModel } from './sigma-cli-checks';

const sigmaDir = join(fixturesDir, 'sigma');
const work = mkdtempSync(join(tmpdir(), 'pixart-sigma-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));
const model: SigmaModel = { dir: join(work, 'pixart-sigma-tiny'), name: 'pixart-sigma-tiny', work };

before(() => {
  const r = runCli(['build-model', '--from', join(sigmaDir, 'pixart-sigma-tiny-diffusers'), '--out', model.dir, '--weights', 'text_encoder=f32,transformer=f32']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), model.dir);
});

for (const c of cases) {
  test(`CLI reproduces ${c.name} from case.json alone`, () => checkCaseFromCaseJson(model, c));
}

test('with no steps, guidance or scheduler given, a Σ model generates with PixArtSigmaPipeline\'s defaults', async () => {
  const c = cases.find((k) => k.name === 'sigma_dpm_20step_cfg45_negative')!;
  // The case called the pipeline with its defaults: 20 steps, guidance 4.5, the checkpoint's DPM-Solver++.
  assert.deepEqual([c.num_inference_steps, c.guidance_scale], [20, 4.5]);
  const [p] = await generateChecked(model, c, 'defaults', ['--negative-prompt', c.negative_prompt]);
  assert.deepEqual([p.steps, p.guidanceScale, p.sampler], [20, 4.5, 'DPM++ 2M']);
});
