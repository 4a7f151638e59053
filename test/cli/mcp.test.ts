// `pixart mcp` as an MCP client sees it: the built CLI (dist/cli.js) started over stdio by the
// SDK's own Client and StdioClientTransport, on the tiny model and the real OpenVINO runtime.
// The image it returns is checked against what `pixart generate` makes from the same arguments.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { tinyModelDir } from '../support/paths';
import { readFileParameters } from '../../src/image/read-metadata';
import { LIMITS } from '../../src/protocol/generation';
import { callTool, filesUnder, generate, imagesOf, runCli, startServer, textOf, toolError, type Server } from './mcp-client';

const work = realpathSync(mkdtempSync(join(tmpdir(), 'pixart-mcp-')));
/** LCM's step limit, read from the tiny model's own scheduler config. */
const tinyMaxSteps: number = JSON.parse(readFileSync(join(tinyModelDir, 'scheduler', 'scheduler_config.json'), 'utf8')).original_inference_steps;

let tiny: Server;
let firstLoadMs = 0;

before(async () => {
  tiny = await startServer(tinyModelDir, join(work, 'out'));
});

after(async () => {
  await tiny?.client.close();
  rmSync(work, { recursive: true, force: true });
});

test('it lists generate_image and list_images with their schemas', async () => {
  const { tools } = await tiny.client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ['generate_image', 'list_images']);
  const gen = tools.find((t) => t.name === 'generate_image')!;
  const props = gen.inputSchema.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(gen.inputSchema.required, ['prompt']);
  assert.equal((gen.inputSchema as { additionalProperties?: unknown }).additionalProperties, false);
  assert.equal(props.prompt.maxLength, LIMITS.promptChars);
  assert.deepEqual([props.count.minimum, props.count.maximum], [1, LIMITS.maxImagesPerPrompt]);
  assert.deepEqual([props.steps.minimum, props.steps.maximum], [LIMITS.minSteps, LIMITS.maxSteps]);
  for (const name of ['negative_prompt', 'width', 'height', 'aspect', 'seed', 'guidance_scale', 'folder', 'name']) assert.ok(props[name], `generate_image takes ${name}`);
  assert.ok(gen.outputSchema?.properties?.images, 'generate_image declares its structured output');
  const list = tools.find((t) => t.name === 'list_images')!;
  assert.deepEqual(Object.keys(list.inputSchema.properties ?? {}).sort(), ['folder', 'limit', 'query']);
  assert.equal(list.annotations?.readOnlyHint, true);
});

test('generate_image saves the image, returns it as PNG content, and reports progress for every step', async () => {
  const progress: Progress[] = [];
  const args = { prompt: 'a red fox in the snow', seed: 42, steps: 4, width: 128, height: 128, folder: 'foxes' };
  const { result, out } = await generate(tiny, args, { onprogress: (p) => progress.push(p) });
  firstLoadMs = out.timings.loadMs;
  assert.ok(out.timings.loadMs > 0, 'the first call loads the model');
  assert.equal(out.seed, '42');
  assert.equal(out.images.length, 1);
  const file = out.images[0].path;
  assert.equal(dirname(file), join(tiny.out, 'foxes'));
  assert.equal(out.images[0].relativePath, `foxes/${file.split('/').pop()}`);
  assert.match(textOf(result), new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

  const [content] = imagesOf(result);
  assert.equal(content.mimeType, 'image/png');
  const shown = await sharp(Buffer.from(content.data, 'base64')).raw().toBuffer({ resolveWithObject: true });
  const saved = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([shown.info.width, shown.info.height, saved.info.width, saved.info.height], [128, 128, 128, 128]);
  assert.ok(shown.data.equals(saved.data), 'the returned image is the saved one');

  const p = (await readFileParameters(file)).parameters;
  assert.deepEqual([p.prompt, p.seed, p.steps, p.width, p.height], [args.prompt, '42', 4, 128, 128]);

  // The same arguments through `pixart generate` give the same pixels.
  const ref = join(work, 'ref.png');
  const r = runCli(['generate', '--model', tinyModelDir, '--prompt', args.prompt, '--seed', '42', '--steps', '4', '--width', '128', '--height', '128', '--out', ref]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok((await sharp(ref).raw().toBuffer()).equals(saved.data), 'pixart mcp and pixart generate make the same image');

  const steps = progress.filter((n) => n.message?.startsWith('Step'));
  assert.deepEqual(steps.map((n) => [n.progress, n.total]), [[1, 4], [2, 4], [3, 4], [4, 4]]);
  assert.ok(progress.some((n) => n.progress === 0 && /Loading the model/.test(n.message ?? '')), 'the loading call says so');
});

test('a second call pays no load (time to first image with the model loaded)', async () => {
  const { out, wallMs } = await generate(tiny, { prompt: 'a lighthouse at dusk', steps: 2 });
  assert.equal(out.timings.loadMs, 0);
  assert.ok(wallMs < firstLoadMs, `the second call (${wallMs.toFixed(0)} ms) took less than the load (${firstLoadMs.toFixed(0)} ms)`);
  assert.match(out.seed, /^\d+$/);
  assert.ok(BigInt(out.seed) <= BigInt(LIMITS.maxRandomSeed), 'a random seed is drawn as the form draws it');
  assert.ok(out.images[0].path.includes(`seed${out.seed}`), 'named like the extension names files');
  const times: number[] = [];
  for (let i = 0; i < 5; i++) times.push((await generate(tiny, { prompt: 'a lighthouse at dusk', seed: i, steps: 4 })).wallMs);
  times.sort((a, b) => a - b);
  console.log(`time to first image over MCP, model loaded (tiny model, 128², 4 steps): median ${times[2].toFixed(0)} ms, min ${times[0].toFixed(0)} ms; the first call loaded the model in ${firstLoadMs.toFixed(0)} ms`);
});

test('a burst of calls runs one at a time, in the order sent, and no file is overwritten', async () => {
  const keep = join(tiny.out, 'burst.png');
  writeFileSync(keep, 'keep me');
  const calls = await Promise.all([0, 1, 2].map(() => generate(tiny, { prompt: 'a paper boat', seed: 7, steps: 4, name: 'burst' })));
  const files = calls.map((c) => c.out.images[0].path);
  assert.deepEqual(files, ['burst-2.png', 'burst-3.png', 'burst-4.png'].map((f) => join(tiny.out, f)), 'each call saved after the one sent before it');
  assert.equal(readFileSync(keep, 'utf8'), 'keep me');
  const queued = calls.map((c) => c.out.timings.queuedMs);
  assert.ok(queued[1] > queued[0] && queued[2] > queued[1], `each call waited for the ones sent before it: ${queued.join(', ')} ms`);
  // One pipeline, one seed: the same image three times.
  const pixels = await Promise.all(files.map((f) => sharp(f).raw().toBuffer()));
  assert.ok(pixels[1].equals(pixels[0]) && pixels[2].equals(pixels[0]));
});

test('count makes several images in one call', async () => {
  const { result, out } = await generate(tiny, { prompt: 'three small stones', seed: 3, count: 3, folder: 'stones' });
  assert.equal(out.images.length, 3);
  assert.equal(imagesOf(result).length, 3);
  for (const img of out.images) assert.ok(existsSync(img.path));
  assert.equal(new Set(out.images.map((i) => i.path)).size, 3);
});

test('bad input is a tool error with the form\'s message, and costs nothing', async () => {
  const before = filesUnder(tiny.out);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ prompt: '  ' }, /^prompt: Enter a prompt\.$/],
    [{ prompt: 'x'.repeat(LIMITS.promptChars + 1) }, new RegExp(`prompt: The prompt is too long \\(${LIMITS.promptChars + 1} characters; at most ${LIMITS.promptChars}\\)`)],
    [{ prompt: 'a cat', steps: tinyMaxSteps + 1 }, new RegExp(`steps: Steps must be a whole number from 1 to ${tinyMaxSteps}\\.`)],
    [{ prompt: 'a cat', steps: LIMITS.maxSteps + 1 }, new RegExp(`steps: Steps must be a whole number from 1 to ${LIMITS.maxSteps}\\.`)],
    [{ prompt: 'a cat', guidance_scale: 50 }, /guidance_scale: Guidance scale must be a number from 0 to 20\./],
    [{ prompt: 'a cat', width: 256, height: 256 }, /width: The model cannot make 256×256 images; choose one of its sizes \(128×128\)\./],
    [{ prompt: 'a cat', width: 100, height: 100 }, /width: Width and height must be multiples of 8 from 8 to 4096\./],
    [{ prompt: 'a cat', width: 128 }, /width, height: give both/],
    [{ prompt: 'a cat', aspect: 'wide' }, /aspect: "wide" is not an aspect ratio; write it as width:height/],
    [{ prompt: 'a cat', aspect: '16:9', width: 128, height: 128 }, /aspect: give either aspect or width and height/],
    [{ prompt: 'a cat', count: 9 }, /count: Number of images must be from 1 to 4\./],
    [{ prompt: 'a cat', seed: 'abc' }, /seed: The seed must be a whole number from 0 to 18446744073709551615/],
    [{ prompt: 'a cat', guidance: 3 }, /Unrecognized key.*guidance/],
    [{ prompt: 'a cat', steps: 'four' }, /Invalid arguments for tool generate_image.*steps/s],
    [{ prompt: 'a cat', name: 'n'.repeat(300) }, /name: too long \(300 characters; at most 255\)/],
  ];
  for (const [args, expected] of cases) assert.match(await toolError(tiny, 'generate_image', args), expected);
  assert.deepEqual(filesUnder(tiny.out), before, 'nothing was written');
});

test('a folder outside --out is refused, through .. or a symbolic link, and nothing is created', async () => {
  const outside = join(work, 'outside');
  mkdirSync(outside);
  mkdirSync(tiny.out, { recursive: true });
  symlinkSync(outside, join(tiny.out, 'link'));
  for (const folder of ['../escape', '/tmp', 'a/../../escape', join(work, 'escape')]) {
    assert.match(await toolError(tiny, 'generate_image', { prompt: 'a cat', folder }), /folder: .* is outside the output folder/);
  }
  assert.match(await toolError(tiny, 'generate_image', { prompt: 'a cat', folder: 'link/sub' }), /leads outside the output folder .* through a symbolic link/);
  assert.match(await toolError(tiny, 'list_images', { folder: '../' }), /outside the output folder/);
  assert.ok(!existsSync(join(work, 'escape')));
  assert.deepEqual(readdirSync(outside), [], 'nothing was created through the link');
  // An absolute path inside --out is a folder inside it.
  const { out } = await generate(tiny, { prompt: 'a cat', folder: join(tiny.out, 'cats'), steps: 1 });
  assert.equal(dirname(out.images[0].path), join(tiny.out, 'cats'));
});

test('list_images: newest first, with prompt, seed and size; query and limit', async () => {
  const r = await callTool(tiny, 'list_images', { limit: 100 });
  assert.ok(!r.isError, textOf(r));
  const list = r.structuredContent as { images: { path: string; prompt?: string; seed?: string; width?: number; modified: string }[]; found: number; truncated: boolean };
  const onDisk = filesUnder(tiny.out).filter((f) => f.endsWith('.png'));
  assert.equal(list.found, onDisk.length);
  assert.equal(list.images.length, onDisk.length);
  const times = list.images.map((i) => Date.parse(i.modified));
  assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
  const fox = list.images.find((i) => i.prompt === 'a red fox in the snow')!;
  assert.deepEqual([fox.seed, fox.width, dirname(fox.path)], ['42', 128, join(tiny.out, 'foxes')]);
  assert.ok(list.images.some((i) => i.path === join(tiny.out, 'burst.png') && i.prompt === undefined), 'a file without parameters is listed by its path');

  const q = await callTool(tiny, 'list_images', { query: 'FOX snow' });
  assert.deepEqual((q.structuredContent as typeof list).images.map((i) => i.prompt), ['a red fox in the snow']);
  const one = (await callTool(tiny, 'list_images', { limit: 1 })).structuredContent as typeof list;
  assert.deepEqual([one.images.length, one.truncated, one.images[0].path], [1, true, list.images[0].path]);
  const sub = (await callTool(tiny, 'list_images', { folder: 'stones' })).structuredContent as typeof list;
  assert.equal(sub.images.length, 3);
  assert.match(await toolError(tiny, 'list_images', { limit: 0 }), /limit: must be a whole number from 1 to 100/);
});

test('the connection stayed clean: nothing but the protocol on stdout, logs on stderr', () => {
  assert.deepEqual(tiny.errors, []);
  assert.match(tiny.stderr.join(''), /pixart mcp: loaded /);
});
