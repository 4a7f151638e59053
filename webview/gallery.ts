// The gallery: the output folder's images as thumbnails (newest job's marked, a batch's images
// grouped), each with one toolbar of icon actions, and draggable into an editor (the host's drop
// provider inserts it).

import { GALLERY_DRAG_MIME, type GalleryAction, type GalleryItem } from '../src/protocol/messages';
import { clear, el } from './dom';
import { galleryCount, imageCaption, imageMeta } from './format';
import { batchGroups } from './gallery-groups';
import type { Send } from './host';
import type { IconName } from './icons';
import { iconButton, toolbar } from './toolbar';
import { ACTION_TITLES } from './action-titles';

type TileAction = GalleryAction | 'rerunNextSeed';


const ACTIONS: { action: TileAction; icon: IconName; title: string; kind?: string }[] = [
  { action: 'insert', icon: 'insert', title: ACTION_TITLES.insert },
  { action: 'copyMarkdown', icon: 'link', title: ACTION_TITLES.copyMarkdown },
  { action: 'reuse', icon: 'reuse', title: ACTION_TITLES.reuse },
  { action: 'rerun', icon: 'play', title: ACTION_TITLES.rerun },
  { action: 'rerunNextSeed', icon: 'next', title: ACTION_TITLES.rerunNextSeed },
  { action: 'reveal', icon: 'folder', title: ACTION_TITLES.reveal },
  { action: 'delete', icon: 'trash', title: ACTION_TITLES.delete, kind: 'danger' },
];

export class Gallery {
  readonly element: HTMLElement;
  private readonly list = el('ul', { class: 'gallery', 'aria-label': 'Generated images' });
  private readonly folder = el('p', { id: 'gallery-count', class: 'hint folder', role: 'status' }, '');
  /** The older images, a page at a time (the host knows the page size). */
  private readonly more = el('button', { type: 'button', class: 'secondary more', hidden: true }, 'Show more');
  /** The files of the last finished job, highlighted. */
  private newFiles = new Set<string>();

  constructor(private readonly send: Send) {
    const refresh = iconButton('refresh', 'Refresh the gallery');
    refresh.addEventListener('click', () => send({ type: 'refreshGallery' }));
    this.more.addEventListener('click', () => send({ type: 'showMoreGallery' }));
    const header = el('div', { class: 'row header' }, el('h2', { id: 'gallery-title' }, 'Gallery'), refresh);
    this.element = el('section', { class: 'gallery-section', 'aria-labelledby': 'gallery-title' }, header, this.folder, this.list, this.more);
  }

  markNew(files: string[]): void {
    this.newFiles = new Set(files);
  }

  /** Scrolls to the newest job's first image and focuses it (the result line's Show). */
  focusNew(): void {
    const first = this.list.querySelector<HTMLElement>('li.new button.thumb');
    first?.scrollIntoView({ block: 'nearest' });
    first?.focus();
  }

  /** The newest `items.length` of `total` images in `folder`. */
  show(items: GalleryItem[], folder: string, total: number): void {
    const before = this.list.querySelectorAll('button.thumb').length;
    const moreHadFocus = document.activeElement === this.more;
    clear(this.list);
    this.folder.textContent = folder ? galleryCount(items.length, total, folder) : 'Open a folder, or generate once to choose where images go.';
    for (const group of batchGroups(items)) this.list.append(group.length === 1 ? this.tile(group[0], true) : this.batch(group));
    this.more.hidden = items.length >= total;
    this.more.textContent = `Show more (${total - items.length} older)`;
    // Keyboard users who asked for more land on the first of them, not back at the top or on the button.
    if (moreHadFocus) this.list.querySelectorAll<HTMLElement>('button.thumb')[before]?.focus();
  }

  /** A batch: one caption for its prompt, its images side by side. */
  private batch(group: GalleryItem[]): HTMLElement {
    const what = imageCaption(group[0].file, group[0].parameters);
    const title = `${group.length} images · ${what}`;
    const tiles = el('ul', { class: 'batch-tiles', 'aria-label': title }, ...group.map((item) => this.tile(item, false)));
    return el('li', { class: 'batch' }, el('p', { class: 'caption batch-caption' }, title), tiles);
  }

  private tile(item: GalleryItem, withCaption: boolean): HTMLElement {
    const what = imageCaption(item.file, item.parameters);
    const img = el('img', { src: item.src, alt: what, loading: 'lazy', draggable: 'false' });
    const open = el('button', { type: 'button', class: 'thumb', title: `${what}\n${item.file}`, 'aria-label': `Open ${item.file}: ${what}` }, img);
    // The studio (editor area) shows it large with its parameters; Open in the studio opens the file itself.
    open.addEventListener('click', () => this.send({ type: 'openInStudio', file: item.file }));
    const bar = toolbar(`Actions for ${item.file}`, ACTIONS.map((a) => ({ icon: a.icon, label: a.title, kind: a.kind, run: () => this.act(a.action, item.file) })));
    const meta = imageMeta(item.parameters);
    const li = el('li', { class: `tile${this.newFiles.has(item.file) ? ' new' : ''}`, draggable: 'true' }, open, withCaption ? el('p', { class: 'caption' }, what) : '', meta ? el('p', { class: 'hint meta' }, meta) : '', bar);
    li.addEventListener('dragstart', (e) => {
      if (!e.dataTransfer) return;
      // The name only: the host's drop provider makes the snippet for the editor it lands in.
      e.dataTransfer.setData(GALLERY_DRAG_MIME, JSON.stringify({ file: item.file }));
      e.dataTransfer.effectAllowed = 'copy';
    });
    return li;
  }

  private act(action: TileAction, file: string): void {
    if (action === 'rerunNextSeed') this.send({ type: 'rerunNextSeed', file });
    else this.send({ type: 'galleryAction', action, file });
  }
}
