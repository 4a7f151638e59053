// The chat tools' input checks (src/extension/lm-tool-input.ts): the generate tool's input as a
// GenerationConfig under the form's limits, sizes from an aspect ratio, the folder it may write
// into (on real temporary folders, with symbolic links), and the list tool's filter.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ToolInputError, parseGenerateInput, parseListInput, resolveTargetFolder, sizeForAspect, type ModelLimits } from '../../src/extension/lm-tool-input';
import { aspectRatioBins } from '../../src/pipeline/resolution';

const defaults = { steps: 4, guidanceScale: 0, width: 1024, height: 1024, imagesPerPrompt: 1 };
/** PixArt-LCM-XL-2-1024-MS as the host sees it: diffusers' 1024 bins, LCM's 50 original steps. */
const lcm1024: ModelLimits = { supportedSizes: aspectRatioBins(128), maxSteps: 50, defaults };
/** A model that runs any multiple of 8 (no bins, no static size). */
const anySize: ModelLimits = { supportedSizes: [], defaults };

const refused = (fn: () => unknown, message: RegExp) => assert.throws(fn, (e: unknown) => e instanceof ToolInputError && message.test(e.message));

describe('parseGenerateInput', () => {
  test('a prompt alone takes the model defaults, one image and a random seed', () => {
    const { config, folder } = parseGenerateInput({ prompt: '  a red fox in snow ' }, lcm1024);
    assert.deepEqual(config, { prompt: 'a red fox in snow', negativePrompt: '', seed: '', steps: 4, guidanceScale: 0, width: 1024, height: 1024, imagesPerPrompt: 1 });
    assert.equal(folder, undefined);
  });

  test('every field maps onto the config', () => {
    const { config, folder } = parseGenerateInput({ prompt: 'p', negativePrompt: 'blurry', size: '1344x768', seed: 42, steps: 8, guidanceScale: 4.5, count: 3, folder: ' docs/img ' }, lcm1024);
    assert.deepEqual(config, { prompt: 'p', negativePrompt: 'blurry', seed: '42', steps: 8, guidanceScale: 4.5, width: 1344, height: 768, imagesPerPrompt: 3 });
    assert.equal(folder, 'docs/img');
  });

  test('seeds: -1 is random, a decimal string up to 2^64−1 is taken, a fraction is refused naming the field', () => {
    assert.equal(parseGenerateInput({ prompt: 'p', seed: -1 }, lcm1024).config.seed, '');
    assert.equal(parseGenerateInput({ prompt: 'p', seed: '18446744073709551615' }, lcm1024).config.seed, '18446744073709551615');
    refused(() => parseGenerateInput({ prompt: 'p', seed: 1.5 }, lcm1024), /^seed: The seed must be a whole number from 0 to 18446744073709551615/);
  });

  test('the form\'s limits, each message naming the input field', () => {
    refused(() => parseGenerateInput({}, lcm1024), /^prompt: Enter a prompt\.$/);
    refused(() => parseGenerateInput({ prompt: 'x'.repeat(2001) }, lcm1024), /^prompt: The prompt is too long \(2001 characters; at most 2000\)\.$/);
    refused(() => parseGenerateInput({ prompt: 'p', negativePrompt: 'n'.repeat(2001) }, lcm1024), /^negativePrompt: The negative prompt is too long/);
    refused(() => parseGenerateInput({ prompt: 'p', count: 5 }, lcm1024), /^count: Number of images must be from 1 to 4\.$/);
    refused(() => parseGenerateInput({ prompt: 'p', steps: 51 }, lcm1024), /^steps: Steps must be a whole number from 1 to 50\.$/);
    refused(() => parseGenerateInput({ prompt: 'p', guidanceScale: 21 }, lcm1024), /^guidanceScale: Guidance scale must be a number from 0 to 20\.$/);
    refused(() => parseGenerateInput({ prompt: 'p', size: '1000x1000' }, lcm1024), /^size: The model cannot make 1000×1000 images/);
    refused(() => parseGenerateInput({ prompt: 'p', size: '1020x1020' }, anySize), /^size: Width and height must be multiples of 8 from 8 to 4096\.$/);
  });

  test('several problems are named together', () => {
    refused(() => parseGenerateInput({ prompt: '', count: 0, steps: 0 }, lcm1024), /prompt: .* steps: .* count: /);
  });

  test('shapes it cannot read: unknown keys, size and aspectRatio together, bad size or ratio text, a folder that is not text', () => {
    refused(() => parseGenerateInput('a fox', lcm1024), /must be an object with a "prompt"/);
    refused(() => parseGenerateInput({ prompt: 'p', width: 512 }, lcm1024), /^Unknown input "width": this tool takes prompt, negativePrompt, size, aspectRatio, seed, steps, guidanceScale, count, folder\.$/);
    refused(() => parseGenerateInput({ prompt: 'p', size: '1024x1024', aspectRatio: '1:1' }, lcm1024), /not both/);
    refused(() => parseGenerateInput({ prompt: 'p', size: 'large' }, lcm1024), /^size: write it as WIDTHxHEIGHT, such as "1024x1024"\.$/);
    refused(() => parseGenerateInput({ prompt: 'p', aspectRatio: '5:1' }, lcm1024), /^aspectRatio: .* from 1:4 to 4:1/);
    refused(() => parseGenerateInput({ prompt: 'p', aspectRatio: 'wide' }, lcm1024), /^aspectRatio: /);
    refused(() => parseGenerateInput({ prompt: 'p', folder: 3 }, lcm1024), /^folder: /);
  });
});

describe('sizes from an aspect ratio', () => {
  test('PixArt-α\'s 1024 bins: 16:9 is 1344×768, 1:1 is 1024², 9:16 is 768×1344, 4:1 is 2048×512', () => {
    // diffusers' ASPECT_RATIO_1024_BIN: "0.57": [768, 1344], "1.0": [1024, 1024], "1.75": [1344, 768], "0.25": [512, 2048].
    const size = (aspectRatio: string) => parseGenerateInput({ prompt: 'p', aspectRatio }, lcm1024).config;
    assert.deepEqual([size('16:9').width, size('16:9').height], [1344, 768]);
    assert.deepEqual([size('1:1').width, size('1:1').height], [1024, 1024]);
    assert.deepEqual([size('9:16').width, size('9:16').height], [768, 1344]);
    assert.deepEqual([size('4/1').width, size('4/1').height], [2048, 512]);
  });

  test('a model of one static size always gets it', () => {
    assert.deepEqual(sizeForAspect(16 / 9, [{ width: 128, height: 128 }], { width: 128, height: 128 }), { width: 128, height: 128 });
  });

  test('on a tie of ratios the size nearest the default area wins', () => {
    const sizes = [{ width: 2048, height: 2048 }, { width: 1024, height: 1024 }, { width: 512, height: 512 }];
    assert.deepEqual(sizeForAspect(1, sizes, { width: 1024, height: 1024 }), { width: 1024, height: 1024 });
  });

  test('a model of any size keeps the default area at the ratio, in multiples of 8', () => {
    // √(1024²·16/9) = 1365.3 → 1368; √(1024²·9/16) = 768.
    assert.deepEqual(parseGenerateInput({ prompt: 'p', aspectRatio: '16:9' }, anySize).config.width, 1368);
    assert.deepEqual(parseGenerateInput({ prompt: 'p', aspectRatio: '16:9' }, anySize).config.height, 768);
  });
});

describe('resolveTargetFolder', () => {
  const base = realpathSync(mkdtempSync(path.join(tmpdir(), 'pixart-lm-folder-')));
  const ws = path.join(base, 'ws');
  const outside = path.join(base, 'outside');
  const output = path.join(ws, 'assets', 'generated');
  for (const d of [ws, outside, path.join(ws, 'docs')]) mkdirSync(d, { recursive: true });
  symlinkSync(outside, path.join(ws, 'docs', 'escape'));
  const roots = { workspaceFolders: [ws], workspaceRoot: ws, outputFolder: output };
  after(() => rmSync(base, { recursive: true, force: true }));

  test('no folder asked for: the output folder', async () => {
    assert.equal(await resolveTargetFolder(undefined, roots), output);
  });

  test('a relative folder inside the workspace, existing or not, and an absolute one inside it', async () => {
    assert.equal(await resolveTargetFolder('docs/images', roots), path.join(ws, 'docs', 'images'));
    assert.equal(await resolveTargetFolder('docs', roots), path.join(ws, 'docs'));
    assert.equal(await resolveTargetFolder(path.join(ws, 'site', 'img'), roots), path.join(ws, 'site', 'img'));
  });

  test('an output folder outside the workspace is allowed, with what lies inside it', async () => {
    const own = { ...roots, outputFolder: outside };
    assert.equal(await resolveTargetFolder(path.join(outside, 'sub'), own), path.join(outside, 'sub'));
  });

  test('outside the workspace: refused, climbing out or absolute', async () => {
    await assert.rejects(resolveTargetFolder('../outside', roots), (e: Error) => e instanceof ToolInputError && /^folder "\.\.\/outside" is outside the workspace: give a folder inside it, such as "assets\/images", or omit folder/.test(e.message));
    await assert.rejects(resolveTargetFolder(outside, roots), /is outside the workspace/);
    await assert.rejects(resolveTargetFolder('/etc', { ...roots, outputFolder: outside }), new RegExp(`outside the workspace or the output folder \\(${outside.replace(/[/\\]/g, '.')}\\)`));
  });

  test('out through a symbolic link: refused, naming where it leads', async () => {
    await assert.rejects(resolveTargetFolder('docs/escape/img', roots), (e: Error) => e instanceof ToolInputError && e.message.includes('leads out of') && e.message.includes(`(to ${path.join(outside, 'img')})`));
  });

  test('hidden folders, control characters, over-long paths: refused', async () => {
    await assert.rejects(resolveTargetFolder('.git/hooks', roots), /hidden folder/);
    await assert.rejects(resolveTargetFolder('docs/.vscode', roots), /hidden folder/);
    await assert.rejects(resolveTargetFolder('docs/a\nb', roots), /no control characters/);
    await assert.rejects(resolveTargetFolder('d/'.repeat(600), roots), /at most 1024 characters/);
  });

  test('no folder open: a relative folder has no home, and no output folder means nowhere to save', async () => {
    const none = { workspaceFolders: [], outputFolder: outside };
    await assert.rejects(resolveTargetFolder('img', none), /is relative, but no workspace folder is open/);
    assert.equal(await resolveTargetFolder(path.join(outside, 'img'), none), path.join(outside, 'img'));
    await assert.rejects(resolveTargetFolder(undefined, { workspaceFolders: [] }), /nowhere to save/);
  });
});

describe('parseListInput', () => {
  test('defaults, and the bounds of limit and query', () => {
    assert.deepEqual(parseListInput(undefined), { query: '', limit: 20 });
    assert.deepEqual(parseListInput({ query: ' fox ', limit: 50 }), { query: 'fox', limit: 50 });
    refused(() => parseListInput({ limit: 51 }), /^limit: a whole number from 1 to 50\.$/);
    refused(() => parseListInput({ limit: 2.5 }), /^limit: /);
    refused(() => parseListInput({ query: 'q'.repeat(201) }), /^query: .* at most 200 characters\.$/);
    refused(() => parseListInput({ prompt: 'fox' }), /^Unknown input "prompt": this tool takes query, limit\.$/);
  });
});
