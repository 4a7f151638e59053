// The studio webview (editor area): the output folder's whole history on the left, searched,
// sorted, grouped by run and filtered to favourites; the chosen image large with its parameters
// on the right, or two side by side. It holds no truth: the images and favourites come from the
// host, and every action is a message the host validates.

import type { GalleryAction, GalleryItem } from '../../src/protocol/messages';
import type { HostToStudio, StudioToHost } from '../../src/protocol/studio-messages';
import type { VsCodeApi } from '../host';
import { el } from '../dom';
import { icon } from '../icons';
import { Grid } from './grid';
import { SORT_ORDERS, historyView, runIds, type SortOrder } from './history';
import { Viewer } from './viewer';

declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();
const send = (msg: StudioToHost) => vscode.postMessage(msg);

interface Saved {
  query: string;
  order: SortOrder;
  favouritesOnly: boolean;
  grouped: boolean;
  selected?: string;
}
const saved: Saved = { query: '', order: 'newest', favouritesOnly: false, grouped: true, ...((vscode.getState() as Partial<Saved> | undefined) ?? {}) };

let items: GalleryItem[] = [];
let byFile = new Map<string, GalleryItem>();
let runs = new Map<string, number>();
let favourites = new Set<string>();
let folder = '';
let inline = false;
const inlined = new Map<string, string>();
let compareWith: { a: string; b?: string } | undefined;

/** The picture of an image: its webview URI, or (outside the workspace) its data: URI once sent; '' until then. */
const src = (item: GalleryItem) => (inline ? inlined.get(item.file) ?? '' : item.src);
const save = () => vscode.setState(saved);

const search = el('input', { type: 'search', id: 'search', placeholder: 'Search prompts', 'aria-label': 'Search prompts', value: saved.query });
const sort = el('select', { id: 'sort', 'aria-label': 'Sort' }, ...SORT_ORDERS.map((o) => el('option', { value: o.value, selected: o.value === saved.order }, o.label)));
const favOnly = el('input', { type: 'checkbox', id: 'favourites-only', checked: saved.favouritesOnly });
const grouped = el('input', { type: 'checkbox', id: 'grouped', checked: saved.grouped });
const count = el('p', { id: 'count', role: 'status' }, 'Reading the output folder…');
const refresh = el('button', { type: 'button', title: 'List the output folder again', 'aria-label': 'Refresh the history' }, icon('refresh'), ' Refresh');
const bar = el(
  'div',
  { class: 'filters', role: 'search', 'aria-label': 'Find images' },
  search,
  sort,
  el('label', { class: 'check' }, favOnly, 'Favourites only'),
  el('label', { class: 'check' }, grouped, 'Group runs'),
  refresh,
);

const grid = new Grid({
  choose: (item) => choose(item.file),
  shown: (files) => {
    const want = inline ? files.filter((f) => !inlined.has(f)) : [];
    if (want.length) send({ type: 'thumbnails', files: want.slice(0, 200) });
  },
});
const viewer = new Viewer({
  act: (action: GalleryAction, file: string) => send({ type: 'galleryAction', action, file }),
  favourite: (file, on) => send({ type: 'favourite', file, on }),
  compare: () => {
    if (!saved.selected) return;
    compareWith = { a: saved.selected };
    showViewer();
    grid.element.focus();
  },
  leaveCompare: () => leaveCompare(),
});
document.getElementById('app')!.append(el('header', {}, el('h1', {}, 'PixArt Studio'), bar, count), el('div', { class: 'studio' }, el('section', { class: 'history', 'aria-label': 'History' }, grid.element), viewer.element));

function choose(file: string): void {
  if (compareWith) {
    compareWith.b = file;
    return showViewer();
  }
  saved.selected = file;
  save();
  grid.select(file);
  showViewer();
}

function leaveCompare(): void {
  if (!compareWith) return;
  compareWith = undefined;
  showViewer();
  grid.element.focus();
}

function showViewer(): void {
  if (compareWith) {
    const a = byFile.get(compareWith.a);
    const b = compareWith.b ? byFile.get(compareWith.b) : undefined;
    if (a) return viewer.compare(a, src(a), b, b ? src(b) : '');
    compareWith = undefined;
  }
  const item = saved.selected ? byFile.get(saved.selected) : undefined;
  const empty = items.length ? 'Choose an image in the history.' : `No images yet in ${folder || 'the output folder'}. Generate one from the PixArt sidebar.`;
  viewer.show(item, item ? src(item) : '', !!item && favourites.has(item.file), empty);
}

function showHistory(): void {
  const groups = historyView(items, runs, { query: saved.query, order: saved.order, favouritesOnly: saved.favouritesOnly, favourites, grouped: saved.grouped });
  grid.show(groups, favourites, src);
  grid.select(saved.selected);
  const shown = grid.count;
  const runCount = groups.filter((g) => g.run !== undefined).length;
  count.textContent = items.length === 0 ? `No images in ${folder || 'the output folder'}` : `${shown === items.length ? `${items.length}` : `${shown} of ${items.length}`} images in ${folder}${runCount ? ` · ${runCount} run${runCount === 1 ? '' : 's'}` : ''}`;
}

function onHistory(msg: Extract<HostToStudio, { type: 'history' }>): void {
  items = msg.items;
  byFile = new Map(items.map((i) => [i.file, i]));
  runs = runIds(items);
  favourites = new Set(msg.favourites);
  folder = msg.folder;
  if (msg.inline !== inline) inlined.clear();
  inline = msg.inline;
  if (msg.select && byFile.has(msg.select)) saved.selected = msg.select;
  else if (!saved.selected || !byFile.has(saved.selected)) saved.selected = items[0]?.file;
  save();
  showHistory();
  showViewer();
}

/** A filter control: its new value into the saved state, and the history shown again. */
function onFilter(control: HTMLElement, event: string, apply: () => void): void {
  control.addEventListener(event, () => {
    apply();
    save();
    showHistory();
  });
}
onFilter(search, 'input', () => (saved.query = search.value));
onFilter(sort, 'change', () => (saved.order = sort.value as SortOrder));
onFilter(favOnly, 'change', () => (saved.favouritesOnly = favOnly.checked));
onFilter(grouped, 'change', () => (saved.grouped = grouped.checked));
refresh.addEventListener('click', () => send({ type: 'refresh' }));
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && compareWith) {
    e.preventDefault();
    leaveCompare();
  }
});

window.addEventListener('message', (event: MessageEvent<HostToStudio>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'history':
      return onHistory(msg);
    case 'parameters':
      for (const [file, p] of Object.entries(msg.parameters)) {
        const item = byFile.get(file);
        if (item) item.parameters = p;
      }
      runs = runIds(items);
      showHistory();
      return showViewer();
    case 'select':
      if (!byFile.has(msg.file)) return;
      compareWith = undefined;
      if (saved.query || saved.favouritesOnly) {
        // Shown whatever the filter: clear it so the image is in the history too.
        saved.query = search.value = '';
        saved.favouritesOnly = favOnly.checked = false;
        showHistory();
      }
      return choose(msg.file);
    case 'favourites':
      favourites = new Set(msg.favourites);
      showHistory();
      return showViewer();
    case 'thumbnails':
      for (const [file, uri] of Object.entries(msg.uris)) inlined.set(file, uri);
      showHistory();
      return showViewer();
  }
});

send({ type: 'ready' });
