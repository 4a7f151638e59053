// The T5 builder on the real runtime: the tiny T5 built from the diffusers checkpoint reproduces
// the fixture cases (diffusers/transformers, f32) as closely as the ONNX fixture does; at a shorter
// dynamic token length the prompt's own positions are those of the 120-token run; the relative
// position buckets are transformers' at every distance; each weight format builds and runs.
// The ReLU variant, refusals and cancel: builder-t5-variants.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { buildT5Encoder, type T5WeightFormat } from '../../src/builder/t5-encoder';
import { relativePositionBucket, relativePositionBuckets } from '../../src/builder/t5-position-bias';
import { IrGraph } from '../../src/builder/ir-graph';
import type { CompiledModel, Tensor } from '../../src/engine/types';
import { fitTokens, runLength, tokensUsed } from '../../src/pipeline/token-axis';
import { caseFile, listCases } from '../support/cases';
import { readNpy } from '../support/npy';
import { fixturesDir, tinyModelDir } from '../support/paths';
import { maxRelError } from '../support/compare';
import { engineUnderTest } from '../support/engines';

const engine = engineUnderTest();
const source = join(fixturesDir, 'pixart-tiny-diffusers', 'text_encoder');
const scratch = mkdtempSync(join(tmpdir(), 'pixart-builder-t5-'));
after(() => {
  engine.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

/** Every text-encoder call of every case: its inputs and diffusers' output. */
const calls = listCases().flatMap((c) => [0, 1].filter((i) => existsSync(caseFile(c, `text_encoder_${i}_input_ids.npy`))).map((i) => {
  const npy = (what: string) => readNpy(caseFile(c, `text_encoder_${i}_${what}.npy`));
  const [ids, mask, want] = [npy('input_ids'), npy('attention_mask'), npy('last_hidden_state')];
  const i64 = (a: typeof ids): Tensor => ({ type: 'i64', shape: a.shape, data: a.data as BigInt64Array });
  return { name: `${c.name} #${i}`, ids: i64(ids), mask: i64(mask), want: want.data as Float32Array, shape: want.shape };
}));

/** The values of a [rows, tokens, width] array at the tokens whose mask is 1. */
function atPrompt(a: Float32Array, mask: BigInt64Array, width: number): Float32Array {
  return a.filter((_, i) => mask[Math.floor(i / width)] === 1n);
}

async function build(format: T5WeightFormat, from = source): Promise<string> {
  const out = join(scratch, `${format}-${readdirSync(scratch).length}`);
  await buildT5Encoder(from, out, { weights: format });
  return join(out, 'openvino_model.xml');
}

async function run(model: CompiledModel, ids: Tensor, mask: Tensor): Promise<Tensor> {
  return (await model.infer({ input_ids: ids, attention_mask: mask })).last_hidden_state;
}

describe('the tiny T5 built in f32', () => {
  let built: CompiledModel;
  let onnx: CompiledModel;
  before(async () => {
    built = await engine.compileModel(await build('f32'), { precision: 'f32' });
    onnx = await engine.compileModel(join(tinyModelDir, 'text_encoder', 'model.onnx'), { precision: 'f32' });
  });
  after(() => {
    built.dispose();
    onnx.dispose();
  });

  test('has the ports of the converted model: batch and token axis dynamic', () => {
    assert.deepEqual(built.inputs, [{ name: 'input_ids', type: 'i64', shape: [-1, -1] }, { name: 'attention_mask', type: 'i64', shape: [-1, -1] }]);
    assert.deepEqual(built.outputs, [{ name: 'last_hidden_state', type: 'f32', shape: [-1, -1, 32] }]);
  });

  test('reproduces every case\'s text encoder output as closely as the ONNX fixture', async () => {
    const lines: string[] = [];
    for (const c of calls) {
      const got = await run(built, c.ids, c.mask);
      assert.deepEqual(got.shape, c.shape);
      const ours = maxRelError(got.data as Float32Array, c.want);
      const bar = maxRelError((await run(onnx, c.ids, c.mask)).data as Float32Array, c.want);
      lines.push(`${c.name}: built ${ours.toExponential(2)}, ONNX ${bar.toExponential(2)}`);
      assert.ok(ours <= Math.max(2 * bar, 1e-6), `${c.name}: ${ours} from diffusers, the ONNX fixture ${bar}`);
    }
    console.log(`# max relative error vs diffusers:\n#   ${lines.join('\n#   ')}`);
  });

  test('at the pipeline\'s shorter token length, the prompt\'s own positions are those of the 120-token run', async () => {
    let worst = 0;
    for (const c of calls) {
      const length = runLength(-1, tokensUsed(c.mask), 120);
      const full = await run(built, c.ids, c.mask);
      const short = await run(built, fitTokens(c.ids, length), fitTokens(c.mask, length));
      const [rows, , width] = c.shape;
      assert.deepEqual(short.shape, [rows, length, width]);
      const cut = fitTokens(full, length).data as Float32Array;
      const mask = fitTokens(c.mask, length).data as BigInt64Array;
      const err = maxRelError(atPrompt(short.data as Float32Array, mask, width), atPrompt(cut, mask, width));
      worst = Math.max(worst, err);
      assert.ok(err < 1e-5, `${c.name} at ${length} tokens: ${err}`);
    }
    console.log(`# shorter token lengths: max relative difference ${worst.toExponential(2)} at the prompts' positions`);
  });
});

describe('relative position buckets', () => {
  const defaults = { numBuckets: 32, maxDistance: 128 };

  test('follow transformers\' _relative_position_bucket, float32 truncation included', () => {
    // exact below 8; then 8 + trunc(2·log2(d/8)) (log(d/8)/log(16)·8), at most 15; +16 for keys after the query
    const expected = (d: number) => (d > 0 ? 16 : 0) + (Math.abs(d) < 8 ? Math.abs(d) : Math.min(15, 8 + Math.floor(2 * Math.log2(Math.abs(d) / 8) + 1e-9)));
    for (let d = -1000; d <= 1000; d++) assert.equal(relativePositionBucket(d, defaults), expected(d), `distance ${d}`);
    // where 2·log2(d/8) is whole the float32 steps land exactly on it (torch gives these: the cases' outputs depend on them)
    assert.deepEqual([16, 32, 64, 128].map((d) => relativePositionBucket(-d, defaults)), [10, 12, 14, 15]);
  });

  test('the graph computes them from the token length, at f32 and at bf16', async () => {
    const g = new IrGraph('buckets', join(scratch, 'buckets.bin'));
    const ids = g.parameter('input_ids', 'i64', [-1, -1]);
    const length = g.op('Gather', [g.op('ShapeOf', [ids], { output_type: 'i64' }), g.i64([1], []), g.i64([0], [])], { batch_dims: 0 });
    g.output(g.op('Convert', [relativePositionBuckets(g, length, defaults)], { destination_type: 'f32' }), 'buckets');
    g.finish(join(scratch, 'buckets.xml'));
    for (const precision of ['f32', 'bf16'] as const) {
      const model = await engine.compileModel(join(scratch, 'buckets.xml'), { precision });
      for (const T of [1, 16, 700]) {
        const out = (await model.infer({ input_ids: { type: 'i64', shape: [1, T], data: new BigInt64Array(T) } })).buckets;
        assert.deepEqual(out.shape, [T, T]);
        for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) assert.equal(out.data[i * T + j], relativePositionBucket(j - i, defaults), `${precision}, ${T} tokens, query ${i}, key ${j}`);
      }
      model.dispose();
    }
  });
});

describe('weight formats', () => {
  const outputs = new Map<T5WeightFormat, Float32Array[]>();
  const xml = new Map<T5WeightFormat, string>();
  before(async () => {
    for (const format of ['f32', 'f16', 'int8', 'int4'] as const) {
      xml.set(format, await build(format));
      // compiled as the pipeline compiles (dynamic quantization of activations left on)
      const model = await engine.compileModel(xml.get(format)!, { precision: 'f32' });
      const ys: Float32Array[] = [];
      for (const c of calls) ys.push((await run(model, c.ids, c.mask)).data as Float32Array);
      outputs.set(format, ys);
      model.dispose();
    }
  });

  test('each builds and runs near the f32 model, and is stored as it says', () => {
    // measured on the tiny model (d_model 32): f16 ≤ 1.2e-3, int8 ≤ 4.5e-2, int4 ≤ 0.46
    const near: Record<T5WeightFormat, number> = { f32: 0, f16: 3e-3, int8: 8e-2, int4: 0.7 };
    const lines: string[] = [];
    for (const [format, ys] of outputs) {
      const drift = Math.max(...ys.map((y, i) => maxRelError(y, outputs.get('f32')![i])));
      const bytes = readFileSync(xml.get(format)!.replace(/xml$/, 'bin')).length;
      lines.push(`${format}: ${drift.toExponential(2)} from f32, ${bytes} bytes`);
      assert.ok(drift <= near[format], `${format}: ${drift} from f32`);
      if (format !== 'f32') assert.ok(drift > 1e-7, `${format}: the weights really are stored in ${format}`);
    }
    console.log(`# weight formats, max relative difference over the cases: ${lines.join('; ')}`);
  });

  test('int4 keeps the embedding and the last linear layer in int8, as NNCF\'s default', () => {
    const types = new Map([...readFileSync(xml.get('int4')!, 'utf8').matchAll(/name="([^"]+)" type="Const" version="opset1">\s*<data element_type="(\w+)"/g)].map((m) => [m[1], m[2]]));
    assert.equal(types.get('shared.weight'), 'u8');
    assert.equal(types.get('encoder.block.1.layer.1.DenseReluDense.wo.weight'), 'u8');
    for (const name of ['encoder.block.0.layer.0.SelfAttention.q.weight', 'encoder.block.0.layer.1.DenseReluDense.wo.weight', 'encoder.block.1.layer.1.DenseReluDense.wi_1.weight']) assert.equal(types.get(name), 'u4', name);
    assert.equal(types.get('encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight'), 'f32');
  });
});
