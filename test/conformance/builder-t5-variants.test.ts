// The T5 builder on what no fixture case covers: the original T5's ReLU feed-forward, against a
// float64 T5EncoderModel written here from modeling_t5.py (itself checked against the fixture
// cases); config values and checkpoints that do not fit, refused naming the file, the field or the
// tensor; and a build that fails, is cancelled or would replace a model leaves nothing.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { buildT5Encoder } from '../../src/builder/t5-encoder';
import { relativePositionBucket } from '../../src/builder/t5-position-bias';
import { Checkpoint } from '../../src/builder/safetensors';
import { caseFile, listCases } from '../support/cases';
import { readNpy } from '../support/npy';
import { fixturesDir } from '../support/paths';
import { maxRelError } from '../support/compare';
import { engineUnderTest } from '../support/engines';

const engine = engineUnderTest();
const source = join(fixturesDir, 'pixart-tiny-diffusers', 'text_encoder');
const scratch = mkdtempSync(join(tmpdir(), 'pixart-builder-t5-variants-'));
after(() => {
  engine.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

/** Writes tensors as a safetensors file (F32). */
function writeSafetensors(file: string, tensors: Record<string, { shape: number[]; data: Float32Array }>): void {
  let offset = 0;
  const header: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(file, Buffer.concat([length, json, ...Object.values(tensors).map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))]));
}

/** A text_encoder folder with the fixture's config changed by `config` and its tensors by `tensors`. */
function variant(name: string, config: Record<string, unknown>, tensors: (all: Map<string, { shape: number[]; data: Float32Array }>) => void = () => {}): string {
  const dir = join(scratch, `variant-${name}`);
  cpSync(source, dir, { recursive: true });
  const cfg = { ...JSON.parse(readFileSync(join(source, 'config.json'), 'utf8')), ...config };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
  const ckpt = Checkpoint.open(source);
  const all = new Map(ckpt.names().map((n) => [n, { shape: ckpt.info(n).shape, data: Float32Array.from(ckpt.readF32(n)) }]));
  ckpt.close();
  tensors(all);
  for (const f of readdirSync(dir)) if (f.startsWith('model')) rmSync(join(dir, f));
  writeSafetensors(join(dir, 'model.safetensors'), Object.fromEntries(all));
  return dir;
}

describe('refusals and clean-up', () => {
  const refuses = async (dir: string, pattern: RegExp) => {
    const out = join(scratch, `refused-${readdirSync(scratch).length}`);
    await assert.rejects(buildT5Encoder(dir, out, { weights: 'int8' }), pattern);
    assert.ok(!existsSync(out) || readdirSync(out).length === 0, `${out} is left empty: ${existsSync(out) ? readdirSync(out).join(', ') : ''}`);
  };

  test('config values that size something are bounded, naming the file and the field', async () => {
    await refuses(variant('heads', { num_heads: 0 }), /config\.json: "num_heads" must be a whole number from 1 to 256, found 0/);
    await refuses(variant('layers', { num_layers: 1e9 }), /config\.json: "num_layers" must be a whole number from 1 to 128/);
    await refuses(variant('distance', { relative_attention_max_distance: 8 }), /config\.json: "relative_attention_max_distance" must be a whole number from 9 to 65536, found 8/);
    await refuses(variant('eps', { layer_norm_epsilon: -1 }), /config\.json: "layer_norm_epsilon" must be a number above 0/);
    await refuses(variant('act', { feed_forward_proj: 'gated-silu' }), /config\.json: "feed_forward_proj" "gated-silu" is not supported; the builder makes "gated-gelu" and "relu"/);
  });

  test('a checkpoint that does not match its config is refused naming the tensor, and leaves nothing', async () => {
    await refuses(variant('width', { d_model: 48 }), /shared\.weight is \[3100, 32\], but config\.json describes \[\?, 48\]/);
    await refuses(variant('more-layers', { num_layers: 3 }), /no tensor encoder\.block\.2\./);
    await refuses(variant('fewer-layers', { num_layers: 1 }), /encoder tensors its config\.json does not account for \(encoder\.block\.1\./);
    await refuses(variant('no-embedding', {}, (all) => all.delete('shared.weight')), /no input embedding \(shared\.weight or encoder\.embed_tokens\.weight\)/);
  });

  test('never replaces a model, and a cancelled build leaves nothing', async () => {
    const out = join(scratch, 'taken');
    const reported: string[] = [];
    await buildT5Encoder(source, out, { weights: 'f32', onProgress: (done, total) => reported.push(`${done}/${total}`) });
    assert.deepEqual(reported, Array.from({ length: 22 }, (_, i) => `${i}/21`), 'progress: before each of the 21 tensors, and when all are written');
    await assert.rejects(buildT5Encoder(source, out, { weights: 'f32' }), /openvino_model\.xml exists; the builder never replaces a model/);
    const cancelled = join(scratch, 'cancelled');
    const controller = new AbortController();
    const seen: number[] = [];
    const onProgress = (done: number, total: number) => {
      seen.push(done);
      assert.equal(total, 21);
      if (seen.length === 2) controller.abort();
    };
    await assert.rejects(buildT5Encoder(source, cancelled, { weights: 'f32', signal: controller.signal, onProgress }), { name: 'AbortError' });
    assert.deepEqual(readdirSync(cancelled), [], 'no file is left behind, temporary or not');
    assert.ok(seen[1] > seen[0] && seen[1] < 21, `progress before the cancel: ${seen.join(', ')}`);
  });
});

/**
 * T5EncoderModel in float64, written from modeling_t5.py independently of the graph (one row of
 * token ids), for the variant no fixture covers (feed_forward_proj "relu"). Checked against the
 * fixture cases first.
 */
function referenceT5(dir: string, ids: ArrayLike<bigint>, mask: ArrayLike<bigint>): Float64Array {
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const { d_model: D, d_kv: dk, num_heads: H, num_layers: L, layer_norm_epsilon: eps } = cfg;
  const ckpt = Checkpoint.open(dir);
  const w = (n: string) => ckpt.readF32(n);
  const T = ids.length;
  const linear = (x: Float64Array, name: string) => {
    const W = w(name);
    const out = W.length / (x.length / T);
    const inW = x.length / T;
    const y = new Float64Array(T * out);
    for (let t = 0; t < T; t++) for (let o = 0; o < out; o++) {
      let s = 0;
      for (let i = 0; i < inW; i++) s += x[t * inW + i] * W[o * inW + i];
      y[t * out + o] = s;
    }
    return y;
  };
  const rms = (x: Float64Array, name: string) => {
    const g = w(name);
    const y = new Float64Array(x.length);
    for (let t = 0; t < T; t++) {
      let ms = 0;
      for (let d = 0; d < D; d++) ms += x[t * D + d] ** 2 / D;
      for (let d = 0; d < D; d++) y[t * D + d] = (g[d] * x[t * D + d]) / Math.sqrt(ms + eps);
    }
    return y;
  };
  const emb = w('shared.weight');
  let x = new Float64Array(T * D);
  for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) x[t * D + d] = emb[Number(ids[t]) * D + d];
  const table = w('encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight');
  const buckets = { numBuckets: cfg.relative_attention_num_buckets, maxDistance: cfg.relative_attention_max_distance };
  const add = (a: Float64Array, b: Float64Array) => a.map((v, i) => v + b[i]);
  for (let l = 0; l < L; l++) {
    const p = `encoder.block.${l}.layer`;
    const h = rms(x, `${p}.0.layer_norm.weight`);
    const [q, k, v] = ['q', 'k', 'v'].map((n) => linear(h, `${p}.0.SelfAttention.${n}.weight`));
    const ctx = new Float64Array(T * H * dk);
    for (let hd = 0; hd < H; hd++) for (let i = 0; i < T; i++) {
      const s = Array.from({ length: T }, (_, j) => {
        let dot = 0;
        for (let d = 0; d < dk; d++) dot += q[i * H * dk + hd * dk + d] * k[j * H * dk + hd * dk + d];
        return mask[j] ? dot + table[relativePositionBucket(j - i, buckets) * H + hd] : -Infinity;
      });
      const top = Math.max(...s);
      const e = s.map((z) => Math.exp(z - top));
      const sum = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < T; j++) for (let d = 0; d < dk; d++) ctx[i * H * dk + hd * dk + d] += (e[j] / sum) * v[j * H * dk + hd * dk + d];
    }
    x = add(x, linear(ctx, `${p}.0.SelfAttention.o.weight`));
    const f = rms(x, `${p}.1.layer_norm.weight`);
    const act = cfg.feed_forward_proj === 'relu'
      ? linear(f, `${p}.1.DenseReluDense.wi.weight`).map((z) => Math.max(0, z))
      : linear(f, `${p}.1.DenseReluDense.wi_0.weight`).map((z) => 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3))));
    const up = cfg.feed_forward_proj === 'relu' ? undefined : linear(f, `${p}.1.DenseReluDense.wi_1.weight`);
    const gated = up ? act.map((z, i) => z * up[i]) : act;
    x = add(x, linear(gated, `${p}.1.DenseReluDense.wo.weight`));
  }
  const out = rms(x, 'encoder.final_layer_norm.weight');
  ckpt.close();
  return out;
}

test('the original T5\'s ReLU feed-forward ("relu") computes what transformers\' T5DenseActDense does', async () => {
  const c = listCases()[0];
  const npy = (what: string) => readNpy(caseFile(c, `text_encoder_0_${what}.npy`));
  const [ids, mask] = [npy('input_ids'), npy('attention_mask')].map((a) => ({ type: 'i64' as const, shape: [1, 120], data: (a.data as BigInt64Array).subarray(0, 120) }));
  const reference = referenceT5(source, ids.data, mask.data);
  const own = maxRelError(reference, (npy('last_hidden_state').data as Float32Array).subarray(0, reference.length));
  assert.ok(own < 1e-5, `the float64 reference is ${own} from diffusers on ${c.name}`);
  const relu = variant('relu', { feed_forward_proj: 'relu' }, (all) => {
    for (let l = 0; l < 2; l++) {
      const p = `encoder.block.${l}.layer.1.DenseReluDense`;
      all.set(`${p}.wi.weight`, all.get(`${p}.wi_0.weight`)!);
      all.delete(`${p}.wi_0.weight`);
      all.delete(`${p}.wi_1.weight`);
    }
  });
  await buildT5Encoder(relu, join(scratch, 'relu-built'), { weights: 'f32' });
  const model = await engine.compileModel(join(scratch, 'relu-built', 'openvino_model.xml'), { precision: 'f32' });
  const got = (await model.infer({ input_ids: ids, attention_mask: mask })).last_hidden_state.data as Float32Array;
  model.dispose();
  const err = maxRelError(got, referenceT5(relu, ids.data, mask.data));
  console.log(`# relu: ${err.toExponential(2)} from the float64 reference (which is ${own.toExponential(2)} from diffusers with gated-gelu)`);
  assert.ok(err < 1e-5, `relu: ${err}`);
});
