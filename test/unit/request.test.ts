import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateRequest, type GenerateRequest } from '../../src/pipeline/request';

const ok: GenerateRequest = { prompt: 'a cat', seed: 42, steps: 4, guidanceScale: 0, width: 1024, height: 1024 };

test('a request is normalised: prompt lists, negative prompt per prompt, bigint seed, defaults', () => {
  const v = validateRequest({ ...ok, prompt: ['a', 'b'], negativePrompt: 'blurry' });
  assert.deepEqual(v.prompts, ['a', 'b']);
  assert.deepEqual(v.negativePrompts, ['blurry', 'blurry']);
  assert.equal(v.seed, 42n);
  assert.equal(v.resolutionBinning, true);
  assert.equal(v.imagesPerPrompt, 1);
  assert.equal(validateRequest({ ...ok, seed: 2n ** 64n - 1n }).seed, 2n ** 64n - 1n);
});

test('bad values are refused with the field and the accepted range named', () => {
  const bad: [Partial<GenerateRequest>, RegExp][] = [
    [{ steps: 0 }, /steps must be a whole number from 1 to 1000, got 0/],
    [{ steps: 2.5 }, /steps must be a whole number/],
    [{ seed: -1 }, /seed must be a whole number from 0 to 2\^64-1, got -1/],
    [{ seed: '' }, /seed must be a whole number from 0 to 2\^64-1/],
    [{ seed: 2n ** 64n }, /seed must be a whole number from 0 to 2\^64-1/],
    [{ seed: 1.5 }, /seed must be a whole number/],
    [{ guidanceScale: NaN }, /guidance scale must be a number from 0 to 20/],
    [{ guidanceScale: Infinity }, /guidance scale must be a number from 0 to 20/],
    [{ guidanceScale: 20.5 }, /guidance scale must be a number from 0 to 20, got 20.5/],
    [{ width: 0 }, /width must be a whole number from 8 to 4096, got 0/],
    [{ height: 5000 }, /height must be a whole number from 8 to 4096/],
    [{ prompt: [] }, /prompt must be a string or a non-empty list/],
    [{ prompt: ['a', 'b'], negativePrompt: ['x'] }, /negativePrompt must be a string or a list of 2 strings/],
    [{ imagesPerPrompt: 0 }, /images per prompt must be a whole number from 1 to 16/],
    [{ prompt: ['a', 'b', 'c'], imagesPerPrompt: 6 }, /at most 16 images per run, asked 3 prompts × 6/],
  ];
  for (const [patch, re] of bad) assert.throws(() => validateRequest({ ...ok, ...patch } as GenerateRequest), re, JSON.stringify(patch, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
});
