// The studio grid's geometry (webview/studio/windowing.ts): rows for groups, the rows a scroll
// position puts in the DOM, and arrow-key moves, checked against a plain scan of a naive layout
// (every tile's own row and column, computed one by one) on random groups and viewports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { GalleryItem } from '../../src/protocol/messages';
import type { Group } from '../../webview/studio/history';
import { layoutRows, moveIndex, scrollToShow, visibleRows } from '../../webview/studio/windowing';

const M = { tileHeight: 100, headerHeight: 20 };
const item = (n: number): GalleryItem => ({ file: `f${n}.png`, src: '', mtimeMs: n });

/** Groups of the given sizes; `runs[i]` makes group i a run (with a header). */
function groupsOf(sizes: number[], runs: boolean[]): Group[] {
  let n = 0;
  return sizes.map((size, i) => {
    const items = Array.from({ length: size }, () => item(n++));
    return runs[i] ? { items, run: i } : { items };
  });
}

/** The naive layout: per image, the top of its row and its column; and each row's [top, bottom). */
function naive(groups: Group[], columns: number) {
  const spans: [number, number][] = [];
  const tiles: { top: number; col: number }[] = [];
  let y = 0;
  for (const g of groups) {
    if (g.run !== undefined) spans.push([y, (y += M.headerHeight)]);
    g.items.forEach((_, k) => {
      if (k % columns === 0) spans.push([y, (y += M.tileHeight)]);
      tiles.push({ top: y - M.tileHeight, col: k % columns });
    });
  }
  return { spans, tiles, height: y };
}

const arbGroups = fc.array(fc.tuple(fc.integer({ min: 1, max: 9 }), fc.boolean()), { minLength: 0, maxLength: 30 });

test('rows: a header before each run, its images in rows of `columns`, the height their sum', () => {
  fc.assert(
    fc.property(arbGroups, fc.integer({ min: 1, max: 6 }), (spec, columns) => {
      const groups = groupsOf(spec.map((s) => s[0]), spec.map((s) => s[1]));
      const layout = layoutRows(groups, { columns, ...M });
      const want = naive(groups, columns);
      assert.equal(layout.height, want.height);
      assert.deepEqual(layout.rows.map((r) => [r.top, r.top + r.height]), want.spans);
      want.tiles.forEach((t, i) => {
        const row = layout.rows[layout.rowOf[i]];
        assert.equal(row.kind, 'tiles');
        assert.equal(row.top, t.top);
        assert.equal(i - row.first, t.col);
      });
    }),
  );
});

test('the rows in the DOM are exactly those meeting the viewport, plus the overscan', () => {
  fc.assert(
    fc.property(arbGroups, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 900 }), fc.integer({ min: 0, max: 3 }), (spec, columns, scrollTop, viewport, overscan) => {
      const groups = groupsOf(spec.map((s) => s[0]), spec.map((s) => s[1]));
      const layout = layoutRows(groups, { columns, ...M });
      const meets = naive(groups, columns).spans.map(([a, b], i) => (b > scrollTop && a < scrollTop + viewport ? i : -1)).filter((i) => i >= 0);
      const got = visibleRows(layout, scrollTop, viewport, overscan);
      if (meets.length === 0) {
        // Scrolled past the end (the list shrank): at most the overscan's rows at the bottom.
        assert.ok(got.end - got.start <= overscan, JSON.stringify(got));
        return;
      }
      assert.equal(got.start, Math.max(0, meets[0] - overscan));
      assert.equal(got.end, Math.min(layout.rows.length, meets[meets.length - 1] + 1 + overscan));
    }),
  );
});

test('5,000 images: a screenful of rows in the DOM wherever the list is scrolled', () => {
  const groups = groupsOf(Array.from({ length: 1250 }, () => 4), Array.from({ length: 1250 }, (_, i) => i % 3 === 0));
  const layout = layoutRows(groups, { columns: 3, ...M });
  for (const top of [0, 1234, layout.height / 2, layout.height - 700]) {
    const { start, end } = visibleRows(layout, top, 700);
    const tiles = layout.rows.slice(start, end).reduce((n, r) => n + (r.kind === 'tiles' ? r.count : 0), 0);
    // At most 8 rows of tiles meet 700 px (one partly), each with a header, plus 2 rows of overscan either side.
    assert.ok(end - start <= 2 * 8 + 4, `${end - start} rows at ${top}`);
    assert.ok(tiles <= 3 * (8 + 4), `${tiles} tiles at ${top}`);
  }
});

test('arrow keys: left/right step through the list, up/down keep the column (clamped), headers skipped', () => {
  // Singles [0..4], a run of 2 [5,6] with a header, singles [7..9]; 3 columns:
  // row0: 0 1 2 | row1: 3 4 | header | row3: 5 6 | row4: 7 8 9
  const groups = groupsOf([5, 2, 3], [false, true, false]);
  const layout = layoutRows(groups, { columns: 3, ...M });
  assert.equal(moveIndex(layout, 0, 'ArrowLeft'), 0);
  assert.equal(moveIndex(layout, 4, 'ArrowRight'), 5);
  assert.equal(moveIndex(layout, 9, 'ArrowRight'), 9);
  assert.equal(moveIndex(layout, 2, 'ArrowDown'), 4, 'column 2 of a 2-tile row: its last');
  assert.equal(moveIndex(layout, 4, 'ArrowDown'), 6, 'over the header');
  assert.equal(moveIndex(layout, 6, 'ArrowDown'), 8);
  assert.equal(moveIndex(layout, 9, 'ArrowUp'), 6);
  assert.equal(moveIndex(layout, 5, 'ArrowUp'), 3);
  assert.equal(moveIndex(layout, 1, 'ArrowUp'), 1, 'the first row stays');
  assert.equal(moveIndex(layout, 8, 'ArrowDown'), 8, 'the last row stays');
  assert.equal(moveIndex(layout, 1, 'PageDown', 3), 8);
  assert.equal(moveIndex(layout, 5, 'End'), 9);
  assert.equal(moveIndex(layout, 5, 'Home'), 0);
  assert.equal(moveIndex(layout, -1, 'ArrowRight'), 1, 'no active image yet: from the first');
  assert.equal(moveIndex(layoutRows([], { columns: 3, ...M }), 0, 'ArrowDown'), -1);
});

test('scrolling to a row shows it whole, with its run header, moving as little as possible', () => {
  const layout = layoutRows(groupsOf([5, 2, 3], [false, true, false]), { columns: 3, ...M });
  // tops: row0 0, row1 100, header 200, row3 220, row4 320
  assert.equal(scrollToShow(layout, 0, 50, 150), 0);
  assert.equal(scrollToShow(layout, 1, 0, 150), 50, 'its bottom at the viewport bottom');
  assert.equal(scrollToShow(layout, 3, 300, 150), 200, 'the header above it in sight');
  assert.equal(scrollToShow(layout, 4, 0, 150), 270);
  assert.equal(scrollToShow(layout, 1, 90, 150), 90, 'already whole: no move');
});
