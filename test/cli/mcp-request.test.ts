// The MCP server's pure parts: its arguments to a GenerationConfig (mcp-request.ts), the folder
// rule on paths (mcp-folder.ts), the picture it returns (mcp-preview.ts) and its command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { aspectRatioBins } from '../../src/pipeline/resolution';
import { schedulerDefaults } from '../../src/protocol/generation';
import { defaultSize, InputError, parseAspect, toConfig } from '../../src/cli/mcp-request';
import { FolderError, folderPath } from '../../src/cli/mcp-folder';
import { boxDownscale, previewContent, PREVIEW_MAX_SIDE } from '../../src/cli/mcp-preview';
import { encodePng } from '../../src/image/png';
import { parseMcpArgs, UsageError } from '../../src/cli/args';

/** PixArt-α 1024 as the pipeline describes it: diffusers' 1024 bins, LCM. */
const alpha1024 = { supportedSizes: aspectRatioBins(128), staticSize: null, maxSteps: 50, defaults: schedulerDefaults('LCMScheduler') };

test('aspect picks the model size closest in ratio (diffusers\' 1024 table: 16:9 → 1344×768, 9:16 → 768×1344)', () => {
  // 9/16 = 0.5625 is closest to the bin "0.57" (height 768, width 1344); 16/9 = 1.78 to "1.75" (1344, 768).
  assert.deepEqual(toConfig({ prompt: 'p', aspect: '16:9' }, alpha1024), toConfig({ prompt: 'p', width: 1344, height: 768 }, alpha1024));
  assert.equal(toConfig({ prompt: 'p', aspect: '9:16' }, alpha1024).width, 768);
  assert.equal(toConfig({ prompt: 'p', aspect: '9:16' }, alpha1024).height, 1344);
  assert.deepEqual(parseAspect(' 4 x 3 '), { width: 4, height: 3 });
  assert.throws(() => parseAspect('0:1'), /is not an aspect ratio/);
  assert.throws(() => parseAspect('20:1'), /too extreme; use a ratio from 1:8 to 8:1/);
});

test('without a size: the model\'s default (its static size, else its square bin)', () => {
  assert.deepEqual(defaultSize(alpha1024), { width: 1024, height: 1024 });
  assert.deepEqual(defaultSize({ supportedSizes: [{ ratio: '0.5', width: 256, height: 128 }], staticSize: { width: 256, height: 128 } }), { width: 256, height: 128 });
  const c = toConfig({ prompt: '  a cat ' }, alpha1024);
  assert.deepEqual([c.prompt, c.steps, c.guidanceScale, c.width, c.height, c.imagesPerPrompt, c.seed], ['a cat', 4, 0, 1024, 1024, 1, '']);
});

test('before the model loads only what needs no model is checked', () => {
  assert.doesNotThrow(() => toConfig({ prompt: 'p', steps: 60, width: 1000, height: 1000 }));
  assert.throws(() => toConfig({ prompt: 'p', steps: 60 }, alpha1024), /^InputError: steps: Steps must be a whole number from 1 to 50\.$/);
  assert.throws(() => toConfig({ prompt: 'p', width: 1000, height: 1000 }, alpha1024), /width: The model cannot make 1000×1000 images; choose one of its sizes\./);
  const both = (() => {
    try {
      toConfig({ prompt: '', steps: 0 });
    } catch (e) {
      return e;
    }
  })();
  assert.ok(both instanceof InputError);
  assert.deepEqual(both.message.split('\n'), ['prompt: Enter a prompt.', 'steps: Steps must be a whole number from 1 to 1000.']);
});

test('folders: inside the output folder only, judged on the path', () => {
  const root = resolve('/srv/out');
  assert.equal(folderPath(root, undefined), root);
  assert.equal(folderPath(root, ' . '), root);
  assert.equal(folderPath(root, 'docs/img'), resolve(root, 'docs/img'));
  assert.equal(folderPath(root, 'a/../b'), resolve(root, 'b'));
  assert.equal(folderPath(root, '/srv/out/x'), resolve(root, 'x'));
  for (const bad of ['..', '../out2', '/srv/out2', '/etc', 'a/../../x']) assert.throws(() => folderPath(root, bad), (e: unknown) => e instanceof FolderError && /outside the output folder/.test(e.message), bad);
  assert.throws(() => folderPath(root, 'a\nb'), /control characters/);
});

test('the returned picture: the saved PNG up to 1024 px, else box-filtered by a whole factor', async () => {
  // 3×1 by 2: the first two pixels averaged, the last on its own.
  assert.deepEqual([...boxDownscale({ rgb: Uint8Array.from([10, 0, 255, 21, 0, 255, 31, 7, 9]), width: 3, height: 1 }, 2).rgb], [16, 0, 255, 31, 7, 9]);
  // 2048×512 in 2×2 blocks of one colour each → 1024×256 of those colours.
  const [w, h] = [2048, 512];
  const rgb = new Uint8Array(w * h * 3);
  const colour = (bx: number, by: number) => [(bx * 7) % 256, (by * 13) % 256, (bx + by) % 256];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb.set(colour(x >> 1, y >> 1), (y * w + x) * 3);
  const content = previewContent({ rgb, width: w, height: h }, encodePng(rgb, w, h));
  const shown = await sharp(Buffer.from(content.data, 'base64')).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([shown.info.width, shown.info.height], [w / 2, h / 2]);
  assert.ok(Math.max(shown.info.width, shown.info.height) <= PREVIEW_MAX_SIDE);
  for (const [bx, by] of [[0, 0], [511, 100], [1023, 255]]) assert.deepEqual([...shown.data.subarray((by * 1024 + bx) * 3, (by * 1024 + bx) * 3 + 3)], colour(bx, by));
  const tiny = rgb.subarray(0, 8 * 8 * 3);
  const small = encodePng(tiny, 8, 8, { parameters: 'x' });
  assert.equal(previewContent({ rgb: tiny, width: 8, height: 8 }, small).data, Buffer.from(small).toString('base64'), 'a small image goes as saved');
});

test('pixart mcp takes the load options and --memory, and --out defaults to ./assets/generated', () => {
  const o = parseMcpArgs(['--model', 'm', '--device', 'GPU', '--precision', 'f32', '--cache-dir', 'c', '--openvino-lib', 'l']);
  assert.deepEqual(o, { model: 'm', schedulerConfig: null, device: 'GPU', precision: 'f32', runtime: 'auto', openvinoLib: 'l', cacheDir: 'c', out: resolve('assets/generated'), memory: 'auto' });
  assert.equal(parseMcpArgs(['--model', 'm', '--memory', 'low']).memory, 'low');
  assert.throws(() => parseMcpArgs(['--model', 'm', '--memory', 'tiny']), /--memory takes auto, low, fast, got "tiny"/);
  assert.throws(() => parseMcpArgs(['--model', 'm', '--memory']), /--memory needs a value/);
  assert.equal(parseMcpArgs(['--model', 'm', '--out', 'imgs']).out, resolve('imgs'));
  assert.throws(() => parseMcpArgs(['--out', 'x']), (e: unknown) => e instanceof UsageError && /--model DIR is required/.test(e.message));
  assert.throws(() => parseMcpArgs(['--model', 'm', '--images', '2']), /--images is not a server option: generate_image takes it with each call/);
  assert.throws(() => parseMcpArgs(['--model', 'm', '--bogus']), /unknown option "--bogus"/);
});
