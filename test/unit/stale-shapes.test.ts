import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeHistory } from '../../src/engine/stale-shapes';

test('complete calls, or cancels at the same shapes, never need a repair', () => {
  const h = new ShapeHistory();
  assert.equal(h.needsRepair([[1, 4, 16, 16]]), false, 'nothing ran yet');
  h.completed([[1, 4, 16, 16]]);
  assert.equal(h.needsRepair([[1, 4, 8, 8]]), false);
  h.interrupted([[1, 4, 16, 16]]);
  assert.equal(h.needsRepair([[1, 4, 16, 16]]), false, 'cancelled at the shape it ran before');
});

test('after a cancel at other shapes, the shapes run before need a repair; the cancelled and new ones do not', () => {
  const h = new ShapeHistory();
  h.completed([[1, 4, 4, 4]]);
  h.interrupted([[1, 4, 256, 256]]);
  assert.equal(h.needsRepair([[1, 4, 4, 4]]), true);
  assert.equal(h.needsRepair([[2, 4, 4, 4]]), true, 'a dimension that changed repeats its old value');
  assert.equal(h.needsRepair([[1, 4, 256, 256]]), false);
  assert.equal(h.needsRepair([[1, 4, 8, 8]]), false);
  assert.deepEqual(h.repairShapes(), [[1, 4, 2, 2]], 'changed dimensions get 2, the rest keep their value');
  h.completed(h.repairShapes());
  assert.equal(h.needsRepair([[1, 4, 4, 4]]), false, 'a complete call clears the history');
});

test('repair shapes avoid every value used since the last complete call, and 1; tied dimensions stay tied', () => {
  const h = new ShapeHistory();
  h.completed([[2, 16], [2, 16]]);
  h.interrupted([[2, 32], [2, 32]]);
  h.interrupted([[4, 2], [4, 2]]);
  assert.deepEqual(h.repairShapes(), [[8, 4], [8, 4]]);
  assert.equal(h.needsRepair(h.repairShapes()), false);
  assert.equal(h.needsRepair([[4, 2], [4, 2]]), false, 'the latest cancelled shapes');
  assert.equal(h.needsRepair([[2, 8], [2, 8]]), true, 'batch 2 ran before batch 4 was cut short');
});

test('with no complete call, cancels at different shapes still count', () => {
  const h = new ShapeHistory();
  h.interrupted([[1, 4, 32, 32]]);
  assert.equal(h.needsRepair([[1, 4, 64, 64]]), false);
  h.interrupted([[1, 4, 64, 64]]);
  assert.equal(h.needsRepair([[1, 4, 32, 32]]), true);
});
