// The seed field: the seed (empty: a random one each time), a dice for a random one, a clear
// button, and the seed the last job used, one click away.

import { clear, el } from './dom';
import { iconButton } from './toolbar';

export class SeedField {
  readonly element: HTMLElement;
  readonly input = el('input', { type: 'text', inputmode: 'numeric', placeholder: 'random', autocomplete: 'off', id: 'seed-input', 'aria-describedby': 'seed-error seed-last' });
  private readonly last = el('p', { id: 'seed-last', class: 'hint', hidden: true }, '');

  /** `changed` runs when a button sets the seed (typing is the form's to watch). */
  constructor(changed: () => void) {
    const dice = iconButton('dice', 'Pick a random seed');
    const clearSeed = iconButton('close', 'Clear the seed: a random one each time');
    // The row carries the field's id; the label and the error describe the input inside it.
    const row = el('div', { class: 'row seed-row', id: 'seed' }, this.input, dice, clearSeed);
    const error = el('p', { id: 'seed-error', class: 'error field-error', hidden: true });
    this.element = el('div', { class: 'field', id: 'seed-field' }, el('label', { for: 'seed-input' }, 'Seed'), row, this.last, error);
    const set = (seed: string) => {
      this.input.value = seed;
      changed();
    };
    // 0 … 2^32−1, LIMITS.maxRandomSeed, as the host draws random seeds.
    dice.addEventListener('click', () => set(String(crypto.getRandomValues(new Uint32Array(1))[0])));
    clearSeed.addEventListener('click', () => set(''));
    this.last.addEventListener('click', (e) => {
      const seed = (e.target as HTMLElement).dataset.seed;
      if (seed) set(seed);
    });
  }

  showLast(seed: string | undefined): void {
    clear(this.last);
    this.last.hidden = !seed;
    if (!seed) return;
    const use = el('button', { type: 'button', class: 'link', 'data-seed': seed, 'aria-label': `Use the last seed, ${seed}` }, 'use it');
    this.last.append(`Last seed used: ${seed} — `, use);
  }
}
