// The builder's core on the real runtime: an IR written by IrGraph loads and runs, and a matrix in
// every weight format computes what its stored values say (the decompression pattern, the u4
// nibble order, f16/bf16 rounding) and stays near the f32 result. Dynamic quantization is off here:
// it rounds the activations of compressed matmuls (~0.5 % relative), which would hide the check.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { IrGraph } from '../../src/builder/ir-graph';
import { compressedMatrix, f16Bits, quantizeAsym, toBf16, type WeightFormat } from '../../src/builder/weights';
import { halfToFloat } from '../../src/builder/safetensors';
import { TorchGenerator } from '../../src/pipeline/random';
import { engineUnderTest } from '../support/engines';
import { maxRelError } from '../support/compare';

const engine = engineUnderTest();
after(() => engine.dispose());
const dir = mkdtempSync(join(tmpdir(), 'pixart-builder-core-'));

const ROWS = 24;
const COLS = 256;
const weights = new TorchGenerator(7n).randn([ROWS, COLS]);
const x = new TorchGenerator(8n).randn([3, COLS]);

/** x · Wᵀ in float64, from the weights a format actually stores. */
function reference(w: ArrayLike<number>): Float64Array {
  const out = new Float64Array(3 * ROWS);
  for (let i = 0; i < 3; i++) for (let r = 0; r < ROWS; r++) {
    let s = 0;
    for (let c = 0; c < COLS; c++) s += x[i * COLS + c] * w[r * COLS + c];
    out[i * ROWS + r] = s;
  }
  return out;
}

/**
 * The values a quantized matrix stands for: (q − zp) · scale, per row and group. The graph's
 * Multiply is f16, but the CPU plugin's fused int8 and int4 kernels compute it in f32 (an f16
 * rounding here would mean the int4 weights were folded to f32 constants, not kept compressed).
 */
function dequantize(bits: 4 | 8, group: number): Float64Array {
  const q = quantizeAsym(weights, ROWS, COLS, group, bits);
  const get = (a: Uint8Array, i: number) => (bits === 8 ? a[i] : (a[i >> 1] >> ((i & 1) * 4)) & 15);
  const out = new Float64Array(ROWS * COLS);
  for (let i = 0; i < out.length; i++) {
    const k = Math.floor(i / COLS) * (COLS / group) + Math.floor((i % COLS) / group);
    const v = (get(q.values, i) - get(q.zeroPoints, k)) * halfToFloat(q.scales[k]);
    out[i] = v;
  }
  return out;
}

async function run(format: WeightFormat): Promise<Float32Array> {
  const g = new IrGraph('linear', join(dir, `${format}.bin`));
  const input = g.parameter('x', 'f32', [-1, COLS]);
  const w = compressedMatrix(g, 'w', weights, ROWS, COLS, format);
  g.output(g.op('MatMul', [input, w], { transpose_a: false, transpose_b: true }), 'y');
  g.finish(join(dir, `${format}.xml`));
  const model = await engine.compileModel(join(dir, `${format}.xml`), { precision: 'f32', dynamicQuantization: false });
  try {
    const out = await model.infer({ x: { type: 'f32', shape: [3, COLS], data: x } });
    assert.deepEqual(out.y.shape, [3, ROWS]);
    return out.y.data as Float32Array;
  } finally {
    model.dispose();
  }
}

test('a matrix in each weight format computes its stored values, near the f32 result', async () => {
  const exact = reference(weights);
  const stored: Record<WeightFormat, ArrayLike<number>> = {
    f32: weights,
    f16: Array.from(weights, (v) => halfToFloat(f16Bits(v))),
    bf16: Array.from(toBf16(weights), (b) => new Float32Array(new Uint32Array([b << 16]).buffer)[0]),
    int8: dequantize(8, COLS),
    int4: dequantize(4, 128),
  };
  const near: Record<WeightFormat, number> = { f32: 1e-6, f16: 1e-3, bf16: 1e-2, int8: 2e-2, int4: 0.2 };
  for (const format of Object.keys(stored) as WeightFormat[]) {
    const y = await run(format);
    console.log(`# ${format}: ${maxRelError(y, reference(stored[format])).toExponential(2)} from its stored values, ${maxRelError(y, exact).toExponential(2)} from f32`);
    assert.ok(maxRelError(y, reference(stored[format])) < 1e-5, `${format}: the runtime computes what the stored weights say`);
    const drift = maxRelError(y, exact);
    assert.ok(drift < near[format], `${format}: ${drift} from f32`);
    if (format !== 'f32') assert.ok(drift > 1e-7, `${format}: the weights really are stored in ${format}`);
  }
});

test('f16 and bf16 round to nearest, ties to even, as torch does', () => {
  assert.equal(f16Bits(1 + 2 ** -11), 0x3c00, 'a tie between 1 and its next half goes to the even 1');
  assert.equal(f16Bits(1 + 3 * 2 ** -11), 0x3c02, 'a tie above an odd mantissa goes up');
  assert.equal(f16Bits(65520), 0x7c00, 'past the largest half is infinity');
  assert.equal(f16Bits(2 ** -25), 0, 'half of the smallest subnormal ties to zero');
  assert.equal(f16Bits(3 * 2 ** -25), 2, 'subnormals round to nearest even');
  assert.equal(halfToFloat(f16Bits(-2.5)), -2.5);
  const bf = (v: number) => toBf16(new Float32Array([v]))[0];
  assert.equal(bf(1 + 2 ** -8), 0x3f80, 'a bf16 tie goes to even');
  assert.equal(bf(1 + 3 * 2 ** -8), 0x3f82);
});
