// The sidebar's pure parts: the history walk (Alt+Up/Down), batch grouping in the gallery, and the
// words of the progress and result lines and the Batches hint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HistoryWalk } from '../../webview/history-walk';
import { BATCH_GAP_MS, batchGroups } from '../../webview/gallery-groups';
import { batchHint, jobLabel, resultLine, shorten } from '../../webview/format';
import type { GalleryItem, ImageParameters } from '../../src/protocol/messages';

test('the history walk: older with Alt+Up, newer with Alt+Down, back to the draft, stops at the ends', () => {
  const w = new HistoryWalk();
  w.set(['newest', 'middle', 'oldest']);
  assert.equal(w.step('my draft', false), undefined, 'nothing newer than the draft');
  assert.equal(w.step('my draft', true), 'newest');
  assert.equal(w.step('newest', true), 'middle');
  assert.equal(w.step('middle', true), 'oldest');
  assert.equal(w.step('oldest', true), undefined, 'nothing older');
  assert.equal(w.step('oldest', false), 'middle');
  assert.equal(w.step('middle', false), 'newest');
  assert.equal(w.step('newest', false), 'my draft');
  w.step('my draft', true);
  w.typed();
  assert.equal(w.step('edited', true), 'newest', 'after typing, the walk starts at the top again');
  assert.equal(w.step('newest', false), 'edited', 'and comes back to the edited text');
});

const params = (prompt: string, seed: string, extra: Partial<ImageParameters> = {}): ImageParameters => ({ prompt, negativePrompt: '', seed, steps: 4, guidanceScale: 0, width: 128, height: 128, sampler: 'LCM', model: 'tiny', ...extra });
const item = (file: string, mtimeMs: number, p?: ImageParameters): GalleryItem => ({ file, src: `x/${file}`, mtimeMs, ...(p ? { parameters: p } : {}) });

test('gallery batches: a run of the same prompt and settings close in time is one group', () => {
  const t = 1_700_000_000_000;
  const items = [
    item('c.png', t, params('a fox', '43')),
    item('b.png', t - 5_000, params('a fox', '42')),
    item('a.png', t - 10_000, params('a fox', '41')),
    item('d.png', t - 20_000, params('a fox', '40', { steps: 8 })),
    item('e.png', t - 30_000, params('a cat', '1')),
    item('f.png', t - 30_000 - BATCH_GAP_MS - 1, params('a cat', '2')),
    item('g.png', t - 40_000 - BATCH_GAP_MS),
    item('h.png', t - 40_000 - BATCH_GAP_MS),
  ];
  assert.deepEqual(batchGroups(items).map((g) => g.map((i) => i.file)), [['c.png', 'b.png', 'a.png'], ['d.png'], ['e.png'], ['f.png'], ['g.png'], ['h.png']]);
  assert.deepEqual(batchGroups([]), []);
});

test('the job label, the result line and the Batches hint', () => {
  assert.equal(shorten('a  red\nfox'), 'a red fox');
  const long = 'a very long prompt about a red fox sitting in deep snow under a pale winter sky at dawn';
  const s = shorten(long);
  assert.ok(s.length <= 60 && s.endsWith('…') && long.startsWith(s.slice(0, -1)), s);
  assert.ok(!/\s…$/.test(s), 'cut at a word, no space before the ellipsis');
  assert.equal(jobLabel('a fox'), '“a fox”');
  assert.equal(jobLabel('a fox', { index: 1, count: 3 }), '“a fox” · 2 of 3');
  assert.equal(resultLine(1, 3_200, '42'), '1 image saved in 3 s · seed 42');
  assert.equal(resultLine(3, 62_000, '7'), '3 images saved in 1 min 2 s · seed 7');
  assert.equal(batchHint(1, '42'), '');
  assert.equal(batchHint(2, '42'), '2 jobs in a row, seeds 42, 43');
  assert.equal(batchHint(5, '18446744073709551615'), '5 jobs in a row, seeds 18446744073709551615, 0, 1, …');
  assert.equal(batchHint(3, ''), '3 jobs in a row, each with a random seed');
});
