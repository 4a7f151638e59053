// The generator webview: a thin form and gallery. It holds no truth: the model state, defaults,
// queue, progress and gallery come from the host, and everything it sends is validated there.
// Keeps the form in getState/setState so it survives being hidden.

import type { FieldError, GenerationConfig } from '../src/protocol/generation';
import type {
  FormDefaults,
  GalleryAction,
  GalleryItem,
  HostToWebview,
  JobSummary,
  ModelState,
  WebviewToHost,
} from '../src/protocol/messages';
import { el, clear } from './dom';
import { formatDuration, sizeLabel } from './format';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

interface FormValues {
  prompt: string;
  negativePrompt: string;
  seed: string;
  steps: string;
  guidanceScale: string;
  size: string;
  count: string;
}

interface SavedState {
  form?: FormValues;
  modelName?: string;
  lastSeed?: string;
}

const saved: SavedState = (vscode.getState() as SavedState | undefined) ?? {};

function send(msg: WebviewToHost): void {
  vscode.postMessage(msg);
}

// ─── the page ────────────────────────────────────────────────────────────────

const app = document.getElementById('app')!;

const modelLine = el('p', { id: 'model-line', class: 'model-line', role: 'status' }, 'Starting…');
const modelError = el('p', { id: 'model-error', class: 'error', role: 'alert', hidden: true });
const selectModelButton = el('button', { type: 'button', class: 'secondary', hidden: true }, 'Select Model Folder…');
const showLogButton = el('button', { type: 'button', class: 'secondary', hidden: true }, 'Show Log');
const modelSection = el('section', { class: 'model', 'aria-label': 'Model' }, modelLine, modelError, el('div', { class: 'row buttons' }, selectModelButton, showLogButton));

function field(id: string, label: string, control: HTMLElement, ...extra: HTMLElement[]): HTMLElement {
  const error = el('p', { id: `${id}-error`, class: 'error field-error', hidden: true });
  control.id = id;
  control.setAttribute('aria-describedby', [`${id}-error`, ...extra.map((e) => e.id).filter(Boolean)].join(' '));
  return el('div', { class: 'field', id: `${id}-field` }, el('label', { for: id }, label), control, ...extra, error);
}

const prompt = el('textarea', { rows: '4', maxlength: '2000', placeholder: 'a small cactus in a terracotta pot, studio light', spellcheck: 'true' }) as HTMLTextAreaElement;
const tokenCount = el('p', { id: 'prompt-tokens', class: 'hint tokens', 'aria-live': 'polite' }, '');
const negative = el('textarea', { rows: '2', maxlength: '2000', placeholder: 'blurry, low quality' }) as HTMLTextAreaElement;
const negativeHint = el('p', { id: 'negativePrompt-hint', class: 'hint' }, '');
const seed = el('input', { type: 'text', inputmode: 'numeric', placeholder: 'random', autocomplete: 'off' }) as HTMLInputElement;
const diceButton = el('button', { type: 'button', class: 'icon', title: 'Random seed', 'aria-label': 'Pick a random seed' }, '⚄');
const clearSeedButton = el('button', { type: 'button', class: 'icon', title: 'Random seed each time', 'aria-label': 'Clear the seed: a random one each time' }, '✕');
const lastSeed = el('p', { id: 'seed-last', class: 'hint' }, '');
const steps = el('input', { type: 'number', min: '1', max: '100', step: '1' }) as HTMLInputElement;
const guidance = el('input', { type: 'number', min: '0', max: '20', step: '0.1' }) as HTMLInputElement;
const size = el('select', {}) as HTMLSelectElement;
const count = el('select', {}, ...[1, 2, 3, 4].map((n) => el('option', { value: String(n) }, String(n)))) as HTMLSelectElement;
// Not a submit button: VS Code's webview iframes are sandboxed without allow-forms (enableForms
// is off), where a form is never submitted and no submit event fires. Click and keys call generate().
const generateButton = el('button', { type: 'button', class: 'primary' }, 'Generate');
const cancelButton = el('button', { type: 'button', class: 'secondary', disabled: true }, 'Cancel');

const seedRow = el('div', { class: 'row seed-row' }, seed, diceButton, clearSeedButton);
const form = el(
  'form',
  { class: 'form', novalidate: true, 'aria-label': 'Image generation' },
  field('prompt', 'Prompt', prompt, tokenCount),
  field('negativePrompt', 'Negative prompt', negative, negativeHint),
  (() => {
    const f = field('seed', 'Seed', seedRow, lastSeed);
    // The label points at the input inside the row.
    f.querySelector('label')!.setAttribute('for', 'seed-input');
    seed.id = 'seed-input';
    seed.setAttribute('aria-describedby', 'seed-error seed-last');
    seedRow.removeAttribute('aria-describedby');
    return f;
  })(),
  el('div', { class: 'row two' }, field('steps', 'Steps', steps), field('guidanceScale', 'Guidance scale', guidance)),
  el('div', { class: 'row two' }, field('width', 'Size', size), field('imagesPerPrompt', 'Images', count)),
  el('p', { id: 'message-error', class: 'error', role: 'alert', hidden: true }),
  el('div', { class: 'row buttons' }, generateButton, cancelButton),
);

const progressBar = el('progress', { max: '1', value: '0', 'aria-label': 'Generation progress' }) as HTMLProgressElement;
const progressText = el('p', { class: 'hint', 'aria-live': 'polite' }, '');
const queueList = el('ul', { class: 'queue', 'aria-label': 'Queued jobs' });
const progressSection = el('section', { class: 'progress', 'aria-label': 'Progress', hidden: true }, progressBar, progressText, queueList);

const previews = el('div', { class: 'previews', 'aria-label': 'Live preview', role: 'img', hidden: true });
const resultText = el('p', { class: 'hint result', 'aria-live': 'polite' }, '');

const galleryList = el('ul', { class: 'gallery', 'aria-label': 'Generated images' });
const refreshButton = el('button', { type: 'button', class: 'icon', title: 'Refresh', 'aria-label': 'Refresh the gallery' }, '↻');
const galleryFolder = el('p', { class: 'hint folder' }, '');
const gallerySection = el('section', { class: 'gallery-section', 'aria-labelledby': 'gallery-title' }, el('div', { class: 'row header' }, el('h2', { id: 'gallery-title' }, 'Gallery'), refreshButton), galleryFolder, galleryList);

app.append(modelSection, form, progressSection, previews, resultText, gallerySection);

// ─── state ───────────────────────────────────────────────────────────────────

let model: ModelState = { state: 'idle' };
let defaults: FormDefaults | undefined;
let previewsEnabled = true;
let runningJob: string | undefined;
let tokenRequest = 0;
let tokenTimer: ReturnType<typeof setTimeout> | undefined;
let newFiles = new Set<string>();

function formValues(): FormValues {
  return { prompt: prompt.value, negativePrompt: negative.value, seed: seed.value, steps: steps.value, guidanceScale: guidance.value, size: size.value, count: count.value };
}

function persist(): void {
  saved.form = formValues();
  vscode.setState(saved);
}

function applyForm(v: Partial<FormValues>): void {
  if (v.prompt !== undefined) prompt.value = v.prompt;
  if (v.negativePrompt !== undefined) negative.value = v.negativePrompt;
  if (v.seed !== undefined) seed.value = v.seed;
  if (v.steps !== undefined) steps.value = v.steps;
  if (v.guidanceScale !== undefined) guidance.value = v.guidanceScale;
  if (v.size !== undefined) selectSize(v.size);
  if (v.count !== undefined) count.value = v.count;
  updateNegativeState();
  requestTokens();
  persist();
}

function selectSize(value: string): void {
  if (Array.from(size.options).some((o) => o.value === value)) size.value = value;
  else if (value && model.model === undefined) {
    // No model yet: keep the wanted size as the only option until the host tells us the real list.
    size.append(el('option', { value }, value.replace('x', '×')));
    size.value = value;
  }
}

function updateNegativeState(): void {
  const g = Number(guidance.value);
  const active = Number.isFinite(g) && g > 1;
  const f = document.getElementById('negativePrompt-field')!;
  f.classList.toggle('inactive', !active);
  negativeHint.textContent = active ? 'Steers the image away from these words.' : 'Inactive: the negative prompt is used only with guidance scale above 1.';
}

// ─── model state ─────────────────────────────────────────────────────────────

function renderModel(): void {
  const m = model;
  modelError.hidden = m.state !== 'error';
  modelError.textContent = m.error ?? '';
  selectModelButton.hidden = !(m.state === 'unset' || m.state === 'error');
  showLogButton.hidden = m.state !== 'error';
  const name = m.model?.name ?? (m.modelPath ? m.modelPath.split(/[\\/]/).filter(Boolean).pop() : '');
  modelLine.textContent =
    m.state === 'unset' ? 'No model folder is set.'
    : m.state === 'idle' ? `${name} — loads when you generate.`
    : m.state === 'loading' ? `Loading ${name}…`
    : m.state === 'compiling' ? `Compiling ${name} for ${m.device ?? 'the device'}… (cached after the first time)`
    : m.state === 'ready' ? `${m.model?.name} · ${m.model?.sampler} · ready on ${m.device}`
    : 'The model could not be loaded.';
  modelLine.className = `model-line ${m.state}`;

  // Sizes the model can run.
  const sizes = m.model?.supportedSizes ?? [];
  if (sizes.length) {
    const current = size.value;
    clear(size);
    const sorted = [...sizes].sort((a, b) => a.height / a.width - b.height / b.width);
    for (const s of sorted) size.append(el('option', { value: `${s.width}x${s.height}` }, sizeLabel(s.width, s.height)));
    if (Array.from(size.options).some((o) => o.value === current)) size.value = current;
    else if (defaults) size.value = `${defaults.width}x${defaults.height}`;
    size.disabled = sizes.length === 1;
    size.title = m.model?.staticSize ? 'This model was converted for one size only.' : '';
  } else if (defaults && size.options.length === 0) {
    size.append(el('option', { value: `${defaults.width}x${defaults.height}` }, sizeLabel(defaults.width, defaults.height)));
  }
  generateButton.disabled = m.state === 'unset';
  steps.max = String(Math.min(100, m.model?.maxSteps ?? 100));
}

function onModelState(msg: Extract<HostToWebview, { type: 'modelState' }>): void {
  const firstModel = msg.model.model && saved.modelName !== msg.model.model.name;
  model = msg.model;
  defaults = msg.defaults;
  previewsEnabled = msg.preview;
  renderModel();
  const d = msg.defaults;
  if (!saved.form) {
    applyForm({ steps: String(d.steps), guidanceScale: String(d.guidanceScale), size: `${d.width}x${d.height}`, count: String(d.imagesPerPrompt), seed: '' });
  } else if (firstModel) {
    // A different model: its own steps, guidance and sizes (LCM: 4 steps, no guidance; XL-2: ~20 steps, 4.5).
    applyForm({ steps: String(d.steps), guidanceScale: String(d.guidanceScale), size: `${d.width}x${d.height}` });
  }
  if (msg.model.model) {
    saved.modelName = msg.model.model.name;
    vscode.setState(saved);
  }
  updateNegativeState();
  requestTokens();
}

// ─── tokens ──────────────────────────────────────────────────────────────────

function requestTokens(): void {
  clearTimeout(tokenTimer);
  tokenTimer = setTimeout(() => send({ type: 'countTokens', requestId: ++tokenRequest, text: prompt.value }), 250);
}

function onTokens(msg: Extract<HostToWebview, { type: 'tokens' }>): void {
  if (msg.requestId !== tokenRequest) return;
  if (prompt.value.trim() === '') {
    // An empty prompt still encodes to </s>: say the limit rather than "1 / 120".
    tokenCount.textContent = `Up to ${msg.max} tokens.`;
    tokenCount.classList.remove('warning');
    return;
  }
  if (msg.tokens < 0) {
    tokenCount.textContent = `Token count appears when the model is loaded (limit ${msg.max}).`;
    tokenCount.classList.remove('warning');
    return;
  }
  tokenCount.textContent = msg.truncated ? `${msg.tokens} / ${msg.max} tokens — over the limit: words past token ${msg.max} are ignored.` : `${msg.tokens} / ${msg.max} tokens`;
  tokenCount.classList.toggle('warning', msg.truncated);
}

// ─── validation errors ───────────────────────────────────────────────────────

function showErrors(errors: FieldError[]): void {
  for (const e of Array.from(document.querySelectorAll<HTMLElement>('.field-error, #message-error'))) {
    e.hidden = true;
    e.textContent = '';
  }
  for (const c of Array.from(document.querySelectorAll('[aria-invalid]'))) c.removeAttribute('aria-invalid');
  let first: HTMLElement | undefined;
  for (const e of errors) {
    const box = document.getElementById(`${e.field}-error`);
    if (!box) continue;
    box.textContent = e.message;
    box.hidden = false;
    const control = e.field === 'seed' ? seed : (document.getElementById(e.field) as HTMLElement | null);
    control?.setAttribute('aria-invalid', 'true');
    first ??= control ?? undefined;
  }
  first?.focus();
}

// ─── progress, queue, previews ───────────────────────────────────────────────

function renderQueue(jobs: JobSummary[]): void {
  const running = jobs.find((j) => j.status === 'running');
  runningJob = running?.id;
  cancelButton.disabled = jobs.length === 0;
  progressSection.hidden = jobs.length === 0;
  if (running && !running.step) {
    progressBar.removeAttribute('value');
    progressText.textContent = model.state === 'ready' ? 'Encoding the prompt…' : 'Waiting for the model…';
  }
  if (!running && jobs.length) progressText.textContent = model.state === 'loading' || model.state === 'compiling' ? 'Waiting for the model to load…' : 'Waiting…';
  clear(queueList);
  for (const j of jobs) {
    if (j.status === 'running') continue;
    const cancel = el('button', { type: 'button', class: 'icon', 'aria-label': `Cancel queued job ${j.position}: ${j.prompt}` }, '✕');
    cancel.addEventListener('click', () => send({ type: 'cancel', jobId: j.id }));
    queueList.append(el('li', {}, el('span', { class: 'pos' }, `#${j.position}`), el('span', { class: 'prompt' }, j.prompt), cancel));
  }
}

function onProgress(msg: Extract<HostToWebview, { type: 'progress' }>): void {
  if (msg.jobId !== runningJob) return;
  progressBar.max = msg.steps;
  progressBar.value = msg.step;
  const eta = msg.etaMs === null ? '' : msg.etaMs > 0 ? ` · about ${formatDuration(msg.etaMs)} left` : ' · decoding…';
  progressText.textContent = `Step ${msg.step}/${msg.steps} · ${formatDuration(msg.elapsedMs)} elapsed${eta}`;
}

function onPreview(msg: Extract<HostToWebview, { type: 'preview' }>): void {
  if (!previewsEnabled || msg.jobId !== runningJob) return;
  previews.hidden = false;
  let canvas = previews.querySelector<HTMLCanvasElement>(`canvas[data-index="${msg.index}"]`);
  if (!canvas) {
    canvas = el('canvas', { 'data-index': String(msg.index), 'aria-hidden': 'true' }) as HTMLCanvasElement;
    previews.append(canvas);
  }
  canvas.width = msg.width;
  canvas.height = msg.height;
  const bin = atob(msg.rgb);
  const img = new ImageData(msg.width, msg.height);
  for (let i = 0, j = 0; i < bin.length; i += 3, j += 4) {
    img.data[j] = bin.charCodeAt(i);
    img.data[j + 1] = bin.charCodeAt(i + 1);
    img.data[j + 2] = bin.charCodeAt(i + 2);
    img.data[j + 3] = 255;
  }
  canvas.getContext('2d')?.putImageData(img, 0, 0);
  previews.setAttribute('aria-label', `Live preview, step ${progressBar.value} of ${progressBar.max}`);
}

function endJob(text: string, isError: boolean): void {
  clear(previews);
  previews.hidden = true;
  progressBar.value = 0;
  resultText.textContent = text;
  resultText.classList.toggle('error', isError);
  resultText.setAttribute('role', isError ? 'alert' : 'status');
}

// ─── gallery ─────────────────────────────────────────────────────────────────

const ACTIONS: { action: GalleryAction; label: string; title: string }[] = [
  { action: 'insert', label: 'Insert', title: 'Insert at the cursor' },
  { action: 'copyMarkdown', label: 'Copy link', title: 'Copy a Markdown link' },
  { action: 'reuse', label: 'Reuse', title: 'Put its parameters into the form' },
  { action: 'rerun', label: 'Re-run', title: 'Generate again with the same seed' },
  { action: 'reveal', label: 'Reveal', title: 'Reveal in the Explorer' },
  { action: 'delete', label: 'Delete', title: 'Move to the trash' },
];

function renderGallery(items: GalleryItem[], folder: string): void {
  clear(galleryList);
  galleryFolder.textContent = folder ? `${items.length ? '' : 'No images yet in '}${folder}` : 'Open a folder, or generate once to choose where images go.';
  for (const item of items) {
    const p = item.parameters;
    const what = p?.prompt ? p.prompt.replace(/\s+/g, ' ') : item.file;
    const img = el('img', { src: item.src, alt: what, loading: 'lazy', draggable: 'false' });
    const open = el('button', { type: 'button', class: 'thumb', title: `${what}\n${item.file}`, 'aria-label': `Open ${item.file}: ${what}` }, img);
    open.addEventListener('click', () => send({ type: 'galleryAction', action: 'open', file: item.file }));
    const bar = el('div', { class: 'actions', role: 'toolbar', 'aria-label': `Actions for ${item.file}` });
    for (const a of ACTIONS) {
      const b = el('button', { type: 'button', class: `link ${a.action}`, title: a.title, 'aria-label': `${a.title}: ${item.file}` }, a.label);
      b.addEventListener('click', () => send({ type: 'galleryAction', action: a.action, file: item.file }));
      bar.append(b);
    }
    const meta = p ? `seed ${p.seed}${p.width ? ` · ${p.width}×${p.height}` : ''}${p.steps ? ` · ${p.steps} steps` : ''}` : '';
    const li = el('li', { class: newFiles.has(item.file) ? 'new' : '', draggable: 'true' }, open, el('p', { class: 'caption' }, what), meta ? el('p', { class: 'hint meta' }, meta) : el('span'), bar);
    li.addEventListener('dragstart', (e) => {
      e.dataTransfer?.setData('text/uri-list', item.fileUri);
      e.dataTransfer?.setData('text/plain', item.fileUri);
    });
    galleryList.append(li);
  }
}

// ─── events ──────────────────────────────────────────────────────────────────

function generate(): void {
  const [w, h] = size.value.split('x');
  const params: { [K in keyof GenerationConfig]: unknown } = {
    prompt: prompt.value,
    negativePrompt: negative.value,
    seed: seed.value,
    steps: steps.value,
    guidanceScale: guidance.value,
    width: w,
    height: h,
    imagesPerPrompt: count.value,
  };
  resultText.textContent = '';
  send({ type: 'generate', params });
}
form.addEventListener('submit', (e) => e.preventDefault());
generateButton.addEventListener('click', generate);
// Ctrl/Cmd+Enter anywhere in the form, plain Enter in a one-line field: generate.
form.addEventListener('keydown', (e) => {
  const t = e.target as HTMLElement;
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey || t instanceof HTMLInputElement)) {
    e.preventDefault();
    if (!generateButton.disabled) generate();
  }
});
form.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && runningJob) send({ type: 'cancel' });
});
cancelButton.addEventListener('click', () => send({ type: 'cancel' }));
diceButton.addEventListener('click', () => {
  seed.value = String(crypto.getRandomValues(new Uint32Array(1))[0]);
  persist();
});
clearSeedButton.addEventListener('click', () => {
  seed.value = '';
  persist();
});
lastSeed.addEventListener('click', (e) => {
  const t = e.target as HTMLElement;
  if (t.dataset.seed) {
    seed.value = t.dataset.seed;
    persist();
  }
});
for (const c of [prompt, negative, seed, steps, guidance, size, count]) {
  c.addEventListener('input', persist);
  // An edited field's error no longer applies.
  c.addEventListener('input', () => {
    if (c.getAttribute('aria-invalid') !== 'true') return;
    c.removeAttribute('aria-invalid');
    const box = document.getElementById(`${c === seed ? 'seed' : c.id}-error`);
    if (box) {
      box.hidden = true;
      box.textContent = '';
    }
  });
}
prompt.addEventListener('input', requestTokens);
guidance.addEventListener('input', updateNegativeState);
selectModelButton.addEventListener('click', () => send({ type: 'selectModelFolder' }));
showLogButton.addEventListener('click', () => send({ type: 'showLog' }));
refreshButton.addEventListener('click', () => send({ type: 'refreshGallery' }));

function showLastSeed(s: string | undefined): void {
  clear(lastSeed);
  if (!s) return;
  const use = el('button', { type: 'button', class: 'link', 'data-seed': s, 'aria-label': `Use the last seed, ${s}` }, 'use it');
  lastSeed.append(`Last seed used: ${s} — `, use);
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'modelState':
      onModelState(msg);
      return;
    case 'tokens':
      onTokens(msg);
      return;
    case 'queue':
      renderQueue(msg.jobs);
      return;
    case 'progress':
      onProgress(msg);
      return;
    case 'preview':
      onPreview(msg);
      return;
    case 'jobDone':
      saved.lastSeed = msg.seed;
      vscode.setState(saved);
      showLastSeed(msg.seed);
      newFiles = new Set(msg.files);
      endJob(`Saved ${msg.files.join(', ')} in ${formatDuration(msg.totalMs)} · seed ${msg.seed}`, false);
      return;
    case 'jobFailed':
      if (msg.jobId === runningJob || !runningJob) endJob(msg.cancelled ? 'Cancelled.' : msg.message, !msg.cancelled);
      return;
    case 'gallery':
      renderGallery(msg.items, msg.folder);
      return;
    case 'setForm': {
      const p = msg.params;
      applyForm({
        ...(p.prompt !== undefined ? { prompt: p.prompt } : {}),
        ...(p.negativePrompt !== undefined ? { negativePrompt: p.negativePrompt } : {}),
        ...(p.seed !== undefined ? { seed: p.seed } : {}),
        ...(p.steps !== undefined ? { steps: String(p.steps) } : {}),
        ...(p.guidanceScale !== undefined ? { guidanceScale: String(p.guidanceScale) } : {}),
        ...(p.width !== undefined && p.height !== undefined ? { size: `${p.width}x${p.height}` } : {}),
        ...(p.imagesPerPrompt !== undefined ? { count: String(p.imagesPerPrompt) } : {}),
      });
      prompt.focus();
      return;
    }
    case 'invalid':
      showErrors(msg.errors);
      return;
    case 'notice':
      resultText.textContent = msg.message;
      resultText.classList.toggle('error', msg.level === 'error');
      return;
  }
});

// Restore, then ask the host for the truth.
if (saved.form) applyForm(saved.form);
showLastSeed(saved.lastSeed);
updateNegativeState();
send({ type: 'ready' });
