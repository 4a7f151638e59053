import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, sizeLabel } from '../../webview/format';

test('durations', () => {
  assert.equal(formatDuration(850), '1 s');
  assert.equal(formatDuration(12_300), '12 s');
  assert.equal(formatDuration(95_000), '1 min 35 s');
  assert.equal(formatDuration(NaN), '');
});

test('size labels', () => {
  assert.equal(sizeLabel(1024, 1024), '1024×1024 · square');
  assert.equal(sizeLabel(1152, 896), '1152×896 · landscape 9:7');
  assert.equal(sizeLabel(768, 1344), '768×1344 · portrait 4:7');
  assert.equal(sizeLabel(2048, 512), '2048×512 · landscape 4:1');
  assert.equal(sizeLabel(1000, 1003), '1000×1003 · portrait 1:1.00');
});
