// Issue 16, finding 5: a config value that sizes an allocation or a loop is bounded. An absurd one is
// refused at once (within 100 ms), with a message naming the file, the field and the accepted range,
// instead of a load that runs for minutes and grows past gigabytes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseSchedulerConfig } from '../../src/pipeline/schedulers';
import { readModelFolder } from '../../src/pipeline/model-folder';
import { PixArtPipeline } from '../../src/pipeline/pipeline';
import { validateRequest } from '../../src/pipeline/request';
import { LIMITS, validateGeneration } from '../../src/protocol/generation';
import type { Engine } from '../../src/engine/types';
import { tinyModelDir } from '../support/paths';
import { DPM_RAW, LCM_RAW } from '../support/scheduler-replay';

const FAST_MS = 100;

/** Runs `fn`, which must throw a message matching every pattern, within FAST_MS. */
function refusedFast(fn: () => unknown, patterns: RegExp[]): void {
  const t0 = performance.now();
  let message: string | undefined;
  try {
    fn();
  } catch (e) {
    message = (e as Error).message;
  }
  const ms = performance.now() - t0;
  assert.ok(message !== undefined, 'accepted, not refused');
  for (const p of patterns) assert.match(message, p);
  assert.ok(ms < FAST_MS, `refused after ${ms.toFixed(1)} ms`);
}

/** A copy of the tiny model folder with one JSON file edited. */
function folderWith(rel: string, edit: (json: Record<string, unknown>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'pixart-bounds-'));
  cpSync(tinyModelDir, dir, { recursive: true, dereference: true });
  const file = join(dir, rel);
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(json);
  writeFileSync(file, JSON.stringify(json));
  return dir;
}

describe('scheduler_config.json', () => {
  const cases: [string, () => Record<string, unknown>, Record<string, unknown>, RegExp][] = [
    ['num_train_timesteps', LCM_RAW, { num_train_timesteps: 1e9 }, /num_train_timesteps = 1000000000 is invalid: expected an integer from 2 to 10000/],
    ['num_train_timesteps (DPM)', DPM_RAW, { num_train_timesteps: 1e9 }, /num_train_timesteps = 1000000000 is invalid: expected an integer from 2 to 10000/],
    ['original_inference_steps', LCM_RAW, { original_inference_steps: 1e9 }, /original_inference_steps = 1000000000 is invalid: expected an integer from 1 to 1000 \(num_train_timesteps\)/],
    ['solver_order', DPM_RAW, { solver_order: 1e9 }, /solver_order = 1000000000 is not supported; DPM-Solver has orders 1, 2 and 3/],
    ['steps_offset', DPM_RAW, { steps_offset: 1e9 }, /steps_offset = 1000000000 is invalid: expected an integer from 0 to 999/],
  ];
  for (const [label, base, edit, message] of cases) {
    test(`${label} at an absurd value is refused at once, naming the field and the range`, () => {
      refusedFast(() => parseSchedulerConfig({ ...base(), ...edit }), [message]);
    });
  }

  test('deep nesting is refused, not a stack overflow', () => {
    refusedFast(() => parseSchedulerConfig(`{"_class_name": "LCMScheduler", "x": ${'['.repeat(100_000)}`), [/nested more than 64 deep/]);
  });

  test('the bounds keep what diffusers models use', () => {
    const lcm = parseSchedulerConfig({ ...LCM_RAW(), num_train_timesteps: 10_000, original_inference_steps: 10_000, steps_offset: 9_999 }).config;
    assert.deepEqual([lcm.num_train_timesteps, lcm._class_name === 'LCMScheduler' && lcm.original_inference_steps], [10_000, 10_000]);
  });
});

describe('config.json of the transformer and the VAE', () => {
  const transformer = 'transformer/config.json';
  const vae = 'vae_decoder/config.json';
  const cases: [string, string, (j: Record<string, unknown>) => void, RegExp][] = [
    ['sample_size', transformer, (j) => (j.sample_size = 1e9), /"sample_size" = 1000000000 is too large \(accepted: 1 to 512; × 8 pixels per latent, at most 4096 pixels\)/],
    ['in_channels', transformer, (j) => (j.in_channels = 1e9), /"in_channels" = 1000000000 is too large \(accepted: 1 to 64 latent channels\)/],
    ['out_channels', transformer, (j) => (j.out_channels = 1e9), /"out_channels" = 1000000000 is too large \(accepted: 1 to 128\)/],
    ['out_channels beside in_channels', transformer, (j) => (j.out_channels = 7), /"out_channels" must be in_channels \(4\) or, with learned sigma, 2 × in_channels \(8\), found 7/],
    ['block_out_channels', vae, (j) => (j.block_out_channels = new Array(100).fill(8)), /"block_out_channels" must list 1 to 6 block widths \(2\^\(n−1\) pixels per latent, at most 32\), found 100 entries/],
    ['block_out_channels empty', vae, (j) => (j.block_out_channels = []), /"block_out_channels" must list 1 to 6 block widths .*found 0 entries/],
    ['scaling_factor', vae, (j) => (j.scaling_factor = 1e308), /"scaling_factor" must be a number above 0 and at most 10 \(PixArt-α's VAE: 0\.18215\), found 1e\+308/],
    ['scaling_factor 0', vae, (j) => (j.scaling_factor = 0), /"scaling_factor" must be a number above 0 and at most 10 .*found 0/],
  ];
  for (const [label, rel, edit, message] of cases) {
    test(`${label} at an absurd value is refused at once, naming the file, the field and the range`, () => {
      const dir = folderWith(rel, edit);
      refusedFast(() => readModelFolder(dir), [new RegExp(`${join(dir, rel).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `), message]);
    });
  }

  test('a config.json too large to be one is refused without reading it', () => {
    const dir = folderWith(transformer, (j) => (j.padding = 'x'.repeat(2 << 20)));
    refusedFast(() => readModelFolder(dir), [/transformer: .*transformer\/config\.json is \d+ bytes, too large for a config file \(at most 1048576\)/]);
  });

  test('a config.json that holds no object is named, not a TypeError', () => {
    const dir = folderWith(transformer, () => {});
    writeFileSync(join(dir, transformer), 'null');
    refusedFast(() => readModelFolder(dir), [/transformer: .*transformer\/config\.json must hold a JSON object/]);
  });
});

describe('loading a model folder', () => {
  /** An engine the load must not reach: the configs are read before anything is compiled. */
  const engine: Engine = {
    name: 'unreached', version: '0', origin: 'test',
    availableDevices: () => ['CPU'],
    compileModel: () => Promise.reject(new Error('compileModel was called: the bad config was not refused first')),
    dispose: () => {},
  };

  async function loadRefusedFast(dir: string, patterns: RegExp[]): Promise<void> {
    const t0 = performance.now();
    await assert.rejects(PixArtPipeline.load(dir, engine), (e: Error) => {
      for (const p of patterns) assert.match(e.message, p);
      return true;
    });
    const ms = performance.now() - t0;
    assert.ok(ms < FAST_MS, `refused after ${ms.toFixed(1)} ms`);
  }

  test('num_train_timesteps 1e9 fails the load at once, naming scheduler_config.json', async () => {
    const dir = folderWith('scheduler/scheduler_config.json', (j) => (j.num_train_timesteps = 1e9));
    await loadRefusedFast(dir, [/scheduler[\\/]scheduler_config\.json: LCMScheduler\.num_train_timesteps = 1000000000 is invalid: expected an integer from 2 to 10000/]);
  });

  test('100 block_out_channels fail the load at once, naming the VAE config', async () => {
    const dir = folderWith('vae_decoder/config.json', (j) => (j.block_out_channels = new Array(100).fill(8)));
    await loadRefusedFast(dir, [/vae_decoder[\\/]config\.json: "block_out_channels" must list 1 to 6/]);
  });
});

test('guidance is bounded by LIMITS.maxGuidance wherever a generation enters', () => {
  const base = { prompt: 'a cat', negativePrompt: '', seed: '1', steps: 4, width: 512, height: 512, imagesPerPrompt: 1 };
  const v = validateGeneration({ ...base, guidanceScale: 1e308 }, { supportedSizes: [] });
  assert.ok(!v.ok && v.errors.some((e) => e.field === 'guidanceScale'));
  assert.throws(() => validateRequest({ ...base, guidanceScale: 1e308 }), new RegExp(`guidance scale must be a number from 0 to ${LIMITS.maxGuidance}, got 1e\\+308`));
});
