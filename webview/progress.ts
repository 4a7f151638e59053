// The running job: its progress bar and phase or step line, the queue of waiting jobs (each cancellable),
// the live latent previews, and the line that says how the last job ended.

import type { JobSummary, ModelStateName } from '../src/protocol/messages';
import { clear, el } from './dom';
import { formatDuration, phaseLine, stepLine } from './format';
import type { HostMessage, Send } from './host';

export class Progress {
  /** In page order: the progress section, the previews, the result line. */
  readonly elements: HTMLElement[];
  private readonly bar = el('progress', { max: '1', value: '0', 'aria-label': 'Generation progress' });
  private readonly text = el('p', { class: 'hint', 'aria-live': 'polite' }, '');
  private readonly queue = el('ul', { class: 'queue', 'aria-label': 'Queued jobs' });
  private readonly section = el('section', { class: 'progress', 'aria-label': 'Progress', hidden: true }, this.bar, this.text, this.queue);
  private readonly previews = el('div', { class: 'previews', 'aria-label': 'Live preview', role: 'img', hidden: true });
  private readonly result = el('p', { class: 'hint result', 'aria-live': 'polite' }, '');
  private modelState: ModelStateName = 'idle';
  private previewsEnabled = true;
  private runningJob: string | undefined;

  constructor(private readonly send: Send) {
    this.elements = [this.section, this.previews, this.result];
  }

  /** Whether a job is running now. */
  get running(): boolean {
    return Boolean(this.runningJob);
  }

  setModel(state: ModelStateName, previews: boolean): void {
    this.modelState = state;
    this.previewsEnabled = previews;
  }

  showQueue(jobs: JobSummary[]): void {
    const running = jobs.find((j) => j.status === 'running');
    this.runningJob = running?.id;
    this.section.hidden = jobs.length === 0;
    if (running && !running.step) {
      this.bar.removeAttribute('value');
      this.text.textContent = this.modelState === 'ready' ? 'Encoding the prompt…' : 'Waiting for the model…';
    }
    if (!running && jobs.length) this.text.textContent = this.modelState === 'loading' || this.modelState === 'compiling' ? 'Waiting for the model to load…' : 'Waiting…';
    clear(this.queue);
    for (const j of jobs) {
      if (j.status === 'running') continue;
      const cancel = el('button', { type: 'button', class: 'icon', 'aria-label': `Cancel queued job ${j.position}: ${j.prompt}` }, '✕');
      cancel.addEventListener('click', () => this.send({ type: 'cancel', jobId: j.id }));
      this.queue.append(el('li', {}, el('span', { class: 'pos' }, `#${j.position}`), el('span', { class: 'prompt' }, j.prompt), cancel));
    }
  }

  /** A step done, or a phase under way (the bar counts steps done; encoding: indeterminate). */
  step(msg: HostMessage<'progress'>): void {
    if (msg.jobId !== this.runningJob) return;
    this.bar.max = msg.steps;
    if (msg.phase === 'encoding') this.bar.removeAttribute('value');
    else this.bar.value = msg.phase === 'denoising' ? msg.step - 1 : msg.step;
    this.text.textContent = msg.phase ? phaseLine(msg.phase, msg.step, msg.steps, msg.elapsedMs, msg.etaMs) : stepLine(msg.step, msg.steps, msg.elapsedMs, msg.etaMs);
  }

  preview(msg: HostMessage<'preview'>): void {
    if (!this.previewsEnabled || msg.jobId !== this.runningJob) return;
    this.previews.hidden = false;
    let canvas = this.previews.querySelector<HTMLCanvasElement>(`canvas[data-index="${msg.index}"]`);
    if (!canvas) {
      canvas = el('canvas', { 'data-index': String(msg.index), 'aria-hidden': 'true' });
      this.previews.append(canvas);
    }
    canvas.width = msg.width;
    canvas.height = msg.height;
    canvas.getContext('2d')?.putImageData(imageData(msg.rgb, msg.width, msg.height), 0, 0);
    this.previews.setAttribute('aria-label', `Live preview, step ${this.bar.value} of ${this.bar.max}`);
  }

  done(msg: HostMessage<'jobDone'>): void {
    this.end(`Saved ${msg.files.join(', ')} in ${formatDuration(msg.totalMs)} · seed ${msg.seed}`, false);
  }

  failed(msg: HostMessage<'jobFailed'>): void {
    if (msg.jobId === this.runningJob || !this.runningJob) this.end(msg.cancelled ? 'Cancelled.' : msg.message, !msg.cancelled);
  }

  notice(msg: HostMessage<'notice'>): void {
    this.result.textContent = msg.message;
    this.result.classList.toggle('error', msg.level === 'error');
  }

  /** A new request: the last result no longer applies. */
  clearResult(): void {
    this.result.textContent = '';
  }

  private end(text: string, isError: boolean): void {
    clear(this.previews);
    this.previews.hidden = true;
    this.bar.value = 0;
    this.result.textContent = text;
    this.result.classList.toggle('error', isError);
    this.result.setAttribute('role', isError ? 'alert' : 'status');
  }
}

/** base64 of HWC RGB bytes → opaque RGBA pixels. */
function imageData(rgb: string, width: number, height: number): ImageData {
  const bin = atob(rgb);
  const img = new ImageData(width, height);
  for (let i = 0, j = 0; i < bin.length; i += 3, j += 4) {
    img.data[j] = bin.charCodeAt(i);
    img.data[j + 1] = bin.charCodeAt(i + 1);
    img.data[j + 2] = bin.charCodeAt(i + 2);
    img.data[j + 3] = 255;
  }
  return img;
}
