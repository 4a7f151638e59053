// The model layer (src/pipeline/models/) on the real engine and the tiny fixture networks: what
// each network checks at load, the shape rules it reads from its model file, and that its call
// is the raw model's output with the arithmetic around it (guidance doubling, u + g·(c − u),
// learned sigma dropped; VAE scaling). Whole pipelines against diffusers: pipeline.test.ts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Tensor } from '../../src/engine/types';
import { outputNamed } from '../../src/engine/tensor';
import { PixArtTransformer2DModel, guide, type Conditioning } from '../../src/pipeline/models/transformer';
import { AutoencoderKL } from '../../src/pipeline/models/vae';
import { ModelFolderError } from '../../src/pipeline/model-folder';
import { TorchGenerator } from '../../src/pipeline/random';
import { engineUnderTest } from '../support/engines';
import { fixturesDir, tinyModelDir } from '../support/paths';

const engine = engineUnderTest();
after(() => engine.dispose());
const F32 = { precision: 'f32' as const };
const file = (name: string) => join(tinyModelDir, name, 'model.onnx');
const config = { sampleSize: 128, inChannels: 4, outChannels: 8 };
const options = { config, vaeScaleFactor: 8, maxTokens: 120 };
const vaeConfig = { scaleFactor: 8, scalingFactor: 0.18215 };

/** One encoded prompt row of the tiny T5's width (32) using `used` of `length` tokens. */
function text(used: number, length: number, seed: number) {
  const embeds: Tensor = { type: 'f32', shape: [1, length, 32], data: new TorchGenerator(BigInt(seed)).randn([1, length, 32]) };
  const mask: Tensor = { type: 'i64', shape: [1, length], data: BigInt64Array.from({ length }, (_, i) => (i < used ? 1n : 0n)) };
  return { embeds, mask };
}

test('the transformer checks its inputs at load and reads a fixed spatial size from hidden_states', async () => {
  await assert.rejects(PixArtTransformer2DModel.load(engine, file('vae_decoder'), F32, options), (e: Error) => e instanceof ModelFolderError && e.message.includes(`${file('vae_decoder')}: the model has no input "hidden_states"`));
  await assert.rejects(PixArtTransformer2DModel.load(engine, file('transformer'), F32, { ...options, config: { ...config, inChannels: 3 } }), /expected \[batch, 3, height\/8, width\/8\]/);
  const tiny = await PixArtTransformer2DModel.load(engine, file('transformer'), F32, options);
  assert.deepEqual(tiny.staticSize, { height: 128, width: 128 }, 'the tiny ONNX is fixed at 16×16 latents');
  tiny.dispose();
  const fixed = await PixArtTransformer2DModel.load(engine, join(fixturesDir, 'transformer-static', 'transformer_16x24.onnx'), F32, options);
  assert.deepEqual(fixed.staticSize, { height: 128, width: 192 });
  fixed.dispose();
});

test('the transformer runs both guidance halves at one token length, feeds the micro-conditions it declares, and guides the raw output', async () => {
  const tf = await PixArtTransformer2DModel.load(engine, file('transformer'), F32, options);
  const raw = await engine.compileModel(file('transformer'), F32);
  try {
    const declared = raw.inputs.map((p) => p.name);
    const c: Conditioning = { texts: [text(3, 120, 1), text(20, 120, 2)], imagesPerPrompt: 1, latentShape: [1, 4, 16, 16], guidanceScale: 2, microConditions: { width: 16, height: 24 } };
    const inputs = tf.prepare(c);
    const tokens = inputs.fixed.encoder_hidden_states.shape[1];
    assert.ok(tokens === 32 || tokens === 120, `the longest used (20) rounded up to 16, or the model's fixed 120: got ${tokens}`);
    assert.deepEqual(inputs.fixed.encoder_attention_mask.shape, [2, tokens]);
    for (const name of ['resolution', 'aspect_ratio']) assert.equal(name in inputs.fixed, declared.includes(name), `${name}: fed exactly when declared`);
    if (declared.includes('resolution')) assert.deepEqual(Array.from(inputs.fixed.resolution.data as Float32Array), [24, 16, 24, 16]);

    const latents = new TorchGenerator(3n).randn([1, 4, 16, 16]);
    const pred = await tf.denoise(latents, 999.4, inputs);
    const out = outputNamed(await raw.infer({ ...inputs.fixed, hidden_states: { type: 'f32', shape: [2, 4, 16, 16], data: Float32Array.from([...latents, ...latents]) }, timestep: { type: 'i64', shape: [2], data: BigInt64Array.from([999n, 999n]) } }), 'sample');
    assert.deepEqual(Array.from(pred), Array.from(guide(out.data as Float32Array, 1, 8, 256, 4, 2)));
    const without = tf.prepare({ ...c, texts: [c.texts[1]], guidanceScale: null });
    assert.equal(without.rows, 1);
    assert.equal((await tf.denoise(latents, 999, without)).length, 4 * 256, 'four channels of one image: learned sigma dropped');
  } finally {
    tf.dispose();
    raw.dispose();
  }
});

test('the VAE checks its input at load and decodes latents / scaling_factor', async () => {
  await assert.rejects(AutoencoderKL.load(engine, file('transformer'), F32, vaeConfig), (e: Error) => e instanceof ModelFolderError && /the model has no input "latents"/.test(e.message));
  const vae = await AutoencoderKL.load(engine, file('vae_decoder'), F32, vaeConfig);
  const raw = await engine.compileModel(file('vae_decoder'), F32);
  try {
    const latents = new TorchGenerator(4n).randn([1, 4, 2, 2]);
    const out = await vae.decode(latents, [1, 4, 2, 2]);
    const ref = outputNamed(await raw.infer({ latents: { type: 'f32', shape: [1, 4, 2, 2], data: Float32Array.from(latents, (v) => v / Math.fround(0.18215)) } }), 'sample');
    assert.deepEqual(out.shape, ref.shape);
    assert.deepEqual(Array.from(out.data as Float32Array), Array.from(ref.data as Float32Array));
  } finally {
    vae.dispose();
    raw.dispose();
  }
});
