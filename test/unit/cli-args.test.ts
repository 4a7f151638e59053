import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, outputFiles, outputFormat } from '../../src/cli/args';

const base = ['generate', '--model', 'm', '--prompt', 'a cat', '--out', 'x.png'];

test('flags parse into typed options with defaults', () => {
  const o = parseArgs([...base, '--seed', '18446744073709551615', '--steps', '4', '--guidance', '4.5', '--width', '512', '--height', '768', '--no-binning', '--images', '2', '--prompt', 'a dog']);
  assert.deepEqual(o.config, { negativePrompt: '', seed: '18446744073709551615', steps: 4, guidanceScale: 4.5, width: 512, height: 768, imagesPerPrompt: 2 });
  assert.equal(o.binning, false);
  assert.deepEqual(o.prompts, ['a cat', 'a dog']);
  const d = parseArgs(base);
  // Steps, guidance and size are the model's unless given.
  assert.deepEqual(d.config, { negativePrompt: '', seed: '', imagesPerPrompt: 1 });
  assert.deepEqual([d.binning, d.precision, d.runtime, d.device], [true, 'auto', 'auto', 'CPU']);
  assert.equal(parseArgs([...base, '--seed', '-1']).config.seed, '');
});

test('bad flags give one clear message each', () => {
  const cases: [string[], RegExp][] = [
    [['generate'], /--model DIR is required/],
    [['generate', '--model', 'm', '--out', 'x.png'], /--prompt TEXT is required/],
    [[...base, '--seed', 'abc'], /--seed: The seed must be a whole number from 0 to 18446744073709551615/],
    [[...base, '--seed', '18446744073709551616'], /--seed: The seed must be/],
    [[...base, '--steps', '0'], /--steps: Steps must be a whole number from 1 to 1000/],
    [[...base, '--guidance', 'inf'], /--guidance: Guidance scale must be a number from 0 to 20/],
    [[...base, '--images', '5'], /--images: Number of images must be from 1 to 4/],
    [[...base, '--prompt', ' '], /--prompt: Enter a prompt/],
    [[...base, '--width', '512'], /give --width and --height together/],
    [[...base, '--precision', 'f8'], /--precision takes f32, auto, got "f8"/],
    [[...base, '--bogus'], /unknown option "--bogus"/],
    [[...base, '--steps'], /--steps needs a value/],
    [['generate', '--model', 'm', '--prompt', 'p', '--out', 'x.gif'], /--out must name a \.png, \.webp or \.jpg file, got "x\.gif"/],
    [['paint'], /unknown command "paint"/],
  ];
  for (const [argv, re] of cases) assert.throws(() => parseArgs(argv), re, argv.join(' '));
});

test('output files are numbered after the first', () => {
  assert.deepEqual(outputFiles('out/a.png', 3), ['out/a.png', 'out/a-2.png', 'out/a-3.png']);
  assert.deepEqual(outputFiles('out/a.WebP', 2), ['out/a.WebP', 'out/a-2.WebP'], 'in --out\'s own extension');
  assert.deepEqual(outputFiles('a.jpeg', 2), ['a.jpeg', 'a-2.jpeg']);
});

test('--out\'s extension names the format', () => {
  assert.deepEqual(['x.png', 'x.PNG', 'x.webp', 'x.jpg', 'x.JPEG'].map(outputFormat), ['png', 'png', 'webp', 'jpeg', 'jpeg']);
  assert.equal(parseArgs([...base.slice(0, -1), 'x.webp']).format, 'webp');
});
