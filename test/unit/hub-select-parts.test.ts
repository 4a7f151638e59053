// The parts of a pipeline a download can ask for (selectFiles' `part`): a transformer-only repo's
// transformer/, a base's everything-but-transformer/, and the table of the hub's known
// transformer-only repos with their bases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SelectionError, isTransformerOnly, selectFiles } from '../../src/hub/select-files';
import { SIGMA_BASE_REPO, transformerOnlyRepo } from '../../src/hub';
import type { RepoFile } from '../../src/hub';

const file = (path: string, size = 10): RepoFile => ({ path, size });
const TRANSFORMER = ['transformer/config.json', 'transformer/diffusion_pytorch_model.safetensors'];
const BASE = [
  'model_index.json', 'scheduler/scheduler_config.json', 'tokenizer/spiece.model', 'tokenizer/tokenizer_config.json',
  'text_encoder/config.json', 'text_encoder/model.safetensors.index.json', 'text_encoder/model-00001-of-00002.safetensors', 'text_encoder/model-00002-of-00002.safetensors',
  'vae/config.json', 'vae/diffusion_pytorch_model.safetensors',
];
const EXTRAS = ['README.md', '.gitattributes', 'transformer/diffusion_pytorch_model.bin', 'vae/diffusion_pytorch_model.fp16.safetensors'];
const paths = (listing: string[], part: 'pipeline' | 'transformer' | 'base') => selectFiles(listing.map((p) => file(p)), undefined, part).files.map((f) => f.path).sort();

test('a part selects only its folders: transformer/ alone, or every other part, from a whole pipeline too', () => {
  const whole = [...TRANSFORMER, ...BASE, ...EXTRAS];
  assert.deepEqual(paths(whole, 'transformer'), [...TRANSFORMER].sort());
  assert.deepEqual(paths(whole, 'base'), [...BASE].sort());
  assert.deepEqual(paths(whole, 'pipeline'), [...TRANSFORMER, ...BASE].sort());
  assert.deepEqual(paths([...TRANSFORMER, 'README.md'], 'transformer'), [...TRANSFORMER].sort(), 'a transformer-only repo gives its part');
  assert.deepEqual(paths([...BASE, 'README.md'], 'base'), [...BASE].sort(), 'a base without transformer/ gives its part');
});

test('a part that is not there is named; a transformer-only listing is told from a pipeline', () => {
  assert.throws(() => paths([...TRANSFORMER], 'base'), (e: unknown) => e instanceof SelectionError && e.missing.includes('model_index.json') && e.missing.includes('vae/config.json'));
  assert.throws(() => paths([...BASE], 'transformer'), (e: unknown) => e instanceof SelectionError && e.missing.join() === 'transformer/config.json,transformer/*.safetensors');
  assert.ok(isTransformerOnly([...TRANSFORMER, 'README.md'].map((p) => file(p))));
  assert.ok(!isTransformerOnly([...TRANSFORMER, ...BASE].map((p) => file(p))));
  assert.ok(!isTransformerOnly(BASE.map((p) => file(p))));
});

test('the known transformer-only repos are PixArt-Σ 512 and 2K, combined with the Σ base into a PixArtSigmaPipeline', () => {
  for (const repo of ['PixArt-alpha/PixArt-Sigma-XL-2-512-MS', 'PixArt-alpha/PixArt-Sigma-XL-2-2K-MS', 'pixart-alpha/pixart-sigma-xl-2-2k-ms']) {
    assert.deepEqual(transformerOnlyRepo(repo), { base: SIGMA_BASE_REPO, pipeline: 'PixArtSigmaPipeline' }, repo);
  }
  assert.equal(SIGMA_BASE_REPO, 'PixArt-alpha/pixart_sigma_sdxlvae_T5_diffusers');
  for (const repo of ['PixArt-alpha/PixArt-Sigma-XL-2-1024-MS', 'PixArt-alpha/PixArt-XL-2-1024-MS', SIGMA_BASE_REPO]) assert.equal(transformerOnlyRepo(repo), undefined, repo);
});
