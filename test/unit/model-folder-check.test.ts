// The model-folder check lists every problem at once and tells "not a model folder" and "a
// diffusers checkpoint" from a model with things wrong; the dialog's wording and answer order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { checkModelFolder, verifyModelFolder } from '../../src/pipeline/model-folder-check';
import { readModelFolder } from '../../src/pipeline/model-folder';
import { FOLDER_ANSWERS, MAX_LISTED, folderPrompt } from '../../src/extension/model-folder-prompt';
import { fixturesDir, tinyModelDir } from '../support/paths';

const temp = () => mkdtempSync(join(tmpdir(), 'pixart-check-'));
function copyOf(dir: string): string {
  const d = temp();
  cpSync(dir, d, { recursive: true, dereference: true });
  return d;
}

test('the fixture model passes the check with no problems', async () => {
  assert.deepEqual(await checkModelFolder(tinyModelDir), { verdict: 'ok', problems: [] });
});

test('an empty folder, or one of other files, is "not a model folder", not a missing scheduler config', async () => {
  const empty = temp();
  const other = temp();
  writeFileSync(join(other, 'README.md'), '# my project');
  mkdirSync(join(other, 'src'));
  assert.deepEqual(await checkModelFolder(empty), { verdict: 'not-a-model', problems: [`${empty} is empty`] });
  for (const dir of [empty, other]) {
    const check = await checkModelFolder(dir);
    assert.equal(check.verdict, 'not-a-model');
    assert.equal(check.problems.length, 1);
    if (dir === other) assert.match(check.problems[0], /holds none of a model folder's files \(model_index\.json, scheduler\/, tokenizer\/, text_encoder\/, transformer\/, vae_decoder\/\)/);
    const prompt = folderPrompt(dir, check)!;
    assert.equal(prompt.message, `PixArt: ${dir} is not a PixArt model folder.`);
    assert.doesNotMatch(`${prompt.message}\n${prompt.detail}`, /scheduler_config\.json is missing/);
    assert.match(prompt.detail, /Download Model… gets one from Hugging Face/);
    assert.match(prompt.detail, /PixArt-α or PixArt-Σ/);
  }
  const missing = join(empty, 'no-such');
  const gone = await checkModelFolder(missing);
  assert.equal(gone.verdict, 'not-a-model');
  assert.match(gone.problems[0], /does not exist or is not a folder/);
});

test('the folder above the models: the dialog names the model folders inside and offers to choose one first', async () => {
  const parent = temp();
  cpSync(tinyModelDir, join(parent, 'PixArt-LCM-int8'), { recursive: true, dereference: true });
  mkdirSync(join(parent, 'notes'));
  const check = await checkModelFolder(parent);
  assert.equal(check.verdict, 'not-a-model');
  assert.deepEqual(check.modelsInside, ['PixArt-LCM-int8']);
  const prompt = folderPrompt(parent, check)!;
  assert.match(prompt.detail, /^It holds model folders: PixArt-LCM-int8\. Choose one of them\./);
  assert.deepEqual(prompt.answers, ['choose', 'download']);
});

test('every problem of a broken model folder is listed at once, each naming its file', async () => {
  const d = copyOf(tinyModelDir);
  rmSync(join(d, 'scheduler', 'scheduler_config.json'));
  rmSync(join(d, 'tokenizer', 'tokenizer.json'));
  writeFileSync(join(d, 'vae_decoder', 'config.json'), '{ nope');
  rmSync(join(d, 'transformer', 'model.onnx'));
  // The loader stops at the first of them.
  assert.throws(() => readModelFolder(d), /scheduler_config\.json is missing/);
  const check = await checkModelFolder(d);
  assert.equal(check.verdict, 'broken');
  const expected = [/scheduler: .*scheduler_config\.json is missing/, /tokenizer: .*tokenizer\.json is missing/, /vae_decoder\/config\.json is not valid JSON/, /transformer: no model file in .*transformer/];
  assert.equal(check.problems.length, expected.length, check.problems.join('\n'));
  expected.forEach((re, i) => assert.match(check.problems[i], re));
  assert.deepEqual(await verifyModelFolder(d), check.problems);
  const prompt = folderPrompt(d, check)!;
  assert.equal(prompt.message, `PixArt: ${d} is not a usable model folder (4 problems).`);
  for (const p of check.problems) assert.ok(prompt.detail.includes(`• ${p}`), `the dialog lists ${p}`);
});

test('a broken VAE config does not hide the transformer config\'s own problem', async () => {
  const d = copyOf(tinyModelDir);
  writeFileSync(join(d, 'vae_decoder', 'config.json'), '{"scaling_factor": 99}');
  writeFileSync(join(d, 'transformer', 'config.json'), '{"sample_size": "big"}');
  const { problems } = await checkModelFolder(d);
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.match(problems[0], /"scaling_factor" must be a number above 0 and at most 10/);
  assert.match(problems[1], /"sample_size" must be a positive integer, found "big"/);
});

test('a diffusers checkpoint is told apart, and the dialog points to building it', async () => {
  const dir = join(fixturesDir, 'pixart-tiny-diffusers');
  const check = await checkModelFolder(dir);
  assert.equal(check.verdict, 'checkpoint');
  assert.ok(check.problems.some((p) => /transformer: no model file/.test(p)));
  const prompt = folderPrompt(dir, check)!;
  assert.match(prompt.message, /is a diffusers checkpoint, not yet a model folder PixArt can run/);
  assert.ok(prompt.detail.includes(`pixart build-model --from "${dir}"`));
  assert.deepEqual(prompt.answers, ['download', 'choose']);
});

test('the dialog never defaults to "Use Anyway": it comes last, and only for a model with problems', async () => {
  const d = copyOf(tinyModelDir);
  rmSync(join(d, 'tokenizer', 'tokenizer.json'));
  const broken = folderPrompt(d, await checkModelFolder(d))!;
  assert.deepEqual(broken.answers, ['choose', 'download', 'use']);
  assert.deepEqual(broken.answers.map((a) => FOLDER_ANSWERS[a]), ['Choose Another Folder…', 'Download Model…', 'Use Anyway']);
  assert.match(broken.message, /\(1 problem\)\.$/);
  const empty = temp();
  const notModel = folderPrompt(empty, await checkModelFolder(empty))!;
  assert.equal(notModel.answers.includes('use'), false, 'nothing to use in an empty folder');
  assert.notEqual(notModel.answers[0], 'use');
  assert.equal(folderPrompt(tinyModelDir, { verdict: 'ok', problems: [] }), undefined);
});

test('a long list is cut in the dialog and says how many more there are', () => {
  const problems = Array.from({ length: MAX_LISTED + 5 }, (_, i) => `file-${i} is missing`);
  const prompt = folderPrompt('/m', { verdict: 'broken', problems })!;
  assert.ok(prompt.detail.includes(`• file-${MAX_LISTED - 1} is missing`));
  assert.ok(!prompt.detail.includes(`file-${MAX_LISTED} is missing`));
  assert.match(prompt.detail, /… and 5 more \(PixArt: Show Log lists them all\)/);
  assert.match(prompt.message, new RegExp(`\\(${MAX_LISTED + 5} problems\\)`));
});
