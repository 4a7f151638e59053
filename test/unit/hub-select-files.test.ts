// Which files of a repo a PixArt download fetches: the pure selection over a listing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWeightName, selectFiles, SelectionError, shardsOfIndex, withShards } from '../../src/hub/select-files';
import type { RepoFile } from '../../src/hub/types';
import { DUPLICATES, tinyPipelineFiles } from '../support/hub-repo';

const ls = (...paths: string[]): RepoFile[] => paths.map((path, i) => ({ path, size: 100 + i, oid: i.toString(16).padStart(40, '0') }));
const paths = (files: RepoFile[]) => files.map((f) => f.path).sort();

const BASE = ['model_index.json', 'scheduler/scheduler_config.json', 'tokenizer/spiece.model', 'tokenizer/tokenizer_config.json', 'text_encoder/config.json', 'transformer/config.json', 'vae/config.json'];

test('weight file names: single, variant, index, shard', () => {
  assert.deepEqual(parseWeightName('diffusion_pytorch_model.safetensors'), { kind: 'single', stem: 'diffusion_pytorch_model' });
  assert.deepEqual(parseWeightName('model.fp16.safetensors'), { kind: 'single', stem: 'model', variant: 'fp16' });
  assert.deepEqual(parseWeightName('model.safetensors.index.json'), { kind: 'index', stem: 'model' });
  assert.deepEqual(parseWeightName('diffusion_pytorch_model.safetensors.index.fp16.json'), { kind: 'index', stem: 'diffusion_pytorch_model', variant: 'fp16' });
  assert.deepEqual(parseWeightName('model-00001-of-00004.safetensors'), { kind: 'shard', stem: 'model' });
  assert.deepEqual(parseWeightName('model.fp16-00002-of-00004.safetensors'), { kind: 'shard', stem: 'model', variant: 'fp16' });
  for (const other of ['pytorch_model.bin', 'model.onnx', 'flax_model.msgpack', 'config.json', 'model.safetensors.bak']) assert.equal(parseWeightName(other), undefined, other);
});

test('the tiny checkpoint with its .bin, fp16, ONNX and Flax duplicates: exactly the fixture folder is selected', () => {
  const listing = ls(...tinyPipelineFiles(), ...DUPLICATES.map((d) => d.path));
  const s = selectFiles(listing);
  assert.deepEqual(paths(s.files), [...tinyPipelineFiles()].sort());
  assert.deepEqual(s.indexes.map((i) => i.path).sort(), ['text_encoder/model.safetensors.index.json', 'vae/diffusion_pytorch_model.safetensors.index.json']);
  assert.deepEqual(s.indexes.find((i) => i.path.startsWith('vae'))?.shards, ['vae/diffusion_pytorch_model-00001-of-00002.safetensors', 'vae/diffusion_pytorch_model-00002-of-00002.safetensors']);
});

test('with the fp16 variant, a folder with fp16 weights gives those, the others their plain weights', () => {
  const listing = ls(...tinyPipelineFiles(), ...DUPLICATES.map((d) => d.path));
  const s = selectFiles(listing, 'fp16');
  const weights = paths(s.files).filter((p) => p.endsWith('.safetensors'));
  assert.deepEqual(weights, [
    'text_encoder/model-00001-of-00002.safetensors',
    'text_encoder/model-00002-of-00002.safetensors',
    'transformer/diffusion_pytorch_model.fp16.safetensors',
    'vae/diffusion_pytorch_model.fp16.safetensors',
  ]);
  assert.ok(!paths(s.files).includes('vae/diffusion_pytorch_model.safetensors.index.json'), 'the plain sharded VAE is not fetched beside its fp16 copy');
});

test('an fp16 sharded checkpoint: its fp16 index and fp16 shards, not the plain ones', () => {
  const te = ['model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.fp16.json', 'model.fp16-00001-of-00002.safetensors', 'model.fp16-00002-of-00002.safetensors'];
  const listing = ls(...BASE, ...te.map((n) => `text_encoder/${n}`), 'transformer/diffusion_pytorch_model.safetensors', 'vae/diffusion_pytorch_model.safetensors');
  const fp16 = paths(selectFiles(listing, 'fp16').files).filter((p) => p.startsWith('text_encoder/model'));
  assert.deepEqual(fp16, ['text_encoder/model.fp16-00001-of-00002.safetensors', 'text_encoder/model.fp16-00002-of-00002.safetensors', 'text_encoder/model.safetensors.index.fp16.json']);
  const plain = paths(selectFiles(listing).files).filter((p) => p.startsWith('text_encoder/model'));
  assert.deepEqual(plain, ['text_encoder/model-00001-of-00002.safetensors', 'text_encoder/model-00002-of-00002.safetensors', 'text_encoder/model.safetensors.index.json']);
});

test('a single weights file wins over an index of the same stem; diffusers\' name over transformers\'', () => {
  const listing = ls(...BASE, 'text_encoder/model.safetensors', 'text_encoder/model.safetensors.index.json', 'text_encoder/model-00001-of-00001.safetensors', 'transformer/model.safetensors', 'transformer/diffusion_pytorch_model.safetensors', 'vae/diffusion_pytorch_model.safetensors');
  const s = selectFiles(listing);
  assert.deepEqual(paths(s.files).filter((p) => p.endsWith('.safetensors')), ['text_encoder/model.safetensors', 'transformer/diffusion_pytorch_model.safetensors', 'vae/diffusion_pytorch_model.safetensors']);
  assert.deepEqual(s.indexes, []);
});

test('tokenizer: tokenizer.json alone will do, and its side files come when present', () => {
  const listing = ls(...BASE.filter((p) => p !== 'tokenizer/spiece.model'), 'tokenizer/tokenizer.json', 'tokenizer/special_tokens_map.json', 'tokenizer/added_tokens.json', 'tokenizer/vocab.txt',
    'text_encoder/model.safetensors', 'transformer/diffusion_pytorch_model.safetensors', 'vae/diffusion_pytorch_model.safetensors');
  assert.deepEqual(paths(selectFiles(listing).files).filter((p) => p.startsWith('tokenizer/')), ['tokenizer/added_tokens.json', 'tokenizer/special_tokens_map.json', 'tokenizer/tokenizer.json', 'tokenizer/tokenizer_config.json']);
});

test('what a repo lacks is named, every piece at once', () => {
  const listing = ls('model_index.json', 'tokenizer/vocab.txt', 'text_encoder/config.json', 'text_encoder/pytorch_model.bin', 'transformer/config.json', 'transformer/diffusion_pytorch_model.fp16.safetensors');
  const err = (() => {
    try {
      selectFiles(listing);
    } catch (e) {
      return e as SelectionError;
    }
    return undefined;
  })();
  assert.ok(err instanceof SelectionError);
  assert.deepEqual(err.missing, [
    'scheduler/scheduler_config.json',
    'tokenizer/spiece.model or tokenizer/tokenizer.json',
    'text_encoder/*.safetensors (it has only .bin weights; safetensors are needed)',
    'transformer/*.safetensors (it has only fp16 weights: choose the fp16 variant)',
    'vae/config.json',
    'vae/*.safetensors',
  ]);
  assert.match(err.message, /^it lacks scheduler\/scheduler_config\.json, /);
});

test('shards come from the index: named ones replace the guess; a missing or unsafe one is refused', () => {
  const listing = ls(...BASE, 'transformer/diffusion_pytorch_model.safetensors', 'vae/diffusion_pytorch_model.safetensors',
    'text_encoder/model.safetensors.index.json', 'text_encoder/model-00001-of-00002.safetensors', 'text_encoder/model-00002-of-00002.safetensors', 'text_encoder/model-00001-of-00003.safetensors');
  const s = selectFiles(listing);
  assert.equal(s.indexes[0].shards.length, 3, 'the guess takes every shard-looking name');
  const index = JSON.stringify({ metadata: {}, weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors', c: 'model-00001-of-00002.safetensors' } });
  const named = shardsOfIndex('text_encoder/model.safetensors.index.json', index, listing);
  assert.deepEqual(named.map((f) => f.path), ['text_encoder/model-00001-of-00002.safetensors', 'text_encoder/model-00002-of-00002.safetensors']);
  const after = withShards(s, 'text_encoder/model.safetensors.index.json', named);
  assert.ok(!paths(after.files).includes('text_encoder/model-00001-of-00003.safetensors'));
  assert.equal(after.files.length, s.files.length - 1);

  const absent = JSON.stringify({ weight_map: { a: 'model-00003-of-00003.safetensors' } });
  assert.throws(() => shardsOfIndex('text_encoder/model.safetensors.index.json', absent, listing), (e: SelectionError) => e.missing[0] === 'text_encoder/model-00003-of-00003.safetensors');
  for (const bad of ['../../etc/passwd.safetensors', 'sub/x.safetensors', '.hidden.safetensors', 'x.bin']) {
    assert.throws(() => shardsOfIndex('text_encoder/model.safetensors.index.json', JSON.stringify({ weight_map: { a: bad } }), listing), /not safetensors files beside it/, bad);
  }
  assert.throws(() => shardsOfIndex('text_encoder/model.safetensors.index.json', '{"weight_map": []}', listing), /no weight_map object/);
  assert.throws(() => shardsOfIndex('text_encoder/model.safetensors.index.json', 'not json', listing), /no weight_map object/);
});
