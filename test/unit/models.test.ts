// The model layer (src/pipeline/models/) on a fake engine: what each network checks at load, the
// shape rules it reads from its inputs, what it feeds the model, and the float32 arithmetic around
// the call. The real networks against diffusers are test/conformance/pipeline.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledModel, Engine, PortInfo, Tensor } from '../../src/engine/types';
import { PixArtTransformer2DModel, guide, repeatRows, type Conditioning } from '../../src/pipeline/models/transformer';
import { AutoencoderKL } from '../../src/pipeline/models/vae';
import { ModelFolderError } from '../../src/pipeline/model-folder';

/** A model that records its calls and answers `respond(inputs)`. */
function fakeModel(inputs: PortInfo[], respond: (inputs: Record<string, Tensor>) => Record<string, Tensor>) {
  const calls: Record<string, Tensor>[] = [];
  const model: CompiledModel = {
    inputs,
    outputs: [],
    lastInferMs: 0,
    infer: async (x) => {
      calls.push({ ...x });
      return respond(x);
    },
    dispose: () => {},
  };
  const engine: Engine = { name: 'fake', version: '0', availableDevices: () => ['CPU'], compileModel: async () => model, dispose: () => {} };
  return { engine, calls };
}

const port = (name: string, type: PortInfo['type'], shape: number[]): PortInfo => ({ name, type, shape });
const transformerPorts = (hs: number[], extra: PortInfo[] = []) => [
  port('hidden_states', 'f32', hs),
  port('timestep', 'f32', [-1]),
  port('encoder_hidden_states', 'f32', [-1, -1, 8]),
  port('encoder_attention_mask', 'i64', [-1, -1]),
  ...extra,
];
const config = { sampleSize: 128, inChannels: 4, outChannels: 8 };
const options = { config, vaeScaleFactor: 8, maxTokens: 120 };

/** One encoded prompt row using `used` of `length` tokens, embeddings = position + 1. */
function text(used: number, length: number) {
  const embeds: Tensor = { type: 'f32', shape: [1, length, 8], data: Float32Array.from({ length: length * 8 }, (_, i) => Math.floor(i / 8) + 1) };
  const mask: Tensor = { type: 'i64', shape: [1, length], data: BigInt64Array.from({ length }, (_, i) => (i < used ? 1n : 0n)) };
  return { embeds, mask };
}

test('repeatRows stacks the batches, each row repeated in place', () => {
  const a: Tensor = { type: 'f32', shape: [2, 1], data: Float32Array.from([1, 2]) };
  const b: Tensor = { type: 'f32', shape: [1, 1], data: Float32Array.from([3]) };
  const r = repeatRows([a, b], 2);
  assert.deepEqual(r.shape, [6, 1]);
  assert.deepEqual(Array.from(r.data as Float32Array), [1, 1, 2, 2, 3, 3]);
});

test('guide: u + g·(c − u) in float32 on [uncond…, cond…], keeping the first channels', () => {
  const plane = 2;
  // 1 image, 2 output channels (keep 1), batch [u, c]
  const out = Float32Array.from([0.1, 0.2, 9, 9, 0.7, 0.3, 9, 9]);
  const f = Math.fround;
  const expect = [0, 1].map((k) => f(out[k] + f(f(4.5) * f(out[4 + k] - out[k]))));
  assert.deepEqual(Array.from(guide(out, 1, 2, plane, 1, 4.5)), expect);
  assert.deepEqual(Array.from(guide(out.subarray(0, 4), 1, 2, plane, 1, null)), [out[0], out[1]]);
});

test('the transformer checks its inputs at load and reads a fixed spatial size from hidden_states', async () => {
  const missing = fakeModel(transformerPorts([-1, 4, -1, -1]).slice(1), () => ({}));
  await assert.rejects(PixArtTransformer2DModel.load(missing.engine, 'tf.xml', {}, options), (e: Error) => e instanceof ModelFolderError && /tf\.xml: the model has no input "hidden_states"/.test(e.message));
  const badChannels = fakeModel(transformerPorts([-1, 3, -1, -1]), () => ({}));
  await assert.rejects(PixArtTransformer2DModel.load(badChannels.engine, 'tf.xml', {}, options), /expected \[batch, 4, height\/8, width\/8\]/);
  const dynamic = await PixArtTransformer2DModel.load(fakeModel(transformerPorts([-1, 4, -1, -1]), () => ({})).engine, 'tf.xml', {}, options);
  assert.equal(dynamic.staticSize, null);
  const fixed = await PixArtTransformer2DModel.load(fakeModel(transformerPorts([2, 4, 16, 12]), () => ({})).engine, 'tf.xml', {}, options);
  assert.deepEqual(fixed.staticSize, { height: 128, width: 96 });
});

test('the transformer runs both guidance halves at one token length, feeds only declared micro-conditions, and guides', async () => {
  const rows = 2;
  const plane = 4;
  const { engine, calls } = fakeModel(transformerPorts([-1, 4, -1, -1], [port('resolution', 'f32', [-1, 2])]), (x) => {
    const hs = x.hidden_states.data as Float32Array;
    // output channels 0-3 = input + row index, channels 4-7 = garbage (learned sigma)
    const data = new Float32Array(rows * 8 * plane).fill(99);
    for (let r = 0; r < rows; r++) for (let k = 0; k < 4 * plane; k++) data[r * 8 * plane + k] = hs[r * 4 * plane + k] + r;
    return { sample: { type: 'f32', shape: [rows, 8, 2, 2], data } };
  });
  const tf = await PixArtTransformer2DModel.load(engine, 'tf.xml', {}, options);
  const c: Conditioning = { texts: [text(3, 32), text(20, 48)], imagesPerPrompt: 1, latentShape: [1, 4, 2, 2], guidanceScale: 2, microConditions: { width: 16, height: 24 } };
  const inputs = tf.prepare(c);
  assert.deepEqual(inputs.fixed.encoder_hidden_states.shape, [2, 32, 8], 'the longest used (20) rounded up to 16');
  assert.deepEqual(inputs.fixed.encoder_attention_mask.shape, [2, 32]);
  assert.deepEqual(Array.from(inputs.fixed.resolution.data as Float32Array), [24, 16, 24, 16]);
  assert.equal(inputs.fixed.aspect_ratio, undefined, 'not declared, not fed');

  const latents = Float32Array.from({ length: 16 }, (_, i) => i);
  const pred = await tf.denoise(latents, 999.4, inputs);
  assert.deepEqual(Array.from(calls[0].hidden_states.data as Float32Array), [...latents, ...latents]);
  assert.deepEqual(calls[0].timestep, { type: 'f32', shape: [2], data: Float32Array.from([999, 999]) });
  // u = x, c = x + 1: u + 2·(c − u) = x + 2
  assert.deepEqual(Array.from(pred), Array.from(latents, (x) => x + 2));
});

test('the VAE checks its input at load and decodes latents / scaling_factor', async () => {
  const bad = fakeModel([port('z', 'f32', [-1, 4, -1, -1])], () => ({}));
  await assert.rejects(AutoencoderKL.load(bad.engine, 'vae.xml', {}, { scaleFactor: 8, scalingFactor: 0.18215 }), /vae\.xml: the model has no input "latents"/);
  const { engine, calls } = fakeModel([port('latents', 'f32', [-1, 4, -1, -1])], (x) => ({ sample: x.latents }));
  const vae = await AutoencoderKL.load(engine, 'vae.xml', {}, { scaleFactor: 8, scalingFactor: 0.18215 });
  const latents = Float32Array.from([1, -2, 0.5, 3]);
  const out = await vae.decode(latents, [1, 4, 1, 1]);
  assert.deepEqual(Array.from(out.data as Float32Array), Array.from(Float32Array.from(latents, (v) => v / Math.fround(0.18215))));
  assert.deepEqual(calls[0].latents.shape, [1, 4, 1, 1]);
});
