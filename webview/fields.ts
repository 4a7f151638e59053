// A form field (label, control, hints, error box), and the host's validation errors shown in them.

import type { FieldError } from '../src/protocol/generation';
import { el } from './dom';

/** Field `<id>-field`: a label for control `#<id>`, which its error box `#<id>-error` and hints describe. */
export function field(id: string, label: string, control: HTMLElement, ...extra: HTMLElement[]): HTMLElement {
  const error = el('p', { id: `${id}-error`, class: 'error field-error', hidden: true });
  control.id = id;
  control.setAttribute('aria-describedby', [`${id}-error`, ...extra.map((e) => e.id).filter(Boolean)].join(' '));
  return el('div', { class: 'field', id: `${id}-field` }, el('label', { for: id }, label), control, ...extra, error);
}

function hide(box: HTMLElement): void {
  box.hidden = true;
  box.textContent = '';
}

/** The error boxes of one form, and the controls they belong to (by FieldError.field). */
export class FieldErrors {
  constructor(private readonly form: HTMLElement, private readonly controls: ReadonlyMap<string, HTMLElement>) {}

  /** Shows each error under its field (or in #message-error), marks its control and focuses the first. */
  show(errors: FieldError[]): void {
    for (const box of Array.from(this.form.querySelectorAll<HTMLElement>('.field-error, #message-error'))) hide(box);
    for (const c of Array.from(this.form.querySelectorAll('[aria-invalid]'))) c.removeAttribute('aria-invalid');
    let first: HTMLElement | undefined;
    for (const e of errors) {
      const box = this.box(e.field);
      if (!box) continue;
      box.textContent = e.message;
      box.hidden = false;
      const control = this.controls.get(e.field);
      control?.setAttribute('aria-invalid', 'true');
      first ??= control;
    }
    first?.focus();
  }

  /** An edited field's error no longer applies. */
  edited(field: string): void {
    const control = this.controls.get(field);
    if (control?.getAttribute('aria-invalid') !== 'true') return;
    control.removeAttribute('aria-invalid');
    const box = this.box(field);
    if (box) hide(box);
  }

  private box(field: string): HTMLElement | null {
    return this.form.querySelector<HTMLElement>(`#${CSS.escape(`${field}-error`)}`);
  }
}

/** Puts buttons beside a field's label (e.g. the prompt's history button). */
export function withLabelActions(fieldElement: HTMLElement, ...buttons: HTMLElement[]): HTMLElement {
  const label = fieldElement.querySelector('label');
  if (!label) return fieldElement;
  const row = el('div', { class: 'label-row' });
  label.before(row);
  row.append(label, ...buttons);
  return fieldElement;
}
