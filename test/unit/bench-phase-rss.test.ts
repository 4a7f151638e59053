// The benchmark's per-phase peak RSS (bench/phase-rss.ts): a phase that holds 256 MB peaks 256 MB
// above the one before it, and the phase after the memory is freed peaks below it again — so each
// phase's peak is its own, not the process's high-water mark so far.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PhasePeaks } from '../../bench/phase-rss';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('each phase reports its own peak: before, holding 256 MB, after freeing it', () => {
  const peaks = new PhasePeaks();
  try {
    gc();
    peaks.enter('before');
    peaks.enter('big');
    let big: Buffer | null = Buffer.allocUnsafeSlow(256 * 2 ** 20);
    big.fill(1); // touch every page: resident
    big = null;
    gc();
    peaks.enter('after');
    const p = peaks.take();
    assert.deepEqual(Object.keys(p).sort(), ['after', 'before', 'big']);
    assert.ok(p.big - p.before > 240, `big ${p.big} MB vs before ${p.before} MB`);
    if (peaks.method === 'VmHWM') assert.ok(p.big - p.after > 200, `after ${p.after} MB should drop back below big ${p.big} MB`);
    assert.deepEqual(peaks.take(), {}, 'take() starts afresh');
    assert.ok(peaks.overallPeakMb() >= p.big, 'the overall peak outlives the resets');
  } finally {
    peaks.dispose();
  }
});

test('re-entering a phase keeps the larger of its peaks', () => {
  const peaks = new PhasePeaks();
  try {
    peaks.enter('a');
    let buf: Buffer | null = Buffer.allocUnsafeSlow(128 * 2 ** 20);
    buf.fill(1);
    buf = null;
    gc();
    peaks.enter('b');
    peaks.enter('a'); // the second time, small: the first peak stays
    const p = peaks.take();
    assert.ok(p.a - p.b > 100 || peaks.method === 'sampled', JSON.stringify(p));
  } finally {
    peaks.dispose();
  }
});
