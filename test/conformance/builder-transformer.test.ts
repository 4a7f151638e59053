// The PixArt transformer builder on the real runtime: the tiny diffusers checkpoint built in f32
// reproduces every transformer call of the diffusers cases (several latent sizes and batches, one
// dynamic model), beside the static ONNX fixtures on the same inputs; f16/bf16 builds stay near it;
// a caption cut to 32 tokens gives the 120-token result; the in-graph position and timestep
// embeddings match float64 references; and bad configs, cancels and failures leave nothing behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPixArtTransformer, type TransformerBuildOptions } from '../../src/builder/pixart-transformer';
import { sincosPositionEmbedding, timestepProjection } from '../../src/builder/pixart-embeddings';
import { IrGraph } from '../../src/builder/ir-graph';
import { readHeader } from '../../src/builder/safetensors';
import type { CompiledModel, Tensor } from '../../src/engine/types';
import { engineUnderTest } from '../support/engines';
import { F32, feed, fixture, scratchDir, staticTransformer } from '../support/engine-conformance';
import { casesDir, fixturesDir } from '../support/paths';

const engine = engineUnderTest();
after(() => engine.dispose());
const scratch = scratchDir();
const tiny = join(fixturesDir, 'pixart-tiny-diffusers', 'transformer');
const WEIGHTS = join(tiny, 'diffusion_pytorch_model.safetensors');

/** max |a − b| / max |b|. */
function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

interface Call {
  name: string;
  latent: string;
  inputs: Record<string, Tensor>;
  expected: Float32Array;
}

/** Every transformer call of every case, its inputs cast as the built model declares them. */
function calls(model: CompiledModel): Call[] {
  return readdirSync(casesDir).sort().flatMap((c) => {
    const steps = readdirSync(join(casesDir, c)).filter((f) => /^transformer_\d+_output\.npy$/.test(f)).length;
    return Array.from({ length: steps }, (_, i) => {
      const inputs = feed(c, `transformer_${i}`, model.inputs);
      const [, , h, w] = inputs.hidden_states.shape;
      return { name: `${c} #${i}`, latent: `${h}x${w}`, inputs, expected: fixture(c, `transformer_${i}_output`).data as Float32Array };
    });
  });
}

const built = new Map<string, Promise<{ xml: string; weightBytes: number }>>();
/** The tiny checkpoint built once per weight format. */
function build(weights: TransformerBuildOptions['weights']): Promise<{ xml: string; weightBytes: number }> {
  let b = built.get(weights);
  if (!b) {
    const out = join(scratch, `tiny-${weights}`);
    b = buildPixArtTransformer(tiny, out, { weights }).then((r) => ({ xml: join(out, 'openvino_model.xml'), weightBytes: r.weightBytes }));
    built.set(weights, b);
  }
  return b;
}

const sample = async (model: CompiledModel, inputs: Record<string, Tensor>) => (await model.infer(inputs)).sample.data as Float32Array;

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
  assert.deepEqual(JSON.parse(readFileSync(join(scratch, 'tiny-f32', 'config.json'), 'utf8')), JSON.parse(readFileSync(join(tiny, 'config.json'), 'utf8')));
});

test('the f32 build reproduces every transformer call of the cases, as the static ONNX exports do', async () => {
  const onnx = new Map<string, CompiledModel>();
  const worst = { built: 0, onnx: 0 };
  try {
    for (const call of calls(f32)) {
      if (!onnx.has(call.latent)) onnx.set(call.latent, await engine.compileModel(staticTransformer(call.latent), F32));
      const ours = maxRel(await sample(f32, call.inputs), call.expected);
      const theirs = maxRel(await sample(onnx.get(call.latent)!, call.inputs), call.expected);
      worst.built = Math.max(worst.built, ours);
      worst.onnx = Math.max(worst.onnx, theirs);
      // diffusers' tolerance for an f32 port is 1e-4; the build's own error is ~1e-6.
      assert.ok(ours < 1e-5, `${call.name} (${call.latent}): ${ours} from diffusers (the ONNX export: ${theirs})`);
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
      let fromF32 = 0;
      let fromDiffusers = 0;
      for (const [i, c] of cases.entries()) {
        const y = await sample(model, c.inputs);
        fromF32 = Math.max(fromF32, maxRel(y, reference[i]));
        fromDiffusers = Math.max(fromDiffusers, maxRel(y, c.expected));
      }
      console.log(`# ${format}: max relative error ${fromF32.toExponential(2)} from the f32 build, ${fromDiffusers.toExponential(2)} from diffusers`);
      assert.ok(fromF32 > 1e-6, `${format}: the weights really are rounded`);
      assert.ok(fromF32 < near[format], `${format}: ${fromF32} from f32`);
    } finally {
      model.dispose();
    }
  }
});

test('a caption cut to 32 tokens, its mask with it, gives the 120-token result', async () => {
  const c = 'dpm_20step_cfg45_negative';
  const full = feed(c, 'transformer_0', f32.inputs);
  const mask = full.encoder_attention_mask.data as Float32Array;
  assert.ok(mask.subarray(0, 120).every((m, i) => m === 0 || i < 32) && mask.subarray(120).every((m, i) => m === 0 || i < 32), 'both prompts fit in 32 tokens');
  const cut = (t: Tensor, width: number): Tensor => {
    const [rows, tokens] = t.shape;
    const data = new Float32Array(rows * 32 * width);
    for (let r = 0; r < rows; r++) data.set((t.data as Float32Array).subarray(r * tokens * width, (r * tokens + 32) * width), r * 32 * width);
    return { type: 'f32', shape: t.shape.length === 3 ? [rows, 32, width] : [rows, 32], data };
  };
  const short = { ...full, encoder_hidden_states: cut(full.encoder_hidden_states, 32), encoder_attention_mask: cut(full.encoder_attention_mask, 1) };
  const diff = maxRel(await sample(f32, short), await sample(f32, full));
  console.log(`# 32 tokens vs 120: ${diff.toExponential(2)}`);
  assert.ok(diff < 1e-5, `${diff}`);
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

/** Base size and interpolation scale: α/Σ 1024 (64, 2), Σ 512 (32, 1), and 1024 latents at scale 1. */
const SCALES = [[64, 2], [32, 1], [64, 1]];

test('the position embedding computed in the graph (float32) stays within 1e-5 of diffusers\' float64 one', async () => {
  const g = new IrGraph('positions', join(scratch, 'positions.bin'));
  const latents = g.parameter('latents', 'f32', [1, 1, -1, -1]);
  const shape = g.op('ShapeOf', [latents], { output_type: 'i64' });
  const dim = (axis: number) => g.op('Gather', [shape, g.i64([axis]), g.i64([0], [])], { batch_dims: 0 });
  for (const [base, interpolation] of SCALES) {
    g.output(sincosPositionEmbedding(g, dim(2), dim(3), 1152, base, interpolation), `pos_${base}_${interpolation}`);
  }
  g.finish(join(scratch, 'positions.xml'));
  const model = await engine.compileModel(join(scratch, 'positions.xml'), F32);
  try {
    for (const [gh, gw] of [[64, 64], [8, 8], [48, 80], [128, 128], [40, 96]]) {
      const out = await model.infer({ latents: { type: 'f32', shape: [1, 1, gh, gw], data: new Float32Array(gh * gw) }});
      for (const [base, interpolation] of SCALES) {
        const y = out[`pos_${base}_${interpolation}`];
        assert.deepEqual(y.shape, [1, gh * gw, 1152]);
        const ref = positionReference(gh, gw, 1152, base, interpolation);
        let err = 0;
        for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs((y.data as Float32Array)[i] - ref[i]));
        console.log(`# position embedding ${gh}×${gw}, base ${base}, interpolation ${interpolation}: max abs error ${err.toExponential(2)}`);
        assert.ok(err < 1e-5, `${gh}×${gw}/${base}: ${err}`);
      }
    }
  } finally {
    model.dispose();
  }
});

test('the timestep projection is cos ‖ sin of the float32 products, as exact as float64 sines of them', async () => {
  const g = new IrGraph('timesteps', join(scratch, 'timesteps.bin'));
  g.output(timestepProjection(g, g.parameter('t', 'f32', [-1])), 'y');
  g.finish(join(scratch, 'timesteps.xml'));
  const model = await engine.compileModel(join(scratch, 'timesteps.xml'), F32);
  const ts = [0, 1, 250, 999, 768, 1280, 0.625];
  try {
    const y = (await model.infer({ t: { type: 'f32', shape: [ts.length], data: Float32Array.from(ts) } })).y.data as Float32Array;
    const ln = Math.fround(-Math.log(10000));
    let err = 0;
    ts.forEach((t, r) => {
      for (let k = 0; k < 128; k++) {
        const arg = Math.fround(t * Math.fround(Math.exp(Math.fround(Math.fround(ln * k) / 128))));
        err = Math.max(err, Math.abs(y[r * 256 + k] - Math.cos(arg)), Math.abs(y[r * 256 + 128 + k] - Math.sin(arg)));
      }
    });
    console.log(`# timestep projection: max abs error ${err.toExponential(2)}`);
    assert.ok(err < 1e-6, `${err}`);
  } finally {
    model.dispose();
  }
});

const tinyConfig = JSON.parse(readFileSync(join(tiny, 'config.json'), 'utf8')) as Record<string, unknown>;

/**
 * A transformer folder: the tiny config with `changes`, and the tiny weights without the tensors
 * `drop` matches, each kept one passed through `edit`.
 */
function variant(name: string, changes: Record<string, unknown>, drop?: RegExp, edit?: (name: string, data: Float32Array) => void): string {
  const dir = join(scratch, 'variants', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...tinyConfig, ...changes }));
  if (!drop && !edit) {
    copyFileSync(WEIGHTS, join(dir, 'diffusion_pytorch_model.safetensors'));
    return dir;
  }
  const bytes = readFileSync(WEIGHTS);
  const kept = readHeader(WEIGHTS).filter((t) => !drop?.test(t.name));
  const header: Record<string, unknown> = {};
  const parts: Buffer[] = [];
  let offset = 0;
  for (const t of kept) {
    assert.equal(t.dtype, 'F32');
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + t.offset, bytes.byteOffset + t.offset + t.byteLength));
    edit?.(t.name, data);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.byteLength] };
    parts.push(Buffer.from(data.buffer));
    offset += t.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header));
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(join(dir, 'diffusion_pytorch_model.safetensors'), Buffer.concat([size, json, ...parts]));
  return dir;
}

/** Builds `dir` into a fresh folder and expects `error`; nothing may be left where the model would have gone. */
async function refused(dir: string, error: RegExp, options: Partial<TransformerBuildOptions> = {}): Promise<void> {
  const out = join(dir, 'built');
  await assert.rejects(buildPixArtTransformer(dir, out, { weights: 'f32', ...options }), error);
  assert.ok(!existsSync(out), `${out} is left behind`);
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
  assert.deepEqual(progress.at(-1), [57, 57], 'progress ends at every tensor read');
  assert.ok(progress.every(([d], i) => d === i + 1), 'one report per tensor');
  await buildPixArtTransformer(zeroed, join(zeroed, 'built'), { weights: 'f32' });
  const [s, a] = [await engine.compileModel(join(sigma, 'built', 'openvino_model.xml'), F32), await engine.compileModel(join(zeroed, 'built', 'openvino_model.xml'), F32)];
  try {
    assert.deepEqual(s.inputs.map((p) => p.name), ['hidden_states', 'timestep', 'encoder_hidden_states', 'encoder_attention_mask']);
    const inputs = feed('lcm_4step_nonsquare_128x192', 'transformer_1', a.inputs);
    const { resolution: _r, aspect_ratio: _a, ...plain } = inputs;
    const diff = maxRel(await sample(s, plain), await sample(a, inputs));
    console.log(`# Σ config vs α with zeroed size embeddings: ${diff.toExponential(2)}`);
    assert.ok(diff < 1e-6, `${diff}`);
  } finally {
    s.dispose();
    a.dispose();
  }
});

test('a cancelled build rejects with the signal\'s reason and leaves nothing; a build never overwrites', async () => {
  const dir = variant('cancel', {});
  const controller = new AbortController();
  await refused(dir, /AbortError|aborted/, { signal: controller.signal, onProgress: (done) => done === 3 && controller.abort() });
  await refused(dir, /AbortError|aborted/, { signal: AbortSignal.abort() });

  const out = join(dir, 'taken');
  mkdirSync(out);
  writeFileSync(join(out, 'openvino_model.xml'), 'mine');
  await assert.rejects(buildPixArtTransformer(dir, out, { weights: 'f32' }), /openvino_model\.xml already exists: remove it, or build into an empty folder/);
  assert.equal(readFileSync(join(out, 'openvino_model.xml'), 'utf8'), 'mine');
  assert.deepEqual(readdirSync(out), ['openvino_model.xml'], 'no temporary files are left');

  const other = join(dir, 'other-config');
  mkdirSync(other);
  writeFileSync(join(other, 'config.json'), '{}');
  await assert.rejects(buildPixArtTransformer(dir, other, { weights: 'f32' }), /config\.json already exists and is not the checkpoint's config\.json/);
  assert.deepEqual(readdirSync(other), ['config.json']);
});
