// The studio's history (webview/studio/history.ts): search by prompt, the three orders, and runs
// told from the files' parameters. The images are named by the run they were made in, so the
// expected grouping is read from the names, not from the code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GalleryItem, ImageParameters } from '../../src/protocol/messages';
import { RUN_GAP_MS, groupItems, historyView, matches, runIds, searchWords, sortItems } from '../../webview/studio/history';

const base: ImageParameters = { prompt: 'a lighthouse at dawn', negativePrompt: '', seed: '100', steps: 4, guidanceScale: 0, width: 128, height: 128, sampler: 'LCM', model: 'pixart-tiny', extra: { Version: 'PixArt Studio' } };
const T0 = 1_800_000_000_000;
let clock = T0;
/** An image saved `afterMs` after the previous one. */
function img(file: string, p: Partial<ImageParameters> | null, afterMs = 5_000): GalleryItem {
  clock += afterMs;
  return { file, src: '', mtimeMs: clock, ...(p === null ? {} : { parameters: { ...base, ...p, extra: { ...base.extra, ...(p.extra ?? {}) } } }) };
}
const batch = (n: number, pos: number) => ({ extra: { 'Batch size': String(n), 'Batch pos': String(pos) } });

/** The run of each file as the names say: "A-…" in run A; names without a dash stand alone. */
function runsFromNames(items: GalleryItem[]): string[][] {
  const by = new Map<string, string[]>();
  for (const i of items) if (i.file.includes('-')) by.set(i.file.split('-')[0], [...(by.get(i.file.split('-')[0]) ?? []), i.file]);
  return [...by.values()].map((v) => v.sort()).sort((a, b) => a[0].localeCompare(b[0]));
}
function runsFound(items: GalleryItem[]): string[][] {
  const ids = runIds(items);
  const by = new Map<number, string[]>();
  for (const [file, id] of ids) by.set(id, [...(by.get(id) ?? []), file]);
  return [...by.values()].map((v) => v.sort()).sort((a, b) => a[0].localeCompare(b[0]));
}

test('search: every word of the query, in any case, in the prompt (the file name when there is none)', () => {
  const a = img('x1.png', { prompt: 'A Red Bicycle by the wall' });
  const b = img('x2.png', null);
  assert.deepEqual(searchWords('  red   BIKE '), ['red', 'bike']);
  assert.equal(matches(a, searchWords('bicycle red')), true);
  assert.equal(matches(a, searchWords('red car')), false);
  assert.equal(matches(b, searchWords('x2')), true, 'a file without parameters by its name');
  assert.equal(matches(a, searchWords('x1')), false, 'one with a prompt by its prompt only');
  assert.equal(matches(b, []), true);
});

test('orders: newest, oldest, and prompts A–Z with ties newest first', () => {
  clock = T0;
  const items = [img('p1.png', { prompt: 'beta' }), img('p2.png', { prompt: 'Alpha' }), img('p3.png', { prompt: 'beta' }), img('p4.png', null)];
  assert.deepEqual(sortItems(items, 'newest').map((i) => i.file), ['p4.png', 'p3.png', 'p2.png', 'p1.png']);
  assert.deepEqual(sortItems(items, 'oldest').map((i) => i.file), ['p1.png', 'p2.png', 'p3.png', 'p4.png']);
  assert.deepEqual(sortItems(items, 'prompt').map((i) => i.file), ['p2.png', 'p3.png', 'p1.png', 'p4.png'], 'alpha, beta (newer first), then the name p4.png');
  assert.deepEqual(items.map((i) => i.file), ['p1.png', 'p2.png', 'p3.png', 'p4.png'], 'the input is not reordered');
});

test('runs: one job of 4 images per prompt; jobs in a row with the next seeds; re-runs, pauses and other settings apart', () => {
  clock = T0;
  const items = [
    img('single1.png', { seed: '7' }),
    // One job, 4 images per prompt: the same seed, Batch pos 0…3, saved together.
    ...[0, 1, 2, 3].map((k) => img(`A-${k}.png`, { seed: '500', ...batch(4, k) }, 200)),
    // The same job run again (same seed): a run of its own.
    ...[0, 1, 2, 3].map((k) => img(`B-${k}.png`, { seed: '500', ...batch(4, k) }, 200)),
    // Three jobs in a row with the next seed each (Variations, batch count).
    img('C-1.png', { seed: '900' }, 60_000),
    img('C-2.png', { seed: '901' }, 90_000),
    img('C-3.png', { seed: '902' }, 90_000),
    // The next seed, but after a long pause: alone.
    img('late.png', { seed: '903' }, RUN_GAP_MS + 1),
    // The next seed with another prompt: alone; then the same prompt with another model: alone.
    img('other.png', { seed: '904', prompt: 'a cat' }),
    img('model.png', { seed: '905', prompt: 'a cat', model: 'pixart-xl' }),
    // No parameters between two images of what would be one run: it cuts it.
    img('D-1.png', { seed: '1', prompt: 'dunes' }),
    img('D-2.png', { seed: '2', prompt: 'dunes' }),
    img('bare.png', null),
    img('tail.png', { seed: '3', prompt: 'dunes' }),
  ];
  assert.deepEqual(runsFound(items), runsFromNames(items));
  // Seeds past 2^53 stay exact.
  clock = T0;
  const big = [img('E-1.png', { seed: '18446744073709551614' }), img('E-2.png', { seed: '18446744073709551615' })];
  assert.deepEqual(runsFound(big), [['E-1.png', 'E-2.png']]);
  assert.deepEqual(runsFound(sortItems(items, 'prompt')), runsFromNames(items), 'whatever order they come in');
});

test('groups: neighbours of one run together, singles between; the view filters, sorts and groups', () => {
  clock = T0;
  const items = [img('s1.png', { seed: '1', prompt: 'x' }), ...[0, 1].map((k) => img(`A-${k}.png`, { seed: '9', prompt: 'lake', ...batch(2, k) }, 100)), img('s2.png', { seed: '50', prompt: 'y' })];
  const runs = runIds(items);
  const groups = groupItems(sortItems(items, 'newest'), runs);
  assert.deepEqual(groups.map((g) => [g.run !== undefined, g.items.map((i) => i.file)]), [[false, ['s2.png']], [true, ['A-1.png', 'A-0.png']], [false, ['s1.png']]]);
  const q = { query: '', order: 'newest' as const, favouritesOnly: false, favourites: new Set<string>(), grouped: true };
  assert.deepEqual(historyView(items, runs, { ...q, query: 'LAKE' }).map((g) => g.items.map((i) => i.file)), [['A-1.png', 'A-0.png']]);
  assert.deepEqual(historyView(items, runs, { ...q, favouritesOnly: true, favourites: new Set(['s1.png', 'A-0.png']) }).map((g) => g.items.map((i) => i.file)), [['A-0.png'], ['s1.png']]);
  assert.deepEqual(historyView(items, runs, { ...q, grouped: false, order: 'oldest' }).map((g) => g.items.map((i) => i.file)), [['s1.png', 'A-0.png', 'A-1.png', 's2.png']]);
  assert.deepEqual(historyView(items, runs, { ...q, query: 'nothing' }), []);
});

test('5,000 images: runs, search and grouping in a fraction of a second each', (t) => {
  clock = T0;
  const items = Array.from({ length: 5000 }, (_, n) => img(`i${n}.png`, { prompt: `scene ${n % 97} of the sea`, seed: String(n), ...(n % 5 < 4 ? batch(4, n % 5) : {}) }, 1000));
  let t0 = performance.now();
  const runs = runIds(items);
  const runsMs = performance.now() - t0;
  t0 = performance.now();
  const view = historyView(items, runs, { query: 'scene 5 sea', order: 'prompt', favouritesOnly: false, favourites: new Set(), grouped: true });
  const viewMs = performance.now() - t0;
  t.diagnostic(`5,000 images: runs ${runsMs.toFixed(1)} ms, search + sort + groups ${viewMs.toFixed(1)} ms`);
  assert.ok(view.length > 0);
  // Measured 10–15 ms and 2–13 ms here; the bound leaves room for a loaded machine.
  assert.ok(runsMs < 300 && viewMs < 300, `runs ${runsMs.toFixed(1)} ms, view ${viewMs.toFixed(1)} ms`);
});
