// The token-length arithmetic of the pipeline (which tokens T5 and the transformer run on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TOKEN_STEP, fitTokens, runLength, tokensUsed } from '../../src/pipeline/token-axis';
import type { Tensor } from '../../src/engine/types';

const mask = (rows: number[][]): Tensor => ({ type: 'i64', shape: [rows.length, rows[0].length], data: BigInt64Array.from(rows.flat(), BigInt) });

test('tokensUsed is the longest row up to its last unmasked position', () => {
  assert.equal(tokensUsed(mask([[1, 1, 0, 0, 0], [1, 1, 1, 1, 0]])), 4);
  assert.equal(tokensUsed(mask([[1, 0, 0], [1, 0, 0]])), 1);
  assert.equal(tokensUsed(mask([[1, 1, 1]])), 3);
  assert.equal(tokensUsed(mask([[0, 0, 0]])), 0);
  assert.equal(tokensUsed({ type: 'f32', shape: [1, 4], data: Float32Array.from([1, 1, 1, 0]) }), 3);
});

test('runLength keeps a fixed axis and rounds a dynamic one up to the step, within the maximum', () => {
  assert.equal(runLength(120, 3, 120), 120);
  assert.equal(runLength(-1, 1, 120), TOKEN_STEP);
  assert.equal(runLength(-1, 0, 120), TOKEN_STEP);
  assert.equal(runLength(-1, TOKEN_STEP, 120), TOKEN_STEP);
  assert.equal(runLength(-1, TOKEN_STEP + 1, 120), 2 * TOKEN_STEP);
  assert.equal(runLength(-1, 119, 120), 120);
  assert.equal(runLength(-1, 120, 120), 120);
});

test('fitTokens cuts or zero-pads axis 1 of every row and keeps the rest', () => {
  const t: Tensor = { type: 'f32', shape: [2, 3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) };
  assert.deepEqual(fitTokens(t, 3), t);
  const cut = fitTokens(t, 2);
  assert.deepEqual(cut.shape, [2, 2, 2]);
  assert.deepEqual(Array.from(cut.data as Float32Array), [1, 2, 3, 4, 7, 8, 9, 10]);
  const padded = fitTokens(t, 4);
  assert.deepEqual(padded.shape, [2, 4, 2]);
  assert.deepEqual(Array.from(padded.data as Float32Array), [1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0]);
  const ids = fitTokens(mask([[5, 6, 0, 0], [7, 0, 0, 0]]), 2);
  assert.ok(ids.data instanceof BigInt64Array);
  assert.deepEqual(Array.from(ids.data as BigInt64Array, Number), [5, 6, 7, 0]);
});
