// The model line at the top: which model, what it is doing, and when it fails, why and what to do.

import type { ModelState } from '../src/protocol/messages';
import { el } from './dom';
import { modelLine } from './format';
import type { Send } from './host';

export class ModelStatus {
  readonly element: HTMLElement;
  private readonly line = el('p', { id: 'model-line', class: 'model-line', role: 'status' }, 'Starting…');
  private readonly error = el('p', { id: 'model-error', class: 'error', role: 'alert', hidden: true });
  private readonly selectFolder = el('button', { type: 'button', class: 'secondary', hidden: true }, 'Select Model Folder…');
  private readonly showLog = el('button', { type: 'button', class: 'secondary', hidden: true }, 'Show Log');
  /** After the folder or the runtime was fixed: load again (Generate stays off while the model is in error). */
  private readonly reload = el('button', { type: 'button', class: 'secondary', hidden: true }, 'Reload Model');

  constructor(send: Send) {
    this.element = el('section', { class: 'model', 'aria-label': 'Model' }, this.line, this.error, el('div', { class: 'row buttons' }, this.reload, this.selectFolder, this.showLog));
    this.selectFolder.addEventListener('click', () => send({ type: 'selectModelFolder' }));
    this.showLog.addEventListener('click', () => send({ type: 'showLog' }));
    this.reload.addEventListener('click', () => send({ type: 'reloadModel' }));
  }

  show(m: ModelState): void {
    this.error.hidden = m.state !== 'error';
    this.error.textContent = m.error ?? '';
    this.selectFolder.hidden = !(m.state === 'unset' || m.state === 'error');
    this.showLog.hidden = m.state !== 'error';
    this.reload.hidden = m.state !== 'error';
    this.line.textContent = modelLine(m);
    this.line.className = `model-line ${m.state}`;
  }
}
