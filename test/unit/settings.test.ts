import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolveSettings, resolveOutputFolder, resolveRealOutputFolder, realPathOf, resolveFormDefaults, loadOptionsFrom, DEFAULT_SETTINGS, LOW_MEMORY_BELOW, type PixArtSettings } from '../../src/extension/settings';
import { sameLoad, type ModelSummary } from '../../src/protocol/messages';

const from = (o: Record<string, unknown>) => resolveSettings((k) => o[k]);

test('unset settings give the defaults', () => {
  assert.deepEqual(from({}), DEFAULT_SETTINGS);
});

test('values are type-checked and clamped', () => {
  const s = from({ modelPath: ' /models/lcm ', device: 'gpu.1', precision: 'f32', openvinoRuntime: 'openvino-c', imageFormat: 'webp', defaultSteps: 500, defaultGuidanceScale: 4.5, defaultSize: '1152x896', defaultImageCount: 9, preview: false, compiledModelCache: false });
  assert.equal(s.modelPath, '/models/lcm');
  assert.equal(s.device, 'GPU.1');
  assert.equal(s.precision, 'f32');
  assert.equal(s.openvinoRuntime, 'openvino-c');
  assert.equal(s.imageFormat, 'webp');
  assert.equal(s.defaultSteps, 100);
  assert.equal(s.defaultGuidanceScale, 4.5);
  assert.equal(s.defaultSize, '1152x896');
  assert.equal(s.defaultImageCount, 4);
  assert.equal(s.preview, false);
  assert.equal(s.compiledModelCache, false);
  const bad = from({ device: 'TPU', precision: 'f8', openvinoRuntime: 'cuda', imageFormat: 'gif', defaultSteps: 'many', defaultSize: 'big', preview: 'yes', outputFolder: '  ', fileNameTemplate: '' });
  assert.equal(bad.device, 'CPU');
  assert.equal(bad.precision, 'auto');
  assert.equal(bad.openvinoRuntime, 'auto');
  assert.equal(bad.imageFormat, 'png');
  assert.equal(bad.defaultSteps, 0);
  assert.equal(bad.defaultSize, '');
  assert.equal(bad.preview, true);
  assert.equal(bad.outputFolder, 'assets/generated');
  assert.equal(bad.fileNameTemplate, DEFAULT_SETTINGS.fileNameTemplate);
});

test('output folder: relative inside the workspace, absolute as is, never climbing out', () => {
  const ws = path.resolve('/ws');
  assert.deepEqual(resolveOutputFolder('assets/generated', ws), { ok: true, folder: path.join(ws, 'assets', 'generated') });
  assert.deepEqual(resolveOutputFolder('', ws), { ok: true, folder: path.join(ws, 'assets', 'generated') });
  assert.deepEqual(resolveOutputFolder(path.resolve('/data/img'), ws), { ok: true, folder: path.resolve('/data/img') });
  assert.deepEqual(resolveOutputFolder('~/Pictures', ws, path.resolve('/home/u')), { ok: true, folder: path.resolve('/home/u/Pictures') });
  const out = resolveOutputFolder('../../etc', ws);
  assert.equal(out.ok, false);
  assert.equal(!out.ok && out.reason, 'outside-workspace');
  const none = resolveOutputFolder('assets/generated', undefined);
  assert.equal(!none.ok && none.reason, 'no-workspace');
});

test('output folder on real paths: a relative setting may not leave the workspace through a symbolic link', async () => {
  const tmp = realpathSync(mkdtempSync(path.join(tmpdir(), 'pixart-ws-')));
  try {
    const ws = path.join(tmp, 'ws');
    const outside = path.join(tmp, 'elsewhere');
    mkdirSync(path.join(ws, 'inner'), { recursive: true });
    mkdirSync(outside);
    symlinkSync(outside, path.join(ws, 'assets'));
    symlinkSync(path.join(ws, 'inner'), path.join(ws, 'local'));
    symlinkSync(path.join(tmp, 'nowhere'), path.join(ws, 'broken'));
    const out = await resolveRealOutputFolder('assets/generated', ws);
    assert.equal(out.ok, false);
    assert.equal(!out.ok && out.reason, 'outside-workspace');
    assert.match(!out.ok ? out.message : '', new RegExp(`"assets/generated" leads outside the workspace through a symbolic link \\(to ${outside}/generated\\)`));
    assert.equal((await resolveRealOutputFolder('broken/x', ws)).ok, false, 'a broken link is not followed');
    assert.deepEqual(await resolveRealOutputFolder('local/generated', ws), { ok: true, folder: path.join(ws, 'local', 'generated'), real: path.join(ws, 'inner', 'generated') });
    assert.deepEqual(await resolveRealOutputFolder('assets/generated', path.join(ws, 'assets')), { ok: true, folder: path.join(ws, 'assets', 'assets', 'generated'), real: path.join(outside, 'assets', 'generated') }, 'a workspace opened through a link is its real folder');
    // An absolute setting is used as it is; `real` tells the Restricted Mode prompt where the files land.
    assert.deepEqual(await resolveRealOutputFolder(path.join(ws, 'assets'), ws), { ok: true, folder: path.join(ws, 'assets'), real: outside });
    assert.equal((await resolveRealOutputFolder('assets/generated', undefined)).ok, false);
    assert.equal(await realPathOf(path.join(ws, 'assets', 'new', 'deeper')), path.join(outside, 'new', 'deeper'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

const lcm: ModelSummary = {
  name: 'PixArt-LCM-XL-2-1024-MS', modelDir: '/m', schedulerClass: 'LCMScheduler', sampler: 'LCM', staticSize: null,
  supportedSizes: [{ width: 1152, height: 896, ratio: '0.78' }, { width: 1024, height: 1024, ratio: '1.0' }],
  defaults: { steps: 4, guidanceScale: 0 }, maxTokens: 120,
};

test('form defaults: settings first, then the model, sizes the model can run', () => {
  assert.deepEqual(resolveFormDefaults(DEFAULT_SETTINGS, lcm), { steps: 4, guidanceScale: 0, width: 1024, height: 1024, imagesPerPrompt: 1 });
  const s: PixArtSettings = { ...DEFAULT_SETTINGS, defaultSteps: 8, defaultGuidanceScale: 1.5, defaultSize: '1152x896', defaultImageCount: 2 };
  assert.deepEqual(resolveFormDefaults(s, lcm), { steps: 8, guidanceScale: 1.5, width: 1152, height: 896, imagesPerPrompt: 2 });
  // A size the model cannot run falls back to the model's.
  assert.deepEqual(resolveFormDefaults({ ...DEFAULT_SETTINGS, defaultSize: '640x640' }, lcm).width, 1024);
  const staticModel = { ...lcm, staticSize: { width: 1024, height: 1024 }, supportedSizes: [{ width: 1024, height: 1024, ratio: '1.0' }], schedulerClass: 'DPMSolverMultistepScheduler', defaults: { steps: 20, guidanceScale: 4.5 } };
  assert.deepEqual(resolveFormDefaults(DEFAULT_SETTINGS, staticModel), { steps: 20, guidanceScale: 4.5, width: 1024, height: 1024, imagesPerPrompt: 1 });
  assert.deepEqual(resolveFormDefaults(DEFAULT_SETTINGS), { steps: 4, guidanceScale: 0, width: 1024, height: 1024, imagesPerPrompt: 1 });
});

test('load options from settings', () => {
  const s: PixArtSettings = { ...DEFAULT_SETTINGS, modelPath: '/m', openvinoLibraryPath: '/opt/ov/libopenvino_c.so' };
  assert.deepEqual(loadOptionsFrom(s, '/cache', LOW_MEMORY_BELOW), { modelDir: '/m', device: 'CPU', precision: 'auto', runtime: 'auto', libraryPath: '/opt/ov/libopenvino_c.so', cacheDir: '/cache' });
  assert.deepEqual(loadOptionsFrom({ ...s, compiledModelCache: false, openvinoLibraryPath: '' }, '/cache', LOW_MEMORY_BELOW), { modelDir: '/m', device: 'CPU', precision: 'auto', runtime: 'auto' });
  assert.equal(loadOptionsFrom({ ...s, memory: 'low' }, '/cache', 64 * 2 ** 30).releaseTextEncoder, true);
  assert.equal(loadOptionsFrom({ ...s, memory: 'fast' }, '/cache', 8 * 2 ** 30).releaseTextEncoder, undefined);
  assert.equal(loadOptionsFrom({ ...s, memory: 'auto' }, '/cache', LOW_MEMORY_BELOW - 1).releaseTextEncoder, true, 'auto saves memory on a 16 GB machine');
  assert.equal(loadOptionsFrom({ ...s, memory: 'auto' }, '/cache', LOW_MEMORY_BELOW).releaseTextEncoder, undefined);
  assert.deepEqual(loadOptionsFrom({ ...s, defaultSize: '768x1344' }, '/cache').warmUpSize, { width: 768, height: 1344 }, 'the warm-up decodes at the form\'s starting size');
});

test('pixart.memory: auto by default; the deprecated pixart.releaseTextEncoder: true still means low', () => {
  const settings = (raw: Record<string, unknown>) => resolveSettings((k) => raw[k]);
  assert.equal(settings({}).memory, 'auto');
  assert.equal(settings({ releaseTextEncoder: true }).memory, 'low');
  assert.equal(settings({ releaseTextEncoder: false }).memory, 'auto');
  assert.equal(settings({ releaseTextEncoder: true, memory: 'fast' }).memory, 'fast', 'the new setting wins');
  assert.equal(settings({ memory: 'huge' }).memory, 'auto');
});

test('a settings change reloads the model exactly when it changes what the worker loads', () => {
  const s: PixArtSettings = { ...DEFAULT_SETTINGS, modelPath: '/m', memory: 'fast' };
  const reloads = (change: Partial<PixArtSettings>) => !sameLoad(loadOptionsFrom(s, '/cache'), loadOptionsFrom({ ...s, ...change }, '/cache'));
  for (const change of [{ modelPath: '/other' }, { device: 'GPU' }, { precision: 'f32' }, { openvinoRuntime: 'openvino-c' }, { openvinoLibraryPath: '/lib.so' }, { compiledModelCache: false }, { memory: 'low' }] as Partial<PixArtSettings>[]) {
    assert.equal(reloads(change), true, JSON.stringify(change));
  }
  for (const change of [{}, { outputFolder: 'out' }, { fileNameTemplate: '{seed}' }, { imageFormat: 'webp' }, { defaultSteps: 8 }, { preview: false }, { defaultSize: '768x1344' }] as Partial<PixArtSettings>[]) {
    assert.equal(reloads(change), false, JSON.stringify(change));
  }
  assert.equal(sameLoad(undefined, loadOptionsFrom(s, '/cache')), false, 'nothing loaded yet');
  assert.equal(sameLoad({ modelDir: '/m', device: 'CPU', precision: 'auto', runtime: 'auto', libraryPath: '', releaseTextEncoder: false }, { modelDir: '/m', device: 'CPU', precision: 'auto', runtime: 'auto' }), true, 'an absent option equals its empty value');
});
