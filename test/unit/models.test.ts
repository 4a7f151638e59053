// The model layer's pure arithmetic: stacking prompt rows and classifier-free guidance in float32.
// The networks themselves, on the real engine: test/conformance/models.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/engine/types';
import { guide, repeatRows } from '../../src/pipeline/models/transformer';

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
