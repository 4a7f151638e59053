// The generator form: its fields within the shared limits (LIMITS, and the model's own steps and
// sizes), style and batches, the values read and applied, the host's validation errors, Generate
// and Cancel, the prompt history (its button, Alt+Up/Down), and keys.

import { LIMITS, type FieldError } from '../src/protocol/generation';
import { MAX_BATCHES, type FormDefaults, type HostToWebview, type ModelState } from '../src/protocol/messages';
import { clear, el } from './dom';
import { field, FieldErrors, withLabelActions } from './fields';
import { batchHint, sizeLabel } from './format';
import { toRawConfig, type FormValues } from './form-values';
import { HistoryWalk } from './history-walk';
import type { Send } from './host';
import { SeedField } from './seed-field';
import { TokenCounter } from './tokens';
import { iconButton } from './toolbar';

type StylesMessage = Extract<HostToWebview, { type: 'styles' }>;

export interface FormHooks {
  send: Send;
  /** The values changed (typed, set by a button or applied): keep them. */
  changed(values: FormValues): void;
  /** Generate was asked for, just before the request goes out. */
  generating(): void;
  /** Whether a job is running (Escape cancels it). */
  running(): boolean;
}

/** Below this width the size select shows "1024×1024" without its shape. */
const COMPACT_SIZE_PX = 190;
const range = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

export class GeneratorForm {
  readonly element: HTMLFormElement;
  readonly tokens: TokenCounter;
  readonly seed: SeedField;
  private readonly prompt = el('textarea', { rows: '4', maxlength: String(LIMITS.promptChars), placeholder: 'a small cactus in a terracotta pot, studio light', spellcheck: 'true' });
  private readonly negative = el('textarea', { rows: '2', maxlength: String(LIMITS.promptChars), placeholder: 'blurry, low quality' });
  private readonly negativeHint = el('p', { id: 'negativePrompt-hint', class: 'hint' }, '');
  private readonly steps = el('input', { type: 'number', min: String(LIMITS.minSteps), max: String(LIMITS.maxSteps), step: '1' });
  private readonly guidance = el('input', { type: 'number', min: String(LIMITS.minGuidance), max: String(LIMITS.maxGuidance), step: '0.1' });
  private readonly size = el('select', {});
  private readonly count = el('select', {}, ...range(LIMITS.maxImagesPerPrompt).map((n) => el('option', { value: n }, n)));
  private readonly batches = el('select', {}, ...range(MAX_BATCHES).map((n) => el('option', { value: n }, n)));
  private readonly batchesHint = el('p', { id: 'batches-hint', class: 'hint' }, '');
  private readonly style = el('select', {}, el('option', { value: '' }, 'None'));
  private readonly styleHint = el('p', { id: 'style-hint', class: 'hint' }, '');
  private readonly styleProblemsLine = el('p', { id: 'style-problems', class: 'hint warning' }, '');
  private readonly sizeHint = el('p', { id: 'size-hint', class: 'hint' }, '');
  private readonly historyButton = iconButton('history', 'Prompt history (Alt+Up, Alt+Down)', { 'aria-keyshortcuts': 'Alt+ArrowUp Alt+ArrowDown' });
  private readonly history = new HistoryWalk();
  private styles: StylesMessage['styles'] = [];
  private styleProblems: string[] = [];
  private compactSizes = false;
  /** A restored style, until the host's list (which may still have it) arrives. */
  private pendingStyle: string | undefined;
  // Not a submit button: VS Code's webview iframes are sandboxed without allow-forms (enableForms
  // is off), where a form is never submitted and no submit event fires. Click and keys call generate().
  private readonly generateButton = el('button', { type: 'button', class: 'primary' }, 'Generate');
  private readonly cancelButton = el('button', { type: 'button', class: 'secondary', disabled: true }, 'Cancel');
  /** Why Generate is off (the host says: no model folder, or a model that failed to load). */
  private readonly blocked = el('p', { id: 'generate-blocked', class: 'hint', hidden: true });
  private readonly negativeField: HTMLElement;
  private readonly errors: FieldErrors;
  /** Until the host names a model, a restored size is kept as the only option. */
  private hasModel = false;

  constructor(private readonly hooks: FormHooks) {
    this.tokens = new TokenCounter(hooks.send, () => this.prompt.value);
    this.seed = new SeedField(() => this.changed());
    this.negativeField = field('negativePrompt', 'Negative prompt', this.negative, this.negativeHint);
    this.element = el(
      'form',
      { class: 'form', novalidate: true, 'aria-label': 'Image generation' },
      withLabelActions(field('prompt', 'Prompt', this.prompt, this.tokens.element), this.historyButton),
      this.negativeField,
      field('style', 'Style', this.style, this.styleHint, this.styleProblemsLine),
      this.seed.element,
      el('div', { class: 'row two' }, field('steps', 'Steps', this.steps), field('guidanceScale', 'Guidance scale', this.guidance)),
      field('width', 'Size', this.size, this.sizeHint),
      el('div', { class: 'row two' }, field('imagesPerPrompt', 'Images', this.count), field('batches', 'Batches', this.batches, this.batchesHint)),
      el('p', { id: 'message-error', class: 'error', role: 'alert', hidden: true }),
      el('div', { class: 'row buttons' }, this.generateButton, this.cancelButton),
      this.blocked,
    );
    const controls = new Map<string, HTMLElement>([
      ['prompt', this.prompt],
      ['negativePrompt', this.negative],
      ['seed', this.seed.input],
      ['steps', this.steps],
      ['guidanceScale', this.guidance],
      ['width', this.size],
      ['imagesPerPrompt', this.count],
    ]);
    this.errors = new FieldErrors(this.element, controls);
    this.listen(controls);
    this.updateNegativeState();
    new ResizeObserver(() => this.fitSizeLabels()).observe(this.size);
  }

  values(): FormValues {
    return { prompt: this.prompt.value, negativePrompt: this.negative.value, seed: this.seed.input.value, steps: this.steps.value, guidanceScale: this.guidance.value, size: this.size.value, count: this.count.value, style: this.style.value, batches: this.batches.value };
  }

  apply(v: Partial<FormValues>): void {
    if (v.prompt !== undefined) this.prompt.value = v.prompt;
    if (v.negativePrompt !== undefined) this.negative.value = v.negativePrompt;
    if (v.seed !== undefined) this.seed.input.value = v.seed;
    if (v.steps !== undefined) this.steps.value = v.steps;
    if (v.guidanceScale !== undefined) this.guidance.value = v.guidanceScale;
    if (v.size !== undefined) this.selectSize(v.size);
    if (v.count !== undefined) this.count.value = v.count;
    if (v.style !== undefined) this.selectStyle(v.style, true);
    if (v.batches !== undefined && Number(v.batches) >= 1 && Number(v.batches) <= MAX_BATCHES) this.batches.value = v.batches;
    this.updateNegativeState();
    this.updateBatchesHint();
    this.tokens.request();
    this.changed();
  }

  /** The model's sizes and step limit; Generate needs a model folder. */
  setModel(m: ModelState, defaults: FormDefaults): void {
    this.hasModel = m.model !== undefined;
    this.showSizes(m, defaults);
    this.generateButton.disabled = m.generateBlocked !== undefined;
    this.blocked.hidden = m.generateBlocked === undefined;
    this.blocked.textContent = m.generateBlocked ?? '';
    if (m.generateBlocked) this.generateButton.setAttribute('aria-describedby', 'generate-blocked');
    else this.generateButton.removeAttribute('aria-describedby');
    this.steps.max = String(Math.min(LIMITS.maxSteps, m.model?.maxSteps ?? LIMITS.maxSteps));
    this.updateNegativeState();
    this.tokens.request();
  }

  /** pixart.styles: the names to pick from, and what is wrong with the bad entries (fix them in the settings). */
  setStyles(msg: StylesMessage): void {
    const current = this.pendingStyle ?? this.style.value;
    this.pendingStyle = undefined;
    this.styles = msg.styles;
    clear(this.style);
    this.style.append(el('option', { value: '' }, 'None'), ...msg.styles.map((s) => el('option', { value: s.name }, s.name)));
    this.selectStyle(current);
    this.style.disabled = msg.styles.length === 0;
    this.styleProblems = msg.problems;
    this.updateStyleHint();
  }

  /** The recent prompts (newest first) for Alt+Up/Down. */
  setHistory(prompts: string[]): void {
    this.history.set(prompts);
    this.historyButton.disabled = false;
  }

  /** Jobs are queued or running: Cancel applies. */
  setBusy(busy: boolean): void {
    this.cancelButton.disabled = !busy;
  }

  showErrors(errors: FieldError[]): void {
    this.errors.show(errors);
  }

  focusPrompt(): void {
    this.prompt.focus();
  }

  private changed(): void {
    this.updateBatchesHint();
    this.hooks.changed(this.values());
  }

  private generate(): void {
    this.hooks.generating();
    const style = this.style.value;
    this.hooks.send({ type: 'generate', params: toRawConfig(this.values()), ...(style ? { style } : {}), batches: Number(this.batches.value) || 1 });
  }

  private selectStyle(name: string, restoring = false): void {
    const known = Array.from(this.style.options).some((o) => o.value === name);
    if (restoring) this.pendingStyle = !known && name ? name : undefined;
    this.style.value = known ? name : '';
    this.updateStyleHint();
  }

  /** A size option: "1152×896 · landscape 9:7", or only "1152×896" while the select is too narrow for more. */
  private sizeOption(width: number, height: number, value = `${width}x${height}`): HTMLOptionElement {
    const full = sizeLabel(width, height);
    return el('option', { value, 'data-full': full, 'data-short': `${width}×${height}`, title: full }, this.compactSizes ? `${width}×${height}` : full);
  }

  /** Narrow sidebars (170 px) show the sizes' numbers in full rather than cut their words. */
  private fitSizeLabels(): void {
    const compact = this.size.clientWidth > 0 && this.size.clientWidth < COMPACT_SIZE_PX;
    if (compact === this.compactSizes) return;
    this.compactSizes = compact;
    for (const o of Array.from(this.size.options)) o.textContent = (compact ? o.dataset.short : o.dataset.full) ?? o.textContent;
  }

  private updateStyleHint(): void {
    const problems = this.styleProblems;
    const s = this.styles.find((x) => x.name === this.style.value);
    const what = s ? [s.prompt && `Prompt: ${s.prompt}`, s.negativePrompt && `Negative: ${s.negativePrompt}`].filter(Boolean).join(' · ') : this.styles.length ? '' : 'Add styles in the pixart.styles setting.';
    const bad = problems.length ? `${problems.length} style${problems.length === 1 ? ' is' : 's are'} left out: ${problems.join(' ')}` : '';
    this.styleHint.textContent = what;
    this.styleProblemsLine.textContent = bad;
  }

  private updateBatchesHint(): void {
    this.batchesHint.textContent = batchHint(Number(this.batches.value), this.seed.input.value.trim());
  }

  /** Alt+Up / Alt+Down in the prompt: an older or newer prompt from the history. */
  private walkHistory(e: KeyboardEvent): void {
    if (!e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
    e.preventDefault();
    const text = this.history.step(this.prompt.value, e.key === 'ArrowUp');
    if (text === undefined) return;
    this.prompt.value = text;
    this.tokens.request();
    this.changed();
    this.errors.edited('prompt');
  }

  private listen(controls: ReadonlyMap<string, HTMLElement>): void {
    for (const [name, c] of controls) {
      c.addEventListener('input', () => {
        this.changed();
        this.errors.edited(name);
      });
    }
    this.prompt.addEventListener('input', () => {
      this.tokens.request();
      this.history.typed();
    });
    this.prompt.addEventListener('keydown', (e) => this.walkHistory(e));
    this.historyButton.addEventListener('click', () => this.hooks.send({ type: 'promptHistory' }));
    for (const c of [this.style, this.batches]) c.addEventListener('change', () => this.changed());
    this.style.addEventListener('change', () => this.updateStyleHint());
    this.batches.addEventListener('change', () => this.updateBatchesHint());
    this.guidance.addEventListener('input', () => this.updateNegativeState());
    this.element.addEventListener('submit', (e) => e.preventDefault());
    this.generateButton.addEventListener('click', () => this.generate());
    this.cancelButton.addEventListener('click', () => this.hooks.send({ type: 'cancel' }));
    this.element.addEventListener('keydown', (e) => {
      // Ctrl/Cmd+Enter anywhere in the form, plain Enter in a one-line field: generate.
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey || e.target instanceof HTMLInputElement)) {
        e.preventDefault();
        if (!this.generateButton.disabled) this.generate();
      }
      if (e.key === 'Escape' && this.hooks.running()) this.hooks.send({ type: 'cancel' });
    });
  }

  private showSizes(m: ModelState, defaults: FormDefaults): void {
    const sizes = m.model?.supportedSizes ?? [];
    const wanted = `${defaults.width}x${defaults.height}`;
    if (sizes.length) {
      const current = this.size.value;
      clear(this.size);
      const sorted = [...sizes].sort((a, b) => a.height / a.width - b.height / b.width);
      for (const s of sorted) this.size.append(this.sizeOption(s.width, s.height));
      this.size.value = this.hasSize(current) ? current : wanted;
      this.size.disabled = sizes.length === 1;
      // A disabled select's title is not read out: the reason is a hint the select is described by.
      this.sizeHint.textContent = sizes.length === 1 ? (m.model?.staticSize ? 'This model was converted for one size only.' : 'This model offers one size.') : '';
    } else if (this.size.options.length === 0) {
      this.size.append(this.sizeOption(defaults.width, defaults.height, wanted));
    }
  }

  private hasSize(value: string): boolean {
    return Array.from(this.size.options).some((o) => o.value === value);
  }

  private selectSize(value: string): void {
    if (this.hasSize(value)) this.size.value = value;
    else if (value && !this.hasModel) {
      this.size.append(el('option', { value }, value.replace('x', '×')));
      this.size.value = value;
    }
  }

  private updateNegativeState(): void {
    const g = Number(this.guidance.value);
    const active = Number.isFinite(g) && g > 1;
    this.negativeField.classList.toggle('inactive', !active);
    this.negativeHint.textContent = active ? 'Steers the image away from these words.' : 'Inactive: the negative prompt is used only with guidance scale above 1.';
  }
}
