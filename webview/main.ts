// The generator webview: a thin form and gallery. It holds no truth: the model state, defaults,
// queue, progress and gallery come from the host, and everything it sends is validated there.
// This file only puts the widgets on the page, wires them together and hands each host message
// to the widget it is for.

import type { HostToWebview } from '../src/protocol/messages';
import { GeneratorForm } from './form';
import { fromConfig } from './form-values';
import { Gallery } from './gallery';
import type { HostMessage, Send, VsCodeApi } from './host';
import { ModelStatus } from './model-status';
import { Progress } from './progress';
import { ViewState } from './state';

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const send: Send = (msg) => vscode.postMessage(msg);
const saved = new ViewState(vscode);

const modelStatus = new ModelStatus(send);
const gallery = new Gallery(send);
const progress = new Progress({ send, showNew: () => gallery.focusNew() });
const form = new GeneratorForm({
  send,
  changed: (values) => saved.update({ form: values }),
  generating: () => progress.clearResult(),
  running: () => progress.running,
});
document.getElementById('app')!.append(modelStatus.element, form.element, ...progress.elements, gallery.element);

function onModelState(msg: HostMessage<'modelState'>): void {
  const model = msg.model.model;
  const otherModel = model !== undefined && saved.modelName !== model.name;
  modelStatus.show(msg.model);
  // The model loads again (the folder or the runtime was fixed): an error shown for it is stale.
  if (msg.model.state !== 'error' && !msg.model.generateBlocked) progress.clearError();
  progress.setModel(msg.model.state, msg.preview);
  form.setModel(msg.model, msg.defaults);
  const { steps, guidanceScale, width, height, imagesPerPrompt } = msg.defaults;
  if (!saved.form) form.apply(fromConfig({ steps, guidanceScale, width, height, imagesPerPrompt, seed: '' }));
  // A different model: its own steps, guidance and sizes (LCM: 4 steps, no guidance; XL-2: ~20 steps, 4.5).
  else if (otherModel) form.apply(fromConfig({ steps, guidanceScale, width, height }));
  if (model) saved.update({ modelName: model.name });
}

function onJobDone(msg: HostMessage<'jobDone'>): void {
  saved.update({ lastSeed: msg.seed });
  form.seed.showLast(msg.seed);
  gallery.markNew(msg.files);
  progress.done(msg);
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'modelState':
      return onModelState(msg);
    case 'tokens':
      return form.tokens.reply(msg);
    case 'queue':
      form.setBusy(msg.jobs.length > 0);
      return progress.showQueue(msg.jobs);
    case 'progress':
      return progress.step(msg);
    case 'preview':
      return progress.preview(msg);
    case 'jobDone':
      return onJobDone(msg);
    case 'jobFailed':
      return progress.failed(msg);
    case 'gallery':
      return gallery.show(msg.items, msg.folder, msg.total);
    case 'setForm':
      // Reuse and the history put a prompt as it ran (any style already in it): no style on top, no stale result.
      form.apply({ ...fromConfig(msg.params), ...(msg.params.prompt !== undefined ? { style: '' } : {}) });
      progress.clearResult();
      return form.focusPrompt();
    case 'styles':
      return form.setStyles(msg);
    case 'history':
      return form.setHistory(msg.prompts);
    case 'batchQueued':
      return progress.batchQueued(msg);
    case 'invalid':
      return form.showErrors(msg.errors);
    case 'notice':
      return progress.notice(msg);
  }
});

// Restore, then ask the host for the truth.
if (saved.form) form.apply(saved.form);
form.seed.showLast(saved.lastSeed);
send({ type: 'ready' });
