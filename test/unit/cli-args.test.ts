import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, outputFiles } from '../../src/cli/args';

const base = ['generate', '--model', 'm', '--prompt', 'a cat', '--out', 'x.png'];

test('flags parse into typed options with defaults', () => {
  const o = parseArgs([...base, '--seed', '18446744073709551615', '--steps', '4', '--guidance', '4.5', '--width', '512', '--height', '768', '--no-binning', '--images', '2', '--prompt', 'a dog']);
  assert.equal(o.seed, 2n ** 64n - 1n);
  assert.deepEqual([o.steps, o.guidance, o.width, o.height, o.binning, o.images], [4, 4.5, 512, 768, false, 2]);
  assert.deepEqual(o.prompts, ['a cat', 'a dog']);
  const d = parseArgs(base);
  assert.deepEqual([d.seed, d.steps, d.guidance, d.binning, d.precision, d.runtime, d.device], [null, null, null, true, 'auto', 'auto', 'CPU']);
  assert.equal(parseArgs([...base, '--seed', '-1']).seed, null);
});

test('bad flags give one clear message each', () => {
  const cases: [string[], RegExp][] = [
    [['generate'], /--model DIR is required/],
    [['generate', '--model', 'm', '--out', 'x.png'], /--prompt TEXT is required/],
    [[...base, '--seed', 'abc'], /--seed takes a whole number from 0 to 18446744073709551615/],
    [[...base, '--seed', '18446744073709551616'], /--seed takes/],
    [[...base, '--steps', '0'], /--steps takes a whole number from 1 to 1000, got "0"/],
    [[...base, '--guidance', 'inf'], /--guidance takes a finite number/],
    [[...base, '--width', '512'], /give --width and --height together/],
    [[...base, '--precision', 'f8'], /--precision takes f32 or auto/],
    [[...base, '--bogus'], /unknown option "--bogus"/],
    [[...base, '--steps'], /--steps needs a value/],
    [['generate', '--model', 'm', '--prompt', 'p', '--out', 'x.jpg'], /--out must name a \.png file/],
    [['paint'], /unknown command "paint"/],
  ];
  for (const [argv, re] of cases) assert.throws(() => parseArgs(argv), re, argv.join(' '));
});

test('output files are numbered after the first', () => {
  assert.deepEqual(outputFiles('out/a.png', 3), ['out/a.png', 'out/a-2.png', 'out/a-3.png']);
});
