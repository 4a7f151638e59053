// What Download Model accepts as a typed repository: owner/name with an optional @revision, and a
// clear sentence for anything else (the input box shows it while the user types).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HUB_MODELS, WEIGHT_CHOICES, parseRepoInput } from '../../src/extension/model-sources';
import { TEXT_ENCODER_WEIGHTS, TRANSFORMER_WEIGHTS } from '../../src/builder/build-model';

test('a repo id, with or without a revision, is read; anything else gets a sentence naming the form', () => {
  assert.deepEqual(parseRepoInput(' PixArt-alpha/PixArt-XL-2-1024-MS '), { repo: 'PixArt-alpha/PixArt-XL-2-1024-MS', revision: undefined });
  assert.deepEqual(parseRepoInput('me/my.model_v2@refs/pr/3'), { repo: 'me/my.model_v2', revision: 'refs/pr/3' });
  for (const bad of ['', 'PixArt-XL-2-1024-MS', 'a/b/c', '../etc', 'a/..', 'a/b@x@y', 'a b/c', '/abs/path']) {
    assert.match(String(parseRepoInput(bad)), /^Type a Hugging Face repo id/, bad);
  }
  assert.match(String(parseRepoInput('a/b@has space')), /is not a revision/);
});

test('every offered repo and weight preset is one build-model accepts', () => {
  for (const m of HUB_MODELS) assert.equal(typeof parseRepoInput(m.repo), 'object', m.repo);
  for (const c of WEIGHT_CHOICES) {
    const w = Object.fromEntries(c.weights.split(',').map((kv) => kv.split('=')));
    assert.ok((TEXT_ENCODER_WEIGHTS as readonly string[]).includes(w.text_encoder), c.weights);
    assert.ok((TRANSFORMER_WEIGHTS as readonly string[]).includes(w.transformer), c.weights);
  }
});
