// PixArt-Σ in the real VS Code extension host, real worker process, real OpenVINO: the tiny Σ
// checkpoint (test/fixtures/sigma/) is built into the sandbox with the extension's own builder,
// pixart.modelPath points at it, and the host sees a Σ model (300 tokens, DPM-Solver++ defaults:
// 20 steps at guidance 4.5, the 1024 bins), counts tokens against 300, and generates diffusers'
// binning case at its bin: the image is diffusers' decode of it within ±1. Precision f32 for the
// comparison (the CPU default may run the transformer in bf16).

import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inflateSync } from 'node:zlib';
import * as vscode from 'vscode';
import type { Controller } from '../../../src/extension/controller';
import { buildModel } from '../../../src/builder/build-model';
import { readPngText } from '../../../src/image/png';
import { fromParameters } from '../../../src/image/parameters';
import { readNpy } from '../../support/npy';
import { env, until } from './helpers';
import { generate, readyExtension } from './jobs';
import { params } from './params';

let controller: Controller;
let sigmaModel: string;
const sigmaFixtures = () => path.join(path.dirname(env('PIXART_TEST_MODEL')), 'sigma');
const binningCase = () => path.join(sigmaFixtures(), 'cases', 'sigma_dpm_3step_binning_600x1000');

/** Sets pixart.modelPath and pixart.precision (Global: the machine settings in a remote window) and waits for that model to be ready. */
async function useModel(modelPath: string, precision: 'f32' | undefined): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('pixart');
  await cfg.update('precision', precision, vscode.ConfigurationTarget.Global);
  await cfg.update('modelPath', modelPath, vscode.ConfigurationTarget.Global);
  const s = () => controller.currentSettings;
  await until(`the model at ${modelPath} to be ready`, () => s().modelPath === modelPath && s().precision === (precision ?? 'auto') && controller.model.state.state === 'ready' && controller.model.state.modelPath === modelPath, 110_000);
}

/** The RGB bytes of a PNG our encoder wrote (one IDAT, filter 0 on every row: src/image/png.ts). */
function pngPixels(file: string): { width: number; height: number; rgb: Uint8Array } {
  const png = fs.readFileSync(file);
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') [width, height] = [data.readUInt32BE(0), data.readUInt32BE(4)];
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 3;
  const rgb = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (stride + 1)], 0, 'filter type none');
    rgb.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, rgb };
}

describe('PixArt-Σ in a real VS Code', () => {
  before(async function () {
    this.timeout(240_000);
    ({ controller } = await readyExtension());
    sigmaModel = path.join(env('PIXART_TEST_SANDBOX'), 'pixart-sigma-tiny');
    await buildModel({ from: path.join(sigmaFixtures(), 'pixart-sigma-tiny-diffusers'), out: sigmaModel, weights: { text_encoder: 'f32', transformer: 'f32' }, source: { repo: 'fixtures/pixart-sigma-tiny' } });
    await useModel(sigmaModel, 'f32');
  });

  after(async function () {
    this.timeout(120_000);
    await useModel(env('PIXART_TEST_MODEL'), undefined);
  });

  it('the host sees a PixArt-Σ model: 300 tokens, 20 steps at guidance 4.5, the 1024 bins', () => {
    const m = controller.model.state.model!;
    assert.equal(m.name, 'pixart-sigma-tiny');
    assert.equal(m.maxTokens, 300);
    assert.deepEqual(m.defaults, { steps: 20, guidanceScale: 4.5 });
    assert.equal(m.sampler, 'DPM++ 2M');
    assert.equal(m.supportedSizes.length, 33, 'diffusers\' ASPECT_RATIO_1024_BIN');
    const d = controller.model.formDefaults();
    assert.deepEqual([d.steps, d.guidanceScale, d.width, d.height], [20, 4.5, 1024, 1024]);
  });

  it('counts a prompt\'s tokens against 300', async function () {
    this.timeout(30_000);
    const long = JSON.parse(fs.readFileSync(path.join(sigmaFixtures(), 'cases', 'sigma_dpm_4step_long_prompt_200_tokens', 'case.json'), 'utf8')).prompt as string;
    const used = Array.from(readNpy(path.join(sigmaFixtures(), 'cases', 'sigma_dpm_4step_long_prompt_200_tokens', 'text_encoder_0_attention_mask.npy')).data, Number).reduce((a, b) => a + b, 0);
    assert.ok(used > 120);
    assert.deepEqual(await controller.model.countTokens(long), { tokens: used, max: 300, truncated: false });
    const over = await controller.model.countTokens(`${long} ${long}`);
    assert.deepEqual([over.max, over.truncated], [300, true]);
  });

  it('generates diffusers\' binning case at its bin (1280×768): its decode within ±1, the parameters naming the model', async function () {
    this.timeout(120_000);
    const c = JSON.parse(fs.readFileSync(path.join(binningCase(), 'case.json'), 'utf8'));
    const file = await generate(controller, params({ prompt: c.prompt, negativePrompt: c.negative_prompt, seed: String(c.seed), steps: c.num_inference_steps, guidanceScale: c.guidance_scale, width: c.generated_width, height: c.generated_height }));
    const p = fromParameters(readPngText(fs.readFileSync(file)).parameters);
    assert.deepEqual([p.model, p.steps, p.guidanceScale, p.width, p.height], ['pixart-sigma-tiny', 3, 4.5, 1280, 768]);
    const ours = pngPixels(file);
    const decoded = readNpy(path.join(binningCase(), 'vae_0_sample.npy')); // [1, 3, 768, 1280], before diffusers' resize to 600×1000
    const [, , h, w] = decoded.shape;
    assert.deepEqual([ours.height, ours.width], [h, w]);
    let off = 0;
    let worst = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < 3; ch++) {
          const ref = Math.round(Math.min(1, Math.max(0, Number(decoded.data[(ch * h + y) * w + x]) / 2 + 0.5)) * 255);
          const d = Math.abs(ours.rgb[(y * w + x) * 3 + ch] - ref);
          if (d > 1) off++;
          worst = Math.max(worst, d);
        }
      }
    }
    assert.ok(off / (h * w * 3) <= 0.001 && worst <= 2, `${off} values off by more than 1, max ${worst}`);
  });
});
