// The studio's viewer: the chosen image large with its parameters beside it and the gallery's
// actions in one toolbar (arrow keys move along it, one Tab stop); in compare mode two images side
// by side, the parameters that differ marked.

import type { GalleryAction, GalleryItem, ImageParameters } from '../../src/protocol/messages';
import { clear, el } from '../dom';
import { imageCaption } from '../format';
import { icon } from '../icons';
import { ACTION_TITLES } from '../action-titles';

/** Label, parameter, in the order a user reads them. */
const FIELDS: { label: string; value: (p: ImageParameters) => string }[] = [
  { label: 'Prompt', value: (p) => p.prompt },
  { label: 'Negative prompt', value: (p) => p.negativePrompt || '—' },
  { label: 'Seed', value: (p) => p.seed },
  { label: 'Steps', value: (p) => (p.steps === undefined ? '—' : String(p.steps)) },
  { label: 'Guidance', value: (p) => (p.guidanceScale === undefined ? '—' : String(p.guidanceScale)) },
  { label: 'Size', value: (p) => (p.width ? `${p.width}×${p.height}` : '—') },
  { label: 'Model', value: (p) => p.model || '—' },
  { label: 'Scheduler', value: (p) => p.sampler || '—' },
];

export const STUDIO_ACTIONS: { action: GalleryAction; label: string; title: string }[] = (
  [['insert', 'Insert'], ['copyMarkdown', 'Copy link'], ['reuse', 'Reuse'], ['rerun', 'Re-run'], ['open', 'Open'], ['reveal', 'Reveal'], ['delete', 'Delete']] as const
).map(([action, label]) => ({ action, label, title: ACTION_TITLES[action] }));

export interface ViewerEvents {
  act(action: GalleryAction, file: string): void;
  favourite(file: string, on: boolean): void;
  compare(): void;
  leaveCompare(): void;
}

/** A toolbar whose buttons share one Tab stop; the arrow keys, Home and End move along it. */
function toolbar(label: string, buttons: HTMLButtonElement[]): HTMLElement {
  const bar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': label }, ...buttons);
  buttons.forEach((b, i) => (b.tabIndex = i === 0 ? 0 : -1));
  bar.addEventListener('keydown', (e) => {
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: buttons.length - 1 }[e.key];
    if (i < 0 || to === undefined) return;
    e.preventDefault();
    const next = buttons[(to + buttons.length) % buttons.length];
    buttons.forEach((b) => (b.tabIndex = b === next ? 0 : -1));
    next.focus();
  });
  return bar;
}

function button(content: string | (string | Node)[], title: string, onClick: () => void, attrs: Record<string, string> = {}): HTMLButtonElement {
  const b = el('button', { type: 'button', title, ...attrs }, ...(Array.isArray(content) ? content : [content]));
  b.addEventListener('click', onClick);
  return b;
}

function parameterList(item: GalleryItem, other?: GalleryItem): HTMLElement {
  const p = item.parameters;
  const dl = el('dl', { class: 'parameters' });
  if (!p) {
    dl.append(el('dt', {}, 'Parameters'), el('dd', {}, 'This file carries no generation parameters.'));
  } else {
    for (const f of FIELDS) {
      const v = f.value(p);
      const differs = other?.parameters !== undefined && f.value(other.parameters) !== v;
      dl.append(el('dt', { class: differs ? 'differs' : '' }, differs ? `${f.label} (differs)` : f.label), el('dd', { class: differs ? 'differs' : '' }, v));
    }
  }
  dl.append(el('dt', {}, 'File'), el('dd', {}, item.file), el('dt', {}, 'Saved'), el('dd', {}, new Date(item.mtimeMs).toLocaleString()));
  return dl;
}

export class Viewer {
  readonly element = el('section', { class: 'viewer', 'aria-label': 'Selected image' });

  constructor(private readonly events: ViewerEvents) {}

  /** One image large, or none (an empty history, or nothing found). */
  show(item: GalleryItem | undefined, src: string, favourite: boolean, emptyText: string): void {
    clear(this.element);
    this.element.classList.remove('comparing');
    if (!item) {
      this.element.append(el('p', { class: 'empty' }, emptyText));
      return;
    }
    const what = imageCaption(item.file, item.parameters);
    const fav = button([icon(favourite ? 'starFull' : 'starEmpty'), ' Favourite'], favourite ? 'Remove from favourites' : 'Add to favourites', () => this.events.favourite(item.file, !favourite), { 'aria-pressed': String(favourite) });
    const compare = button('Compare…', 'Compare with another image: choose it in the history (Escape leaves)', () => this.events.compare());
    const actions = STUDIO_ACTIONS.map((a) => button(a.label, `${a.title}`, () => this.events.act(a.action, item.file), { 'aria-label': `${a.title}: ${item.file}` }));
    this.element.append(
      el('figure', { class: 'large' }, el('img', { src: src || undefined, alt: what })),
      el('div', { class: 'side' }, el('h2', { class: 'caption' }, what), toolbar('Image actions', [fav, compare, ...actions]), parameterList(item)),
    );
  }

  /** Two images side by side (`b` undefined: waiting for the second to be chosen). */
  compare(a: GalleryItem, srcA: string, b: GalleryItem | undefined, srcB: string): void {
    clear(this.element);
    this.element.classList.add('comparing');
    const leave = button('Leave compare', 'Back to one image (Escape)', () => this.events.leaveCompare());
    const pane = (item: GalleryItem, src: string, other: GalleryItem | undefined, side: string) =>
      el('figure', { class: 'pane', 'aria-label': `${side}: ${item.file}` }, el('img', { src: src || undefined, alt: imageCaption(item.file, item.parameters) }), parameterList(item, other));
    const right = b ? pane(b, srcB, a, 'Right') : el('p', { class: 'empty pane' }, 'Choose the image to compare with in the history (click it, or Enter).');
    this.element.append(el('div', { class: 'compare-bar' }, el('h2', {}, 'Compare'), toolbar('Compare actions', [leave])), el('div', { class: 'panes' }, pane(a, srcA, b, 'Left'), right));
  }

  focusActions(): void {
    (this.element.querySelector('[role=toolbar] button[tabindex="0"]') as HTMLElement | null)?.focus();
  }
}
