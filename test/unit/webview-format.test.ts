import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, galleryCount, imageCaption, imageMeta, modelLine, phaseLine, sizeLabel, stepLine, tokenLine } from '../../webview/format';

test('durations', () => {
  assert.equal(formatDuration(850), '1 s');
  assert.equal(formatDuration(12_300), '12 s');
  assert.equal(formatDuration(95_000), '1 min 35 s');
  assert.equal(formatDuration(NaN), '');
});

test('size labels', () => {
  assert.equal(sizeLabel(1024, 1024), '1024×1024 · square');
  assert.equal(sizeLabel(1152, 896), '1152×896 · landscape 9:7');
  assert.equal(sizeLabel(768, 1344), '768×1344 · portrait 4:7');
  assert.equal(sizeLabel(2048, 512), '2048×512 · landscape 4:1');
  assert.equal(sizeLabel(1000, 1003), '1000×1003 · portrait 1:1.00');
});

test('model lines', () => {
  assert.equal(modelLine({ state: 'unset' }), 'No model folder is set.');
  assert.equal(modelLine({ state: 'idle', modelPath: '/models/pixart-tiny/' }), 'pixart-tiny — loads when you generate.');
  assert.equal(modelLine({ state: 'compiling', modelPath: 'C:\\models\\x' }), 'Compiling x for the device… (cached after the first time)');
  const model = { name: 'pixart-tiny', modelDir: '/m', schedulerClass: 'LCMScheduler', sampler: 'LCM', staticSize: null, supportedSizes: [], defaults: { steps: 4, guidanceScale: 0 }, maxTokens: 120 };
  assert.equal(modelLine({ state: 'ready', model, device: 'CPU' }), 'pixart-tiny · LCM · ready on CPU');
  assert.equal(modelLine({ state: 'error', error: 'no model_index.json' }), 'The model could not be loaded.');
});

test('token counts', () => {
  assert.deepEqual(tokenLine({ tokens: 1, max: 120, truncated: false }, true), { text: 'Up to 120 tokens.', warning: false });
  assert.deepEqual(tokenLine({ tokens: -1, max: 120, truncated: false }, false), { text: 'Token count appears when the model is loaded (limit 120).', warning: false });
  assert.deepEqual(tokenLine({ tokens: -1, max: 0, truncated: false }, true), { text: 'Token count appears when the model is loaded.', warning: false }, 'no limit is claimed before a model says it');
  assert.deepEqual(tokenLine({ tokens: 15, max: 120, truncated: false }, false), { text: '15 / 120 tokens', warning: false });
  assert.deepEqual(tokenLine({ tokens: 134, max: 120, truncated: true }, false), { text: '134 / 120 tokens — over the limit: words past token 120 are ignored.', warning: true });
});

test('step lines', () => {
  assert.equal(stepLine(1, 4, 1000, 3000), 'Step 1/4 · 1 s elapsed · about 3 s left');
  assert.equal(stepLine(4, 4, 95_000, 0), 'Step 4/4 · 1 min 35 s elapsed · decoding…');
  assert.equal(stepLine(4, 4, 95_000, null), 'Step 4/4 · 1 min 35 s elapsed');
});

test('phase lines: encoding, the running step, decoding, with elapsed time', () => {
  assert.equal(phaseLine('encoding', 0, 4, 2600, null), 'Encoding the prompt… · 3 s elapsed');
  assert.equal(phaseLine('denoising', 2, 4, 9000, 12_000), 'Step 2/4 · 9 s elapsed · about 12 s left');
  assert.equal(phaseLine('denoising', 4, 4, 9000, 0), 'Step 4/4 · 9 s elapsed', 'a running step is never "decoding…"');
  assert.equal(phaseLine('decoding', 4, 4, 40_000, 5000), 'Decoding… · 40 s elapsed · about 5 s left');
  assert.equal(phaseLine('decoding', 4, 4, 40_000, null), 'Decoding… · 40 s elapsed');
  assert.equal(phaseLine('decoding', 4, 4, 40_000, 0), 'Decoding… · 40 s elapsed');
});

test('gallery captions and metadata', () => {
  const p = { prompt: 'a  red\nfox', negativePrompt: '', seed: '1234', steps: 40, width: 128, height: 128, sampler: 'LCM', model: 'm' };
  assert.equal(imageCaption('a.png', p), 'a red fox');
  assert.equal(imageCaption('b.png', { ...p, prompt: '' }), 'b.png');
  assert.equal(imageCaption('c.png', undefined), 'c.png');
  assert.equal(imageMeta(p), 'seed 1234 · 128×128 · 40 steps');
  assert.equal(imageMeta({ prompt: '', negativePrompt: '', seed: '5', sampler: 'LCM', model: 'm' }), 'seed 5');
  assert.equal(imageMeta(undefined), '');
});

test('the gallery count says how many of how many', () => {
  assert.equal(galleryCount(100, 500, 'assets/generated'), '100 of 500 images in assets/generated');
  assert.equal(galleryCount(500, 500, 'assets/generated'), '500 images in assets/generated');
  assert.equal(galleryCount(1, 1, 'out'), '1 image in out');
  assert.equal(galleryCount(0, 0, 'out'), 'No images yet in out');
});
