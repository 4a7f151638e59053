// The prompt history (src/extension/prompt-history.ts): newest first, each prompt once, at most 50,
// and whatever globalState holds read back safely.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addPrompt, HISTORY_KEY, HISTORY_SIZE, PromptHistory, readHistory } from '../../src/extension/prompt-history';
import { LIMITS } from '../../src/protocol/generation';

test('a prompt goes to the top once; an equal one (space aside) moves up', () => {
  let h: string[] = [];
  h = addPrompt(h, 'a fox');
  h = addPrompt(h, 'a cat');
  h = addPrompt(h, '  a   fox ');
  assert.deepEqual(h, ['a   fox', 'a cat']);
  assert.deepEqual(addPrompt(h, '   '), h, 'an empty prompt is not kept');
  assert.deepEqual(addPrompt(['A fox'], 'a fox'), ['a fox', 'A fox'], 'case matters: they are different prompts');
});

test('at most 50 prompts: the oldest goes', () => {
  let h: string[] = [];
  for (let i = 0; i < 60; i++) h = addPrompt(h, `prompt ${i}`);
  assert.equal(HISTORY_SIZE, 50);
  assert.equal(h.length, 50);
  assert.equal(h[0], 'prompt 59');
  assert.equal(h[49], 'prompt 10');
});

test('what the store holds is checked: not a list, non-strings, blanks, repeats and over-long text are dropped', () => {
  assert.deepEqual(readHistory(undefined), []);
  assert.deepEqual(readHistory('a fox'), []);
  assert.deepEqual(readHistory(['a fox', 3, null, ' ', 'a  fox', 'x'.repeat(LIMITS.promptChars + 1), 'a cat']), ['a fox', 'a cat']);
  assert.equal(readHistory(Array.from({ length: 80 }, (_, i) => `p${i}`)).length, 50);
});

test('PromptHistory keeps its list in the store under one key', async () => {
  const data = new Map<string, unknown>();
  const store = { get: (k: string) => data.get(k), update: async (k: string, v: unknown) => void data.set(k, v) };
  const history = new PromptHistory(store);
  assert.deepEqual(history.prompts, []);
  await history.add('a fox');
  assert.deepEqual(await history.add('a cat'), ['a cat', 'a fox']);
  assert.deepEqual(data.get(HISTORY_KEY), ['a cat', 'a fox']);
  assert.deepEqual(new PromptHistory(store).prompts, ['a cat', 'a fox'], 'read back by a new instance (a reload)');
  await history.clear();
  assert.deepEqual(history.prompts, []);
});
