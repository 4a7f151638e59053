import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromConfig, toRawConfig } from '../../webview/form-values';

const values = { prompt: 'a fox', negativePrompt: 'blurry', seed: '', steps: '20', guidanceScale: '4.5', size: '768x1344', count: '3' };

test('the form sends its values as typed, the size split in two', () => {
  assert.deepEqual(toRawConfig(values), { prompt: 'a fox', negativePrompt: 'blurry', seed: '', steps: '20', guidanceScale: '4.5', width: '768', height: '1344', imagesPerPrompt: '3' });
});

test('a config sets the fields it has; a size needs both sides', () => {
  assert.deepEqual(fromConfig({ prompt: 'a fox', negativePrompt: 'blurry', seed: '', steps: 20, guidanceScale: 4.5, width: 768, height: 1344, imagesPerPrompt: 3 }), values);
  assert.deepEqual(fromConfig({ prompt: 'only', width: 999 }), { prompt: 'only' });
  assert.deepEqual(fromConfig({}), {});
});
