// A Generate's jobs (src/extension/form-jobs.ts): the style applied, Batches with the next seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formJobs, nextSeed } from '../../src/extension/form-jobs';
import { LIMITS, type GenerationConfig } from '../../src/protocol/generation';

const base: GenerationConfig = { prompt: 'a fox', negativePrompt: 'blurry', seed: '41', steps: 4, guidanceScale: 0, width: 128, height: 128, imagesPerPrompt: 1 };
const styles = [{ name: 'Ink', prompt: 'ink drawing of {prompt}', negativePrompt: '{prompt}, colour' }];

test('the next seed: + 1, past 2^64 − 1 back to 0; random stays random', () => {
  assert.equal(nextSeed('41'), '42');
  assert.equal(nextSeed('4294967295'), '4294967296', 'past the random range, within 64 bits');
  assert.equal(nextSeed('18446744073709551615'), '0');
  assert.equal(nextSeed('18446744073709551614', 3), '1');
  assert.equal(nextSeed(''), '');
  assert.equal(LIMITS.maxSeed, 2n ** 64n - 1n);
});

test('batches: one job per batch, seeds 41, 42, 43; random seeds stay random (each job draws its own)', () => {
  const r = formJobs(base, [], undefined, 3);
  assert.ok(r.ok);
  assert.deepEqual(r.jobs.map((j) => j.seed), ['41', '42', '43']);
  assert.deepEqual(r.jobs.map((j) => ({ ...j, seed: '' })), Array(3).fill({ ...base, seed: '' }));
  const random = formJobs({ ...base, seed: '' }, [], undefined, 2);
  assert.ok(random.ok);
  assert.deepEqual(random.jobs.map((j) => j.seed), ['', '']);
  const one = formJobs(base, [], undefined);
  assert.ok(one.ok && one.jobs.length === 1 && one.jobs[0].seed === '41');
});

test('a style is applied to what the jobs run (and so to the parameters written into the image)', () => {
  const r = formJobs(base, styles, 'Ink', 2);
  assert.ok(r.ok);
  for (const j of r.jobs) {
    assert.equal(j.prompt, 'ink drawing of a fox');
    assert.equal(j.negativePrompt, 'blurry, colour');
  }
  const none = formJobs(base, styles, '', 1);
  assert.ok(none.ok && none.jobs[0].prompt === 'a fox');
});

test('an unknown style, or a styled prompt over the limit, is refused with a message', () => {
  const unknown = formJobs(base, styles, 'Oil', 1);
  assert.ok(!unknown.ok);
  assert.match(unknown.errors[0].message, /no style "Oil" in pixart\.styles/);
  const long = formJobs({ ...base, prompt: 'x'.repeat(LIMITS.promptChars - 5) }, styles, 'Ink', 1);
  assert.ok(!long.ok);
  assert.equal(long.errors[0].field, 'prompt');
  assert.match(long.errors[0].message, new RegExp(`With the style "Ink" the prompt has ${LIMITS.promptChars - 5 + 'ink drawing of '.length} characters, over the ${LIMITS.promptChars}`));
});
