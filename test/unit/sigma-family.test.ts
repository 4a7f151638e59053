// The pipeline families (src/pipeline/family.ts) against diffusers' pipeline_pixart_alpha.py and
// pipeline_pixart_sigma.py: which family a folder's model_index.json names, the refusal of any other
// class, each family's resolution bins by sample_size (Σ adds the 2048 table), and the micro-condition
// rule (α at sample_size 128, Σ never).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { FAMILIES, PIXART_ALPHA, PIXART_SIGMA, familyNamed } from '../../src/pipeline/family';
import { checkMicroConditions, readModelFolder } from '../../src/pipeline/model-folder';
import { ALPHA_BINS, SIGMA_BINS, aspectRatioBins, classifyBin } from '../../src/pipeline/resolution';
import { schedulerDefaults } from '../../src/protocol/generation';
import { listCases } from '../support/cases';
import { fixturesDir, tinyModelDir } from '../support/paths';

const scratch = mkdtempSync(join(tmpdir(), 'pixart-family-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the tiny α folder whose model_index.json says `className` (undefined: no model_index.json). */
function folderNamed(className: string | undefined): string {
  const dir = mkdtempSync(join(scratch, 'model-'));
  cpSync(tinyModelDir, dir, { recursive: true, dereference: true });
  const index = join(dir, 'model_index.json');
  if (className === undefined) rmSync(index);
  else writeFileSync(index, JSON.stringify({ ...JSON.parse(readFileSync(index, 'utf8')), _class_name: className }));
  return dir;
}

test('model_index.json names the family; a folder without one is PixArt-α, as the converter\'s older folders are', () => {
  assert.equal(readModelFolder(tinyModelDir).family, PIXART_ALPHA);
  assert.equal(readModelFolder(folderNamed('PixArtSigmaPipeline')).family, PIXART_SIGMA);
  assert.equal(readModelFolder(folderNamed('PixArtAlphaPipeline')).family, PIXART_ALPHA);
  assert.equal(readModelFolder(folderNamed('PixArtPipeline')).family, PIXART_ALPHA, 'the name early diffusers releases wrote');
  assert.equal(readModelFolder(folderNamed(undefined)).family, PIXART_ALPHA);
  assert.deepEqual(FAMILIES.map((f) => [f.className, f.label, f.maxTokens]), [['PixArtAlphaPipeline', 'PixArt-α', 120], ['PixArtSigmaPipeline', 'PixArt-Σ', 300]]);
  assert.equal(familyNamed('StableDiffusionXLPipeline'), null);
});

test('an unknown pipeline class is refused, naming the file, the class and the supported ones', () => {
  const dir = folderNamed('HunyuanDiTPipeline');
  assert.throws(() => readModelFolder(dir), (e: Error) => {
    assert.equal(e.name, 'ModelFolderError');
    assert.equal(e.message, `${join(dir, 'model_index.json')}: this is a HunyuanDiTPipeline model (its "_class_name"); PixArt Studio runs PixArtAlphaPipeline (PixArt-α) and PixArtSigmaPipeline (PixArt-Σ) models.`);
    return true;
  });
});

test('the Σ checkpoint\'s own model_index.json names PixArtSigmaPipeline', () => {
  const index = JSON.parse(readFileSync(join(fixturesDir, 'sigma', 'pixart-sigma-tiny-diffusers', 'model_index.json'), 'utf8'));
  assert.equal(familyNamed(index._class_name), PIXART_SIGMA);
});

test('bins by sample_size: Σ uses the 2048 table at 256 and α\'s tables below; α refuses 256 as diffusers does', () => {
  const twoK = aspectRatioBins(256, SIGMA_BINS);
  // pipeline_pixart_sigma.py's ASPECT_RATIO_2048_BIN: 40 ratios from 0.25 (1024×4096) to 4.0 (4096×1024).
  assert.equal(twoK.length, 40);
  assert.deepEqual(twoK[0], { ratio: '0.25', height: 1024, width: 4096 });
  assert.deepEqual(twoK.find((b) => b.ratio === '1.0'), { ratio: '1.0', height: 2048, width: 2048 });
  assert.deepEqual(twoK.find((b) => b.ratio === '3.62'), { ratio: '3.62', height: 3712, width: 1024 });
  assert.deepEqual(twoK[39], { ratio: '4.0', height: 4096, width: 1024 });
  assert.ok(twoK.every((b) => b.width % 64 === 0 && b.height % 64 === 0));
  for (const size of [128, 64, 32]) assert.deepEqual(aspectRatioBins(size, SIGMA_BINS), aspectRatioBins(size, ALPHA_BINS), `sample_size ${size}: the same bins`);
  // α's 512 model (sample_size 64) gets the 512 bins under both rules.
  assert.deepEqual(aspectRatioBins(64).find((b) => b.ratio === '1.0'), { ratio: '1.0', height: 512, width: 512 });
  assert.throws(() => aspectRatioBins(256), /sample_size 32, 64 or 128, not 256/);
  assert.throws(() => aspectRatioBins(100, SIGMA_BINS), /sample_size 32, 64, 128 or 256, not 100/);
});

test('the Σ binning case generates at the size diffusers chose', () => {
  const cases = listCases(join(fixturesDir, 'sigma', 'cases')).filter((c) => c.use_resolution_binning);
  assert.ok(cases.length > 0);
  for (const c of cases) {
    const bin = classifyBin({ width: c.width, height: c.height }, aspectRatioBins(128, PIXART_SIGMA.bins));
    assert.deepEqual([bin.height, bin.width], [c.generated_height, c.generated_width], c.name);
  }
});

test('micro-conditions: α feeds them at sample_size 128, Σ never, so a Σ folder whose transformer declares them is refused', () => {
  assert.equal(PIXART_ALPHA.microConditionsAt, 128);
  assert.equal(PIXART_SIGMA.microConditionsAt, null);
  const folder = readModelFolder(folderNamed('PixArtSigmaPipeline'));
  const inputs = ['hidden_states', 'timestep', 'encoder_hidden_states', 'encoder_attention_mask'];
  checkMicroConditions(folder, inputs, null);
  assert.throws(() => checkMicroConditions(folder, [...inputs, 'resolution', 'aspect_ratio'], null), (e: Error) => {
    assert.match(e.message, /takes resolution and aspect_ratio, which PixArtSigmaPipeline never feeds .*: the model is not a PixArt-Σ transformer\. Build or convert it again/);
    assert.ok(e.message.startsWith(folder.transformerFile));
    return true;
  });
});

test('Σ\'s defaults are PixArtSigmaPipeline\'s: DPM-Solver++ with 20 steps and guidance 4.5', () => {
  const scheduler = JSON.parse(readFileSync(join(fixturesDir, 'sigma', 'pixart-sigma-tiny-diffusers', 'scheduler', 'scheduler_config.json'), 'utf8').replace(/-Infinity/g, 'null'));
  assert.equal(scheduler._class_name, 'DPMSolverMultistepScheduler');
  // __call__(num_inference_steps=20, guidance_scale=4.5) in pipeline_pixart_sigma.py
  assert.deepEqual(schedulerDefaults(scheduler._class_name), { steps: 20, guidanceScale: 4.5 });
});
