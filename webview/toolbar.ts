// A toolbar of icon buttons with one Tab stop (roving tabindex): Left/Right (and Up/Down), Home
// and End move between its buttons, as the ARIA toolbar pattern has it.

import { el } from './dom';
import { icon, type IconName } from './icons';

export interface ToolbarButton {
  icon: IconName;
  /** The accessible name, and the tooltip. */
  label: string;
  run(): void;
  /** A class for the button, e.g. "danger". */
  kind?: string;
}

export function iconButton(name: IconName, label: string, attrs: Record<string, string> = {}): HTMLButtonElement {
  return el('button', { type: 'button', class: 'icon', title: label, 'aria-label': label, ...attrs }, icon(name));
}

export function toolbar(label: string, buttons: ToolbarButton[]): HTMLElement {
  const bar = el('div', { class: 'actions', role: 'toolbar', 'aria-label': label });
  const items = buttons.map((b, i) => {
    const button = iconButton(b.icon, b.label, { tabindex: i === 0 ? '0' : '-1', ...(b.kind ? { 'data-kind': b.kind } : {}) });
    button.addEventListener('click', () => b.run());
    return button;
  });
  bar.append(...items);
  bar.addEventListener('keydown', (e) => {
    const at = items.indexOf(e.target as HTMLButtonElement);
    if (at < 0) return;
    const to = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const next = items[(to + items.length) % items.length];
    for (const b of items) b.tabIndex = b === next ? 0 : -1;
    next.focus();
  });
  return bar;
}
