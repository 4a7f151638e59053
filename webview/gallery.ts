// The gallery: the output folder's images as thumbnails (newest job's marked), each with its
// actions, and draggable into an editor (the host's drop provider inserts it).

import { GALLERY_DRAG_MIME, type GalleryAction, type GalleryItem } from '../src/protocol/messages';
import { clear, el } from './dom';
import { galleryCount, imageCaption, imageMeta } from './format';
import type { Send } from './host';

const ACTIONS: { action: GalleryAction; label: string; title: string }[] = [
  { action: 'insert', label: 'Insert', title: 'Insert at the cursor' },
  { action: 'copyMarkdown', label: 'Copy link', title: 'Copy a Markdown link' },
  { action: 'reuse', label: 'Reuse', title: 'Put its parameters into the form' },
  { action: 'rerun', label: 'Re-run', title: 'Generate again with the same seed' },
  { action: 'reveal', label: 'Reveal', title: 'Reveal in the Explorer' },
  { action: 'delete', label: 'Delete', title: 'Move to the trash' },
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
    const refresh = el('button', { type: 'button', class: 'icon', title: 'Refresh', 'aria-label': 'Refresh the gallery' }, '↻');
    refresh.addEventListener('click', () => send({ type: 'refreshGallery' }));
    this.more.addEventListener('click', () => send({ type: 'showMoreGallery' }));
    const header = el('div', { class: 'row header' }, el('h2', { id: 'gallery-title' }, 'Gallery'), refresh);
    this.element = el('section', { class: 'gallery-section', 'aria-labelledby': 'gallery-title' }, header, this.folder, this.list, this.more);
  }

  markNew(files: string[]): void {
    this.newFiles = new Set(files);
  }

  /** The newest `items.length` of `total` images in `folder`. */
  show(items: GalleryItem[], folder: string, total: number): void {
    const before = this.list.children.length;
    const moreHadFocus = document.activeElement === this.more;
    clear(this.list);
    this.folder.textContent = folder ? galleryCount(items.length, total, folder) : 'Open a folder, or generate once to choose where images go.';
    for (const item of items) this.list.append(this.entry(item));
    this.more.hidden = items.length >= total;
    this.more.textContent = `Show more (${total - items.length} older)`;
    // Keyboard users who asked for more land on the first of them, not back at the top or on the button.
    if (moreHadFocus) (this.list.children[before]?.querySelector('button.thumb') as HTMLElement | null)?.focus();
  }

  private entry(item: GalleryItem): HTMLElement {
    const what = imageCaption(item.file, item.parameters);
    const img = el('img', { src: item.src, alt: what, loading: 'lazy', draggable: 'false' });
    const open = el('button', { type: 'button', class: 'thumb', title: `${what}\n${item.file}`, 'aria-label': `Open ${item.file}: ${what}` }, img);
    // The studio (editor area) shows it large with its parameters; Open in the studio opens the file itself.
    open.addEventListener('click', () => this.send({ type: 'openInStudio', file: item.file }));
    const bar = el('div', { class: 'actions', role: 'toolbar', 'aria-label': `Actions for ${item.file}` });
    for (const a of ACTIONS) {
      const b = el('button', { type: 'button', class: `link ${a.action}`, title: a.title, 'aria-label': `${a.title}: ${item.file}` }, a.label);
      b.addEventListener('click', () => this.act(a.action, item.file));
      bar.append(b);
    }
    const meta = imageMeta(item.parameters);
    const li = el('li', { class: this.newFiles.has(item.file) ? 'new' : '', draggable: 'true' }, open, el('p', { class: 'caption' }, what), meta ? el('p', { class: 'hint meta' }, meta) : el('span'), bar);
    li.addEventListener('dragstart', (e) => {
      if (!e.dataTransfer) return;
      // The name only: the host's drop provider makes the snippet for the editor it lands in.
      e.dataTransfer.setData(GALLERY_DRAG_MIME, JSON.stringify({ file: item.file }));
      e.dataTransfer.effectAllowed = 'copy';
    });
    return li;
  }

  private act(action: GalleryAction, file: string): void {
    this.send({ type: 'galleryAction', action, file });
  }
}
