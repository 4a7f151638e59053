// The studio grid's geometry, pure: the groups laid out as rows (a run's header, then rows of
// tiles), which rows a scroll position shows (only those are in the DOM), and where the arrow keys
// move. Rows have two heights, so their tops are a prefix sum searched by bisection.

import type { Group } from './history';

export interface Row {
  /** A run's header, or a row of tiles (indexes into the flat list of shown images). */
  kind: 'header' | 'tiles';
  /** The group this row belongs to. */
  group: number;
  /** First image index (tiles), or the group's first image (header). */
  first: number;
  /** Images in the row (tiles), or in the whole group (header). */
  count: number;
  top: number;
  height: number;
}

export interface Layout {
  rows: Row[];
  /** For each image (in shown order): its row. */
  rowOf: number[];
  height: number;
  columns: number;
}

export interface Metrics {
  columns: number;
  tileHeight: number;
  headerHeight: number;
}

/** Rows for `groups`: a header before each run, its images in rows of `columns`. */
export function layoutRows(groups: readonly Group[], m: Metrics): Layout {
  const rows: Row[] = [];
  const rowOf: number[] = [];
  const columns = Math.max(1, Math.floor(m.columns));
  let top = 0;
  let index = 0;
  groups.forEach((g, gi) => {
    if (g.run !== undefined) {
      rows.push({ kind: 'header', group: gi, first: index, count: g.items.length, top, height: m.headerHeight });
      top += m.headerHeight;
    }
    for (let k = 0; k < g.items.length; k += columns) {
      const count = Math.min(columns, g.items.length - k);
      for (let c = 0; c < count; c++) rowOf.push(rows.length);
      rows.push({ kind: 'tiles', group: gi, first: index + k, count, top, height: m.tileHeight });
      top += m.tileHeight;
    }
    index += g.items.length;
  });
  return { rows, rowOf, height: top, columns };
}

/** The first row whose bottom lies below `y` (rows.length when none). */
function rowAt(rows: readonly Row[], y: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].top + rows[mid].height <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The rows [start, end) to put in the DOM for a viewport at `scrollTop`, `overscan` rows either side. */
export function visibleRows(layout: Layout, scrollTop: number, viewport: number, overscan = 2): { start: number; end: number } {
  const n = layout.rows.length;
  if (n === 0) return { start: 0, end: 0 };
  const first = rowAt(layout.rows, Math.max(0, scrollTop));
  const last = rowAt(layout.rows, Math.max(0, scrollTop + viewport - 1));
  return { start: Math.max(0, first - overscan), end: Math.min(n, last + 1 + overscan) };
}

export type NavKey = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown' | 'Home' | 'End' | 'PageUp' | 'PageDown';
export const NAV_KEYS: readonly string[] = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown'];

/** The tile row `steps` tile rows above (negative) or below `row`, clamped; headers are skipped. */
function tileRow(rows: readonly Row[], row: number, steps: number): number {
  let r = row;
  let left = Math.abs(steps);
  const dir = Math.sign(steps);
  while (left > 0) {
    let next = r + dir;
    while (next >= 0 && next < rows.length && rows[next].kind !== 'tiles') next += dir;
    if (next < 0 || next >= rows.length) break;
    r = next;
    left--;
  }
  return r;
}

/** Where a key moves the active image `index` in `layout` (the same column in the row above or below). */
export function moveIndex(layout: Layout, index: number, key: NavKey, pageRows = 4): number {
  const total = layout.rowOf.length;
  if (total === 0) return -1;
  const i = Math.min(Math.max(index, 0), total - 1);
  if (key === 'ArrowLeft') return Math.max(0, i - 1);
  if (key === 'ArrowRight') return Math.min(total - 1, i + 1);
  if (key === 'Home') return 0;
  if (key === 'End') return total - 1;
  const steps = { ArrowUp: -1, ArrowDown: 1, PageUp: -pageRows, PageDown: pageRows }[key];
  const here = layout.rows[layout.rowOf[i]];
  const there = layout.rows[tileRow(layout.rows, layout.rowOf[i], steps)];
  return there.first + Math.min(i - here.first, there.count - 1);
}

/** The scrollTop that shows row `row` whole, moving as little as possible from `scrollTop`. */
export function scrollToShow(layout: Layout, row: number, scrollTop: number, viewport: number): number {
  const r = layout.rows[row];
  if (!r) return scrollTop;
  // A run's header stays in sight above its first row of tiles.
  const above = row > 0 && layout.rows[row - 1].kind === 'header' ? layout.rows[row - 1].top : r.top;
  if (above < scrollTop) return above;
  if (r.top + r.height > scrollTop + viewport) return r.top + r.height - viewport;
  return scrollTop;
}
