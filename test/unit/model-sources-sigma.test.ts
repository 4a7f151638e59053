// Download Model's PixArt-Σ 512 and 2K: offered with the repo their other parts come from (the
// same base the CLI's table gives them), a typed "repo + base", and the build-model arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HUB_MODELS, SIGMA_BASE, buildModelArgs, parseRepoInput } from '../../src/extension/model-sources';
import { transformerOnlyRepo } from '../../src/hub';

test('Σ 512 and 2K are offered with their base, the table the CLI defaults from agrees, and the details are honest about 2K', () => {
  const sigma = HUB_MODELS.filter((m) => m.base);
  assert.deepEqual(sigma.map((m) => m.repo), ['PixArt-alpha/PixArt-Sigma-XL-2-512-MS', 'PixArt-alpha/PixArt-Sigma-XL-2-2K-MS']);
  for (const m of HUB_MODELS) assert.equal(m.base, transformerOnlyRepo(m.repo)?.base, `${m.repo}: the extension and the CLI name the same base`);
  for (const m of sigma) assert.match(m.detail, /Downloads ~22 GB once \(the 2\.4 GB transformer, then T5-XXL and the VAE from pixart_sigma_sdxlvae_T5_diffusers\)/, m.repo);
  assert.match(sigma[1].detail, /2048².*each step takes 4 to 16× as long.*several times the RAM/);
});

test('a typed repo may name its base after +; a known transformer-only repo typed alone gets its own', () => {
  assert.deepEqual(parseRepoInput('me/sigma-ft@v2 + me/base'), { repo: 'me/sigma-ft', revision: 'v2', base: 'me/base' });
  assert.deepEqual(parseRepoInput(' PixArt-alpha/PixArt-Sigma-XL-2-2K-MS '), { repo: 'PixArt-alpha/PixArt-Sigma-XL-2-2K-MS', revision: undefined, base: SIGMA_BASE });
  assert.deepEqual(parseRepoInput('me/model'), { repo: 'me/model', revision: undefined });
  assert.match(String(parseRepoInput('me/sigma-ft + not a repo')), /"not a repo" after \+ is not a repo id/);
  assert.match(String(parseRepoInput('a/b + c/d + e/f')), /^Type a Hugging Face repo id/);
  assert.match(String(parseRepoInput('+ c/d')), /^Type a Hugging Face repo id/);
});

test('the build-model arguments pass the base and the revision', () => {
  const source = { from: 'PixArt-alpha/PixArt-Sigma-XL-2-512-MS', kind: 'repo' as const, base: SIGMA_BASE, name: 'n', title: 't' };
  assert.deepEqual(buildModelArgs(source, '/o', 'text_encoder=int8,transformer=f16'), ['build-model', '--from', source.from, '--base', SIGMA_BASE, '--out', '/o', '--weights', 'text_encoder=int8,transformer=f16']);
  assert.deepEqual(buildModelArgs({ ...source, base: undefined, revision: 'r' }, '/o', 'w'), ['build-model', '--from', source.from, '--out', '/o', '--weights', 'w', '--revision', 'r']);
});
