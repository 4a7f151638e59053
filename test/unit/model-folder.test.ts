import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { checkMicroConditions, missingInputError, modelKind, readModelFolder, MANIFEST_FILE } from '../../src/pipeline/model-folder';
import { verifyModelFolder } from '../../src/pipeline/model-folder-check';
import { tinyModelDir } from '../support/paths';

function copyTiny(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pixart-folder-'));
  cpSync(tinyModelDir, dir, { recursive: true, dereference: true });
  return dir;
}

test('the fixture model folder reads with its configs', () => {
  const f = readModelFolder(tinyModelDir);
  assert.equal(f.transformer.sampleSize, 128);
  assert.deepEqual([f.transformer.inChannels, f.transformer.outChannels], [4, 8]);
  assert.equal(f.vaeScaleFactor, 8);
  assert.equal(f.scalingFactor, 0.18215);
  assert.match(f.transformerFile, /transformer[\\/]model\.onnx$/);
});

test('each broken part of a folder is named', () => {
  const cases: [(d: string) => void, RegExp][] = [
    [(d) => rmSync(join(d, 'transformer', 'model.onnx')), /transformer: no model file in .*transformer/],
    [(d) => rmSync(join(d, 'tokenizer', 'tokenizer.json')), /tokenizer: .*tokenizer\.json is missing/],
    [(d) => rmSync(join(d, 'scheduler', 'scheduler_config.json')), /scheduler: .*scheduler_config\.json is missing/],
    [(d) => writeFileSync(join(d, 'transformer', 'config.json'), '{ nope'), /transformer\/config\.json is not valid JSON/],
    [(d) => writeFileSync(join(d, 'transformer', 'config.json'), '{"sample_size": "big"}'), /"sample_size" must be a positive integer, found "big"/],
    [(d) => writeFileSync(join(d, 'model_index.json'), '{"_class_name": "StableDiffusionPipeline"}'), /this is a StableDiffusionPipeline model/],
    [(d) => { writeFileSync(join(d, 'vae_decoder', 'openvino_model.xml'), '<net/>'); }, /vae_decoder: .*openvino_model\.xml has no weights file beside it/],
  ];
  for (const [breakIt, re] of cases) {
    const d = copyTiny();
    breakIt(d);
    assert.throws(() => readModelFolder(d), re);
  }
  assert.throws(() => readModelFolder('/no/such/folder'), /model folder \/no\/such\/folder does not exist/);
});

test('verifyModelFolder checks the manifest: missing files, sizes, and (on request) hashes', async () => {
  const d = copyTiny();
  const file = 'transformer/model.onnx';
  const bytes = readFileSync(join(d, file));
  const manifest = { files: { [file]: { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }, 'extra/missing.bin': { bytes: 1 } } };
  writeFileSync(join(d, MANIFEST_FILE), JSON.stringify(manifest));
  assert.deepEqual(await verifyModelFolder(d), ['extra/missing.bin is listed in the manifest but missing']);
  delete (manifest.files as Record<string, unknown>)['extra/missing.bin'];
  writeFileSync(join(d, MANIFEST_FILE), JSON.stringify(manifest));
  assert.deepEqual(await verifyModelFolder(d, { hashes: true }), []);
  // Same size, different content: only the hash can tell.
  const changed = Buffer.from(bytes);
  changed[changed.length - 1] ^= 1;
  writeFileSync(join(d, file), changed);
  assert.deepEqual(await verifyModelFolder(d), []);
  assert.match((await verifyModelFolder(d, { hashes: true }))[0], /transformer\/model\.onnx does not match its sha256/);
  appendFileSync(join(d, file), 'x');
  assert.match((await verifyModelFolder(d))[0], /has \d+ bytes, the manifest says \d+ \(an incomplete copy\?\)/);
  assert.match((await verifyModelFolder('/no/such'))[0], /does not exist/);
});

test('a model in the wrong folder is named by what its inputs say it is', () => {
  const transformerInputs = ['hidden_states', 'timestep', 'encoder_hidden_states', 'encoder_attention_mask', 'resolution', 'aspect_ratio'];
  assert.equal(
    missingInputError('vae_decoder/model.onnx', 'latents', transformerInputs, 'VAE decoder').message,
    'vae_decoder/model.onnx: the model has no input "latents" (inputs: hidden_states, timestep, encoder_hidden_states, encoder_attention_mask, resolution, aspect_ratio): ' +
      'it looks like a transformer model, not a VAE decoder. Each of text_encoder/, transformer/ and vae_decoder/ holds its own network (models/convert.py writes them so).',
  );
  assert.match(missingInputError('transformer/model.onnx', 'timestep', ['input_ids', 'attention_mask'], 'transformer').message, /\(inputs: input_ids, attention_mask\): it looks like a text encoder model, not a transformer\./);
  assert.match(missingInputError('text_encoder/model.onnx', 'input_ids', ['latents'], 'text encoder').message, /it looks like a VAE decoder model, not a text encoder/);
  assert.match(missingInputError('vae_decoder/openvino_model.xml', 'latents', [], 'VAE decoder').message, /\(inputs: none\): it looks like an empty model, not a VAE decoder/);
  // The model's kind is the one expected, or its inputs do not say: only the missing input is named.
  assert.equal(missingInputError('text_encoder/model.onnx', 'attention_mask', ['input_ids'], 'text encoder').message, 'text_encoder/model.onnx: the model has no input "attention_mask" (inputs: input_ids)');
  assert.equal(missingInputError('vae_decoder/model.onnx', 'latents', ['x', 'y'], 'VAE decoder').message, 'vae_decoder/model.onnx: the model has no input "latents" (inputs: x, y)');
  assert.equal(missingInputError('vae_decoder/model.onnx', 'latents', transformerInputs).message, `vae_decoder/model.onnx: the model has no input "latents" (inputs: ${transformerInputs.join(', ')})`);
  assert.equal(modelKind(['sample', 'timestep', 'encoder_hidden_states']), 'UNet');
});

test('a transformer taking micro-conditions that its config.json sample_size does not get: the two disagree', () => {
  const d = copyTiny();
  const tc = join(d, 'transformer', 'config.json');
  writeFileSync(tc, JSON.stringify({ ...JSON.parse(readFileSync(tc, 'utf8')), sample_size: 64 }));
  const folder = readModelFolder(d);
  const inputs = ['hidden_states', 'timestep', 'encoder_hidden_states', 'encoder_attention_mask', 'resolution', 'aspect_ratio'];
  assert.throws(() => checkMicroConditions(folder, inputs, 128), (e: Error) => {
    assert.equal(e.message, `${tc}: "sample_size" is 64, but ${folder.transformerFile} takes resolution and aspect_ratio, which are fed only at sample_size 128: ` +
      'config.json and the model disagree. Use the config.json the model was converted with, or convert it again (models/convert.py).');
    return true;
  });
  checkMicroConditions(folder, inputs.slice(0, 4), 128); // a model without them runs at any sample_size
  checkMicroConditions(readModelFolder(tinyModelDir), inputs, 128);
});
