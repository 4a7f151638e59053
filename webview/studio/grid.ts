// The studio's history grid: a listbox of every image shown, virtualised (only the rows in and
// near the viewport are in the DOM, so 5,000 images cost what 30 do), with runs under a header,
// the arrow keys moving the active image and Enter or a click choosing it.

import type { GalleryItem } from '../../src/protocol/messages';
import { el, clear } from '../dom';
import { imageCaption } from '../format';
import { icon } from '../icons';
import type { Group } from './history';
import { NAV_KEYS, layoutRows, moveIndex, scrollToShow, visibleRows, type Layout, type NavKey } from './windowing';

const TILE = 132; // px, a tile's height with its gap (the CSS sizes the picture to match)
const HEADER = 26;
const TILE_WIDTH = 100; // px, the narrowest a tile gets (the columns share the width)
const GAP = 6;

export interface GridEvents {
  /** An image was chosen (click, Enter). */
  choose(item: GalleryItem): void;
  /** Files now on screen, for their pictures when they come as data: URIs. */
  shown(files: string[]): void;
}

export class Grid {
  readonly element: HTMLElement;
  private readonly spacer = el('div', { class: 'spacer' });
  private groups: Group[] = [];
  private flat: GalleryItem[] = [];
  private layout: Layout = layoutRows([], { columns: 1, tileHeight: TILE, headerHeight: HEADER });
  private active = -1;
  private selected: string | undefined;
  private favourites: ReadonlySet<string> = new Set();
  private sources: (item: GalleryItem) => string = (i) => i.src;
  private frame = 0;

  constructor(private readonly events: GridEvents) {
    this.element = el('div', { class: 'grid', role: 'listbox', tabindex: '0', 'aria-label': 'Image history' }, this.spacer);
    this.element.addEventListener('scroll', () => this.schedule());
    this.element.addEventListener('keydown', (e) => this.onKey(e));
    this.element.addEventListener('focus', () => this.active < 0 && this.flat.length && this.setActive(0));
    new ResizeObserver(() => this.relayout()).observe(this.element);
  }

  /** Shows `groups` (the selection and favourites kept). */
  show(groups: Group[], favourites: ReadonlySet<string>, sources: (item: GalleryItem) => string): void {
    const activeFile = this.flat[this.active]?.file;
    this.groups = groups;
    this.flat = groups.flatMap((g) => g.items);
    this.favourites = favourites;
    this.sources = sources;
    this.active = activeFile ? this.flat.findIndex((i) => i.file === activeFile) : -1;
    this.relayout();
  }

  /** Marks the image shown large (and makes it the active one, scrolled into view). */
  select(file: string | undefined): void {
    this.selected = file;
    const i = file ? this.flat.findIndex((x) => x.file === file) : -1;
    if (i >= 0) this.setActive(i);
    else this.render();
  }

  get count(): number {
    return this.flat.length;
  }

  private relayout(): void {
    const columns = Math.max(1, Math.floor((this.element.clientWidth - 8 + GAP) / (TILE_WIDTH + GAP)));
    this.layout = layoutRows(this.groups, { columns, tileHeight: TILE, headerHeight: HEADER });
    this.spacer.style.height = `${this.layout.height}px`;
    this.spacer.style.setProperty('--columns', String(columns));
    this.render();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const { start, end } = visibleRows(this.layout, this.element.scrollTop, this.element.clientHeight || 600);
    clear(this.spacer);
    const files: string[] = [];
    for (let r = start; r < end; r++) {
      const row = this.layout.rows[r];
      const node = row.kind === 'header' ? this.header(row.first, row.count) : this.tiles(row.first, row.count, files);
      node.style.transform = `translateY(${row.top}px)`;
      this.spacer.append(node);
    }
    if (this.active >= 0) this.element.setAttribute('aria-activedescendant', `image-${this.active}`);
    else this.element.removeAttribute('aria-activedescendant');
    this.events.shown(files);
  }

  private header(first: number, count: number): HTMLElement {
    const p = this.flat[first]?.parameters;
    const seeds = new Set(this.flat.slice(first, first + count).map((i) => i.parameters?.seed));
    const what = `${count} images · ${seeds.size === 1 ? `seed ${p?.seed}` : `seeds ${[...seeds].pop()}–${p?.seed}`} · ${imageCaption(this.flat[first].file, p)}`;
    // Each image's name says its run too; the header is what the eye sees.
    return el('div', { class: 'row run-header', 'aria-hidden': 'true', title: what }, what);
  }

  private tiles(first: number, count: number, files: string[]): HTMLElement {
    const row = el('div', { class: 'row tiles', role: 'presentation' });
    for (let i = first; i < first + count; i++) {
      const item = this.flat[i];
      files.push(item.file);
      row.append(this.tile(item, i));
    }
    return row;
  }

  private tile(item: GalleryItem, index: number): HTMLElement {
    const fav = this.favourites.has(item.file);
    const run = this.runLabel(index);
    const label = `${imageCaption(item.file, item.parameters)}${item.parameters ? `, seed ${item.parameters.seed}` : ''}${fav ? ', favourite' : ''}${run}`;
    const cls = ['tile', index === this.active ? 'active' : '', item.file === this.selected ? 'selected' : '', fav ? 'favourite' : ''].filter(Boolean).join(' ');
    const node = el(
      'div',
      { id: `image-${index}`, class: cls, role: 'option', 'aria-selected': String(item.file === this.selected), 'aria-setsize': String(this.flat.length), 'aria-posinset': String(index + 1), 'aria-label': label, title: label },
      el('img', { src: this.sources(item) || undefined, alt: '', loading: 'lazy', draggable: 'false' }),
      fav ? el('span', { class: 'star', 'aria-hidden': 'true' }, icon('starFull')) : '',
    );
    node.addEventListener('click', () => {
      this.setActive(index);
      this.events.choose(item);
    });
    return node;
  }

  private runLabel(index: number): string {
    const rows = this.layout.rows;
    let r = this.layout.rowOf[index];
    while (r >= 0 && rows[r].kind === 'tiles' && rows[r].group === rows[this.layout.rowOf[index]].group) r--;
    const header = rows[r];
    return header?.kind === 'header' && header.group === rows[this.layout.rowOf[index]].group ? `, image ${index - header.first + 1} of ${header.count} in one run` : '';
  }

  private setActive(index: number): void {
    this.active = index;
    const row = this.layout.rowOf[index];
    if (row !== undefined) this.element.scrollTop = scrollToShow(this.layout, row, this.element.scrollTop, this.element.clientHeight);
    this.render();
  }

  private onKey(e: KeyboardEvent): void {
    if (NAV_KEYS.includes(e.key)) {
      e.preventDefault();
      const pageRows = Math.max(1, Math.floor(this.element.clientHeight / TILE) - 1);
      const next = moveIndex(this.layout, this.active, e.key as NavKey, pageRows);
      if (next >= 0) this.setActive(next);
    } else if ((e.key === 'Enter' || e.key === ' ') && this.flat[this.active]) {
      e.preventDefault();
      this.events.choose(this.flat[this.active]);
    }
  }
}
