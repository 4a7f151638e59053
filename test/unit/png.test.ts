import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { encodePng, readPngText } from '../../src/image/png';
import { toParameters, fromParameters, configFromParameters, imageParameters, type ImageParameters } from '../../src/image/parameters';

test('encodePng writes a PNG that an independent decoder (libvips via sharp) reads pixel for pixel', async () => {
  const w = 7, h = 5;
  const rgb = new Uint8Array(w * h * 3).map((_, i) => (i * 37) & 255);
  const png = encodePng(rgb, w, h, { parameters: 'a cat\nSteps: 4, Seed: 1' });
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [w, h, 3]);
  assert.deepEqual(new Uint8Array(data), rgb);
});

test('text chunks round-trip, ASCII as tEXt and anything else as UTF-8 iTXt', async () => {
  const text = { parameters: 'a cat, Steps: 4', comment: 'ein Käse 日本語 🐱' };
  const png = encodePng(new Uint8Array(3), 1, 1, text);
  assert.deepEqual(readPngText(png), text);
  assert.ok(png.includes(Buffer.from('tEXtparameters')));
  assert.ok(png.includes(Buffer.from('iTXtcomment')));
  // libvips sees the same text (it exposes PNG comments)
  const meta = await sharp(png).metadata();
  const comments = (meta as { comments?: { keyword: string; text: string }[] }).comments ?? [];
  assert.deepEqual(comments.find((c) => c.keyword === 'parameters')?.text, 'a cat, Steps: 4');
  assert.deepEqual(comments.find((c) => c.keyword === 'comment')?.text, 'ein Käse 日本語 🐱');
});

test('encodePng rejects a buffer of the wrong size and readPngText a non-PNG', () => {
  assert.throws(() => encodePng(new Uint8Array(5), 1, 1), /5 bytes, expected 3/);
  assert.throws(() => readPngText(Buffer.from('GIF89a...')), /not a PNG/);
});

const sample: ImageParameters = {
  prompt: 'A small cactus, with a happy face\nsecond line',
  negativePrompt: 'blurry, low quality',
  steps: 4, sampler: 'LCM', guidanceScale: 0, seed: '18446744073709551615', width: 1024, height: 768,
  model: 'PixArt-LCM-XL-2-1024-MS', extra: { 'Version': 'PixArt Studio 0.1.0', 'Note': 'has, comma' },
};

test('parameters text has the AUTOMATIC1111 layout', () => {
  const s = toParameters(sample);
  assert.equal(s.split('\n')[2], 'Negative prompt: blurry, low quality');
  assert.match(s, /\nSteps: 4, Sampler: LCM, CFG scale: 0, Seed: 18446744073709551615, Size: 1024x768, Model: PixArt-LCM-XL-2-1024-MS, Version: PixArt Studio 0.1.0, Note: "has, comma"$/);
});

test('parameters round-trip, including multi-line prompts, no negative prompt and 64-bit seeds', () => {
  assert.deepEqual(fromParameters(toParameters(sample)), sample);
  const noNeg = { ...sample, negativePrompt: '', extra: undefined };
  const back = fromParameters(toParameters(noNeg));
  assert.deepEqual({ ...back, extra: undefined }, noNeg);
});

test('parameters written by AUTOMATIC1111 itself are read', () => {
  const a1111 = 'masterpiece, a castle\nNegative prompt: ugly\nSteps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 3981416451, Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.6.0';
  const p = fromParameters(a1111);
  assert.equal(p.prompt, 'masterpiece, a castle');
  assert.equal(p.negativePrompt, 'ugly');
  assert.equal(p.sampler, 'DPM++ 2M Karras');
  assert.equal(p.seed, '3981416451');
  assert.deepEqual([p.width, p.height, p.steps, p.guidanceScale], [512, 768, 20, 7]);
  assert.equal(p.extra?.['Model hash'], '6ce0161689');
});

test('text that is not parameters is refused with the reason', () => {
  assert.throws(() => fromParameters('just a caption'), /not generation parameters/);
  assert.throws(() => fromParameters('x\nSteps: 4, Seed: abc'), /no valid Seed/);
});

test('numbers a text lacks are left out, and the config keeps only what the image carries', () => {
  const p = fromParameters('a cat\nSteps: x, Seed: 5');
  assert.equal('steps' in p, false);
  assert.deepEqual(configFromParameters(p), { prompt: 'a cat', negativePrompt: '', seed: '5' });
  assert.deepEqual(configFromParameters(sample), { prompt: sample.prompt, negativePrompt: sample.negativePrompt, seed: sample.seed, steps: 4, guidanceScale: 0, width: 1024, height: 768 });
});

test('an image of a batch says its place; the text goes back to the same config', () => {
  const config = { steps: 3, guidanceScale: 4.5, seed: '9' };
  const image = { prompt: 'p', negativePrompt: 'n', width: 64, height: 32, index: 1 };
  const p = imageParameters(config, image, { name: 'tiny', schedulerClass: 'DPMSolverMultistepScheduler' }, 2);
  assert.match(toParameters(p), /Sampler: DPM\+\+ 2M, .*Batch size: 2, Batch pos: 1, Version: PixArt Studio$/);
  assert.deepEqual(configFromParameters(fromParameters(toParameters(p))), { ...config, prompt: 'p', negativePrompt: 'n', width: 64, height: 32 });
  assert.equal(imageParameters(config, image, { name: 'tiny', schedulerClass: 'LCMScheduler' }, 1).extra?.['Batch pos'], undefined);
});

test('prompts the A1111 layout cannot hold round-trip exactly: a \\r, a line starting "Negative prompt:", a negative prompt starting with a space', () => {
  const cases: [string, string][] = [['a\rb', ''], ['a\r\nb', 'c\rd'], ['x\nNegative prompt: y', 'z'], ['Negative prompt: only', ''], ['p', ' lead'], ['p\n', 'n\n'], ['', 'neg']];
  for (const [prompt, negativePrompt] of cases) {
    const p = { ...sample, prompt, negativePrompt };
    assert.deepEqual(fromParameters(toParameters(p)), p, JSON.stringify([prompt, negativePrompt]));
  }
  // The lines stay what other tools show; only then does the exact text ride in the fields line.
  const s = toParameters({ ...sample, prompt: 'x\nNegative prompt: y', negativePrompt: 'z' });
  assert.equal(s.split('\n').slice(0, 3).join('\n'), 'x\nNegative prompt: y\nNegative prompt: z');
  assert.match(s, /, Exact prompt: "x\\nNegative prompt: y", Exact negative prompt: z$/);
  assert.doesNotMatch(toParameters(sample), /Exact/);
});

test('values with quotes, colons, commas or surrounding spaces are quoted; keys that could not be read back are refused', () => {
  const p = { ...sample, sampler: ' spaced ', model: 'a "b": c', extra: { Note: 'x, y', Empty: '', Unicode: '日本 \u2028' } };
  assert.deepEqual(fromParameters(toParameters(p)), p);
  for (const key of ['Seed', 'Exact prompt', 'a: b', 'a,b', ' pad', '']) assert.throws(() => toParameters({ ...sample, extra: { [key]: 'v' } }), /invalid parameters key/);
});
