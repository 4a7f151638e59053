// The PixArt transformer builder on the real runtime: the tiny diffusers checkpoint built in f32
// reproduces every transformer call of the diffusers cases (several latent sizes, batches and token
// lengths: one dynamic model) beside the static ONNX fixtures on the same inputs, and runs in the
// pipeline in their place; f16/bf16 builds stay near it; a caption cut to 32 tokens gives the
// 120-token result; the in-graph position and timestep embeddings match float64 references; a Σ
// config builds without micro-conditions; bad configs, cancels and failures leave nothing behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPixArtTransformer, type TransformerBuildOptions } from '../../src/builder/pixart-transformer';
import { sincosPositionEmbedding, timestepProjection } from '../../src/builder/pixart-embeddings';
import { IrGraph } from '../../src/builder/ir-graph';
import { readHeader } from '../../src/builder/safetensors';
import { PixArtPipeline } from '../../src/pipeline/pipeline';
import type { CompiledModel, Tensor } from '../../src/engine/types';
import { engineUnderTest } from '../support/engines';
import { F32, assertClose, assertSame, feed, fixture, scratchDir, staticTransformer } from '../support/engine-conformance';
import { caseFile, listCases } from '../support/cases';
import type { NpyArray } from '../support/npy';
import { checkCase } from '../support/compare';
import { casesDir, fixturesDir, tinyModelDir } from '../support/paths';

const engine = engineUnderTest();
after(() => engine.dispose());
const scratch = scratchDir();
const tiny = join(fixturesDir, 'pixart-tiny-diffusers', 'transformer');
const WEIGHTS = join(tiny, 'diffusion_pytorch_model.safetensors');

/** max |a − b|. */
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(b, (v, i) => Math.abs(a[i] - v)).reduce((m, d) => Math.max(m, d), 0);
const sample = async (model: CompiledModel, inputs: Record<string, Tensor>) => (await model.infer(inputs)).sample;

/** Every transformer call of every case, its inputs cast as the built model declares them. */
function calls(model: CompiledModel): { name: string; latent: string; inputs: Record<string, Tensor>; expected: NpyArray }[] {
  return readdirSync(casesDir).sort().flatMap((c) => {
    const steps = readdirSync(join(casesDir, c)).filter((f) => /^transformer_\d+_output\.npy$/.test(f)).length;
    return Array.from({ length: steps }, (_, i) => {
      const inputs = feed(c, `transformer_${i}`, model.inputs);
      const [, , h, w] = inputs.hidden_states.shape;
      return { name: `${c} #${i}`, latent: `${h}x${w}`, inputs, expected: fixture(c, `transformer_${i}_output`) };
    });
  });
}

const built = new Map<string, Promise<{ xml: string; weightBytes: number }>>();
/** The tiny checkpoint built once per weight format. */
function build(weights: TransformerBuildOptions['weights']): Promise<{ xml: string; weightBytes: number }> {
  if (!built.has(weights)) {
    const out = join(scratch, `tiny-${weights}`);
    built.set(weights, buildPixArtTransformer(tiny, out, { weights }).then((r) => ({ xml: join(out, 'openvino_model.xml'), weightBytes: r.weightBytes })));
  }
  return built.get(weights)!;
}

let f32: CompiledModel;
before(async () => {
  f32 = await engine.compileModel((await build('f32')).xml, F32);
});
after(() => f32?.dispose());

test('the f32 build has the ports of the converted transformer, with batch, latent size and tokens dynamic', () => {
  assert.deepEqual(f32.inputs.map((p) => [p.name, p.type, p.shape]), [
    ['hidden_states', 'f32', [-1, 4, -1, -1]], ['timestep', 'i64', [-1]], ['encoder_hidden_states', 'f32', [-1, -1, 32]],
    ['encoder_attention_mask', 'f32', [-1, -1]], ['resolution', 'f32', [-1, 2]], ['aspect_ratio', 'f32', [-1, 1]],
  ]);
  assert.deepEqual(f32.outputs.map((p) => [p.name, p.type, p.shape]), [['sample', 'f32', [-1, 8, -1, -1]]]);
  assert.deepEqual(readFileSync(join(scratch, 'tiny-f32', 'config.json')), readFileSync(join(tiny, 'config.json')));
});

test('the f32 build reproduces every transformer call of the cases, as the static ONNX exports do', async () => {
  const onnx = new Map<string, CompiledModel>();
  const worst = { built: 0, onnx: 0 };
  try {
    for (const call of calls(f32)) {
      if (!onnx.has(call.latent)) onnx.set(call.latent, await engine.compileModel(staticTransformer(call.latent), F32));
      // diffusers' tolerance for an f32 port is 1e-4; the build's own error is a few 1e-6.
      worst.built = Math.max(worst.built, assertClose(await sample(f32, call.inputs), call.expected, 1e-5, `built, ${call.name}`));
      worst.onnx = Math.max(worst.onnx, assertClose(await sample(onnx.get(call.latent)!, call.inputs), call.expected, 1e-4, `ONNX, ${call.name}`));
    }
  } finally {
    for (const m of onnx.values()) m.dispose();
  }
  console.log(`# built f32: max relative error ${worst.built.toExponential(2)} over every call; static ONNX ${worst.onnx.toExponential(2)}`);
});

test('f16 and bf16 builds store halves and stay near the f32 build', async () => {
  const cases = calls(f32).filter((c) => c.name.endsWith('#0'));
  const reference = await Promise.all(cases.map((c) => sample(f32, c.inputs)));
  const near = { f16: 2e-3, bf16: 2e-2 };
  for (const format of ['f16', 'bf16'] as const) {
    const b = await build(format);
    assert.ok(b.weightBytes < 0.7 * (await build('f32')).weightBytes, `${format}: the linear weights take half the bytes`);
    const model = await engine.compileModel(b.xml, F32);
    try {
      let [fromF32, fromDiffusers] = [0, 0];
      for (const [i, c] of cases.entries()) {
        const y = await sample(model, c.inputs);
        fromF32 = Math.max(fromF32, assertSame(y, reference[i], `${format} vs f32, ${c.name}`, near[format]));
        fromDiffusers = Math.max(fromDiffusers, assertClose(y, c.expected, near[format], `${format} vs diffusers, ${c.name}`));
      }
      console.log(`# ${format}: max relative error ${fromF32.toExponential(2)} from the f32 build, ${fromDiffusers.toExponential(2)} from diffusers`);
      assert.ok(fromF32 > 1e-6, `${format}: the weights really are rounded`);
    } finally {
      model.dispose();
    }
  }
});

test('a caption cut to 32 tokens, its mask with it, gives the 120-token result', async () => {
  const full = feed('dpm_20step_cfg45_negative', 'transformer_0', f32.inputs);
  const mask = full.encoder_attention_mask.data as Float32Array;
  assert.ok(mask.every((m, i) => m === 0 || i % 120 < 32), 'both prompts fit in 32 tokens');
  const cut = (t: Tensor, width: number): Tensor => {
    const [rows, tokens] = t.shape;
    const data = new Float32Array(rows * 32 * width);
    for (let r = 0; r < rows; r++) data.set((t.data as Float32Array).subarray(r * tokens * width, (r * tokens + 32) * width), r * 32 * width);
    return { type: 'f32', shape: [rows, 32, width].slice(0, t.shape.length), data };
  };
  const short = { ...full, encoder_hidden_states: cut(full.encoder_hidden_states, 32), encoder_attention_mask: cut(full.encoder_attention_mask, 1) };
  console.log(`# 32 tokens vs 120: ${assertSame(await sample(f32, short), await sample(f32, full), '32 vs 120 tokens', 1e-5).toExponential(2)}`);
});

test('the pipeline runs the built transformer in place of the ONNX one, reproducing diffusers\' latents and images', async () => {
  const folder = join(scratch, 'pipeline-folder');
  mkdirSync(folder);
  for (const entry of readdirSync(tinyModelDir)) if (entry !== 'transformer') symlinkSync(join(tinyModelDir, entry), join(folder, entry));
  symlinkSync(join(scratch, 'tiny-f32'), join(folder, 'transformer'));
  for (const c of listCases().filter((k) => ['lcm_2step_binning_600x1000', 'lcm_4step_nonsquare_128x192', 'dpm_4step_cfg45_empty_negative'].includes(k.name))) {
    const pipeline = await PixArtPipeline.load(folder, engine, { precision: 'f32', schedulerConfigFile: caseFile(c, 'scheduler_config.json') });
    try {
      console.log(`# pipeline with the built transformer, ${await checkCase(pipeline, c)}`);
    } finally {
      pipeline.dispose();
    }
  }
});

/** get_2d_sincos_pos_embed as diffusers computes it: the grid in float32, the rest in float64. */
function positionReference(gh: number, gw: number, dim: number, base: number, scale: number): Float64Array {
  const f = Math.fround;
  const q = dim / 4;
  const coordinate = (i: number, n: number) => f(f(i / f(n / base)) / f(scale));
  const out = new Float64Array(gh * gw * dim);
  for (let i = 0; i < gh; i++) for (let j = 0; j < gw; j++) for (let k = 0; k < q; k++) {
    const omega = 1 / 10000 ** (k / q);
    const [x, y, o] = [coordinate(j, gw) * omega, coordinate(i, gh) * omega, (i * gw + j) * dim];
    [out[o + k], out[o + q + k], out[o + 2 * q + k], out[o + 3 * q + k]] = [Math.sin(x), Math.cos(x), Math.sin(y), Math.cos(y)];
  }
  return out;
}

/** get_timestep_embedding(t, 256, flip_sin_to_cos=True, downscale_freq_shift=0): torch's float32 products, their exact cos ‖ sin. */
function timestepReference(ts: number[]): Float64Array {
  const ln = Math.fround(-Math.log(10000));
  const out = new Float64Array(ts.length * 256);
  ts.forEach((t, r) => {
    for (let k = 0; k < 128; k++) {
      const arg = Math.fround(t * Math.fround(Math.exp(Math.fround(Math.fround(ln * k) / 128))));
      [out[r * 256 + k], out[r * 256 + 128 + k]] = [Math.cos(arg), Math.sin(arg)];
    }
  });
  return out;
}

test('the position and timestep embeddings computed in the graph (float32) stay near diffusers\' float64 / exact ones', async () => {
  // base size and interpolation scale: α/Σ 1024 (64, 2), Σ 512 (32, 1), and 1024 latents at scale 1
  const scales = [[64, 2], [32, 1], [64, 1]];
  const g = new IrGraph('embeddings', join(scratch, 'embeddings.bin'));
  const shape = g.op('ShapeOf', [g.parameter('latents', 'f32', [1, 1, -1, -1])], { output_type: 'i64' });
  const dim = (axis: number) => g.op('Gather', [shape, g.i64([axis]), g.i64([0], [])], { batch_dims: 0 });
  for (const [base, scale] of scales) g.output(sincosPositionEmbedding(g, dim(2), dim(3), 1152, base, scale), `pos_${base}_${scale}`);
  g.output(timestepProjection(g, g.parameter('t', 'f32', [-1])), 'time');
  g.finish(join(scratch, 'embeddings.xml'));
  const model = await engine.compileModel(join(scratch, 'embeddings.xml'), F32);
  const ts = [0, 1, 250, 999, 768, 1280, 0.625];
  let [position, time] = [0, 0];
  try {
    for (const [gh, gw] of [[64, 64], [8, 8], [48, 80], [128, 128], [40, 96]]) {
      const out = await model.infer({ latents: { type: 'f32', shape: [1, 1, gh, gw], data: new Float32Array(gh * gw) }, t: { type: 'f32', shape: [ts.length], data: Float32Array.from(ts) } });
      for (const [base, scale] of scales) {
        assert.deepEqual(out[`pos_${base}_${scale}`].shape, [1, gh * gw, 1152]);
        position = Math.max(position, maxAbs(out[`pos_${base}_${scale}`].data as Float32Array, positionReference(gh, gw, 1152, base, scale)));
      }
      time = Math.max(time, maxAbs(out.time.data as Float32Array, timestepReference(ts)));
    }
  } finally {
    model.dispose();
  }
  console.log(`# position embedding (1152 wide, grids 8² to 128²): max abs error ${position.toExponential(2)}; timestep projection ${time.toExponential(2)}`);
  assert.ok(position < 1e-5, `position embedding: ${position}`);
  assert.ok(time < 1e-6, `timestep projection: ${time}`);
});

const tinyConfig = JSON.parse(readFileSync(join(tiny, 'config.json'), 'utf8')) as Record<string, unknown>;

/** A transformer folder: the tiny config with `changes`, the tiny weights without those `drop` matches, each kept one through `edit`. */
function variant(name: string, changes: Record<string, unknown>, drop?: RegExp, edit?: (name: string, data: Float32Array) => void): string {
  const dir = join(scratch, 'variants', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...tinyConfig, ...changes }));
  const target = join(dir, 'diffusion_pytorch_model.safetensors');
  if (!drop && !edit) {
    copyFileSync(WEIGHTS, target);
    return dir;
  }
  const bytes = readFileSync(WEIGHTS);
  const header: Record<string, unknown> = {};
  const parts: Buffer[] = [];
  for (const t of readHeader(WEIGHTS).filter((t) => !drop?.test(t.name))) {
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + t.offset, bytes.byteOffset + t.offset + t.byteLength));
    edit?.(t.name, data);
    const offset = parts.reduce((n, p) => n + p.length, 0);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.byteLength] };
    parts.push(Buffer.from(data.buffer));
  }
  const json = Buffer.from(JSON.stringify(header));
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(target, Buffer.concat([size, json, ...parts]));
  return dir;
}

/** Builds `dir` into a fresh folder and expects `error`; nothing may be left where the model would have gone. */
async function refused(dir: string, error: RegExp, options: Partial<TransformerBuildOptions> = {}): Promise<void> {
  const out = join(dir, 'built');
  await assert.rejects(buildPixArtTransformer(dir, out, { weights: 'f32', ...options }), error);
  assert.deepEqual(existsSync(out) ? readdirSync(out) : [], [], `nothing is left in ${out}`);
}

test('config values this builder does not implement, or out of bounds, are refused naming the file and field', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ norm_type: 'ada_norm_zero' }, /"norm_type" = "ada_norm_zero" is not implemented/],
    [{ activation_fn: 'geglu' }, /"activation_fn" = "geglu" is not implemented/],
    [{ norm_elementwise_affine: true }, /"norm_elementwise_affine" = true is not implemented/],
    [{ num_attention_heads: 0 }, /"num_attention_heads" must be a whole number from 1 to 64/],
    [{ attention_head_dim: 1e9 }, /"attention_head_dim" must be a whole number from 1 to 256/],
    [{ num_layers: 1000 }, /"num_layers" must be a whole number from 1 to 128/],
    [{ sample_size: 4096 }, /"sample_size" must be a whole number from 1 to 512/],
    [{ patch_size: 0.5 }, /"patch_size" must be a whole number/],
    [{ in_channels: 'four' }, /"in_channels" must be a whole number/],
    [{ caption_channels: null }, /"caption_channels" must be a whole number .*no caption projection, is not implemented/],
    [{ cross_attention_dim: 32 }, /"cross_attention_dim" = 32 must equal num_attention_heads × attention_head_dim \(24\)/],
    [{ interpolation_scale: -1 }, /"interpolation_scale" must be a number above 0/],
    [{ norm_eps: 'tiny' }, /"norm_eps" must be a number above 0/],
    [{ use_additional_conditions: 'yes' }, /"use_additional_conditions" must be true, false or null/],
    [{ num_attention_heads: 5, cross_attention_dim: 40 }, /with use_additional_conditions, num_attention_heads × attention_head_dim = 40 must be a multiple of 3/],
    [{ _class_name: 'UNet2DConditionModel' }, /"_class_name" is "UNet2DConditionModel", not PixArtTransformer2DModel/],
  ];
  for (const [i, [changes, error]] of cases.entries()) {
    const dir = variant(`config-${i}`, changes);
    await refused(dir, new RegExp(`${join(dir, 'config.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${error.source}`));
  }
});

test('weights that do not fit the config, or that it leaves unused, are refused by name mid-build, leaving nothing', async () => {
  await refused(variant('caption-16', { caption_channels: 16 }), /caption_projection\.linear_1\.weight is \[24, 32\], but config\.json \(caption_channels.*\) makes it \[24, 16\]/);
  await refused(variant('patch-4', { patch_size: 4 }), /pos_embed\.proj\.weight is \[24, 4, 2, 2\], but config\.json .* makes it \[24, 4, 4, 4\]/);
  await refused(variant('no-proj-out-bias', {}, /^proj_out\.bias$/), /the checkpoint has no tensor proj_out\.bias/);
  await refused(variant('no-attention-bias', { attention_bias: false }), /attn1\.to_q\.bias is in the checkpoint, but config\.json says attention_bias is false/);
  await refused(variant('no-conditions', { use_additional_conditions: false }), /tensors a PixArtTransformer2DModel of this config\.json does not \(adaln_single\.emb\.aspect_ratio_embedder\.linear_1\.bias, .* and 3 more\)/);
});

test('without additional conditions (PixArt-Σ) it builds no resolution/aspect-ratio ports and computes α with those embeddings zeroed', async () => {
  const sizeEmbedders = /^adaln_single\.emb\.(resolution|aspect_ratio)_embedder\./;
  const zeroed = variant('alpha-zero-sizes', {}, undefined, (name, data) => sizeEmbedders.test(name) && name.includes('linear_2') && data.fill(0));
  const sigma = variant('sigma', { use_additional_conditions: false, interpolation_scale: 2 }, sizeEmbedders);
  const progress: number[][] = [];
  const r = await buildPixArtTransformer(sigma, join(sigma, 'built'), { weights: 'f32', onProgress: (done, total) => progress.push([done, total]) });
  assert.equal(r.tensors, 57);
  assert.equal(progress.length, 3, 'a report after each of the 2 blocks and at the end');
  assert.ok(progress.every(([done, total], i) => total === 57 && done > (progress[i - 1]?.[0] ?? 0)), 'tensors written so far, rising');
  assert.deepEqual(progress.at(-1), [57, 57]);
  await buildPixArtTransformer(zeroed, join(zeroed, 'built'), { weights: 'f32' });
  const [s, a] = [await engine.compileModel(join(sigma, 'built', 'openvino_model.xml'), F32), await engine.compileModel(join(zeroed, 'built', 'openvino_model.xml'), F32)];
  try {
    assert.deepEqual(s.inputs.map((p) => p.name), ['hidden_states', 'timestep', 'encoder_hidden_states', 'encoder_attention_mask']);
    const inputs = feed('lcm_4step_nonsquare_128x192', 'transformer_1', a.inputs);
    const { resolution: _r, aspect_ratio: _a, ...plain } = inputs;
    console.log(`# Σ config vs α with zeroed size embeddings: ${assertSame(await sample(s, plain), await sample(a, inputs), 'Σ vs α', 1e-6).toExponential(2)}`);
  } finally {
    s.dispose();
    a.dispose();
  }
});

test('a cancelled build rejects with the signal\'s reason and leaves nothing; a build never replaces a model', async () => {
  const dir = variant('cancel', {});
  const controller = new AbortController();
  await refused(dir, /AbortError|aborted/, { signal: controller.signal, onProgress: () => controller.abort() });
  await refused(dir, /AbortError|aborted/, { signal: AbortSignal.abort() });
  for (const name of ['openvino_model.xml', 'config.json']) {
    const out = join(dir, `taken-${name}`);
    mkdirSync(out);
    writeFileSync(join(out, name), 'mine');
    await assert.rejects(buildPixArtTransformer(dir, out, { weights: 'f32' }), new RegExp(`${name.replace('.', '\\.')} exists; the builder never replaces a model`));
    assert.deepEqual(readdirSync(out), [name], 'no temporary files are left');
    assert.equal(readFileSync(join(out, name), 'utf8'), 'mine');
  }
});
