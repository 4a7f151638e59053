import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { castTensor, checkInputs, elementCount, formatShape, shapeFits, tensor } from '../../src/engine/tensor';
import type { PortInfo, Tensor } from '../../src/engine/types';

describe('castTensor', () => {
  it('returns the same tensor when the type already matches', () => {
    const t = tensor('f32', [2], new Float32Array([1, 2]));
    assert.equal(castTensor(t, 'f32'), t);
  });

  it('int64 mask → f32 (what the transformer declares)', () => {
    const t = castTensor(tensor('i64', [1, 3], new BigInt64Array([1n, 1n, 0n])), 'f32');
    assert.deepEqual(t, { type: 'f32', shape: [1, 3], data: new Float32Array([1, 1, 0]) });
  });

  it('f32 → i64 and i32 truncate toward zero, like torch .long()', () => {
    const src = tensor('f32', [4], new Float32Array([999.9, -1.5, 0, 3]));
    assert.deepEqual(castTensor(src, 'i64').data, new BigInt64Array([999n, -1n, 0n, 3n]));
    assert.deepEqual(castTensor(src, 'i32').data, new Int32Array([999, -1, 0, 3]));
  });

  it('i64 ↔ i32 round trip, and i32 → f64', () => {
    const i64 = tensor('i64', [3], new BigInt64Array([-7n, 0n, 2147483647n]));
    const i32 = castTensor(i64, 'i32');
    assert.deepEqual(i32.data, new Int32Array([-7, 0, 2147483647]));
    assert.deepEqual(castTensor(i32, 'i64').data, i64.data);
    assert.deepEqual(castTensor(i32, 'f64').data, new Float64Array([-7, 0, 2147483647]));
  });

  it('refuses values that do not fit instead of wrapping', () => {
    assert.throws(() => castTensor(tensor('i64', [1], new BigInt64Array([2n ** 40n])), 'i32'), /element 0 .* outside/);
    assert.throws(() => castTensor(tensor('f32', [2], new Float32Array([1, NaN])), 'i64'), /element 1 .* not finite/);
    assert.throws(() => castTensor(tensor('f32', [1], new Float32Array([300])), 'u8'), /outside \[0, 255\]/);
  });

  it('boolean is 0/1 bytes', () => {
    assert.deepEqual(castTensor(tensor('f32', [3], new Float32Array([0, 2, -0.5])), 'boolean').data, new Uint8Array([0, 1, 1]));
  });

  it('copies the shape, so the result does not alias the input', () => {
    const src = tensor('i64', [2], new BigInt64Array([1n, 2n]));
    const out = castTensor(src, 'f32');
    out.shape[0] = 9;
    assert.deepEqual(src.shape, [2]);
  });

  it('f16 has no host array here: a clear error', () => {
    assert.throws(() => castTensor(tensor('f32', [1], new Float32Array([1])), 'f16'), /f16 tensors have no host representation/);
  });
});

describe('shapes', () => {
  it('elementCount, formatShape and shapeFits', () => {
    assert.equal(elementCount([2, 3, 4]), 24);
    assert.equal(elementCount([]), 1);
    assert.equal(formatShape([-1, 4, 16, 16]), '[?,4,16,16]');
    assert.ok(shapeFits([2, 4, 16, 16], [-1, 4, 16, 16]));
    assert.ok(!shapeFits([2, 4, 16, 24], [-1, 4, 16, 16]));
    assert.ok(!shapeFits([4, 16, 16], [-1, 4, 16, 16]));
  });

  it('tensor() checks the array kind and length', () => {
    assert.throws(() => tensor('i64', [2], new Float32Array(2) as never), /does not hold i64/);
    assert.throws(() => tensor('f32', [2, 2], new Float32Array(3)), /3 elements do not fill shape \[2,2\]/);
    assert.deepEqual(tensor('i32', [2]).data, new Int32Array(2));
  });
});

describe('checkInputs', () => {
  const ports: PortInfo[] = [
    { name: 'hidden_states', type: 'f32', shape: [-1, 4, 16, 16] },
    { name: 'timestep', type: 'i64', shape: [-1] },
  ];
  const ok: Record<string, Tensor> = {
    hidden_states: tensor('f32', [2, 4, 16, 16]),
    timestep: tensor('i64', [2]),
  };
  const fails = (inputs: Record<string, Tensor>, pattern: RegExp) => assert.throws(() => checkInputs('m.onnx', ports, inputs), pattern);

  it('accepts matching inputs', () => {
    checkInputs('m.onnx', ports, ok);
  });

  it('names the model and the input in every complaint', () => {
    fails({ hidden_states: ok.hidden_states }, /^Error: m\.onnx: input "timestep" is missing/);
    fails({ ...ok, extra: ok.timestep }, /m\.onnx: unknown input "extra"; the model takes hidden_states f32\[\?,4,16,16\], timestep i64\[\?\]/);
    fails({ ...ok, timestep: tensor('f32', [2]) }, /m\.onnx: input "timestep" is f32 but the model declares i64 \(convert it with castTensor\)/);
    fails({ ...ok, hidden_states: tensor('f32', [2, 4, 16, 24]) }, /input "hidden_states" has shape \[2,4,16,24\] but the model takes \[\?,4,16,16\]/);
    fails({ ...ok, hidden_states: { type: 'f32', shape: [1, 4, 16, 16], data: new Float32Array(5) } }, /input "hidden_states" has 5 elements, shape \[1,4,16,16\] needs 1024/);
    fails({ ...ok, timestep: { type: 'i64', shape: [2], data: new Float32Array(2) as never } }, /input "timestep" says i64 but holds a Float32Array/);
    fails({ ...ok, timestep: { type: 'i64', shape: [-2], data: new BigInt64Array(0) } }, /input "timestep" has an invalid shape \[-2\]/);
  });
});
