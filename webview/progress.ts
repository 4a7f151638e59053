// The running job: which one it is (its prompt, shortened, and "2 of 3" in a batch), its progress
// bar and phase or step line, the queue of waiting jobs (each cancellable), the live latent
// previews, the line that says how the last job ended, with Show and Re-run with Next Seed, and the
// line that says which queued jobs were cancelled.

import type { JobSummary, ModelStateName } from '../src/protocol/messages';
import { clear, el } from './dom';
import { jobLabel, phaseLine, resultLine, stepLine } from './format';
import type { HostMessage, Send } from './host';
import { iconButton } from './toolbar';

export interface ProgressHooks {
  send: Send;
  /** Show the newest job's images (the gallery scrolls to them). */
  showNew(): void;
}

export class Progress {
  /** In page order: the progress section, the previews, the result line and its actions. */
  readonly elements: HTMLElement[];
  private readonly jobName = el('p', { id: 'job-name', class: 'job-name' }, '');
  private readonly bar = el('progress', { max: '1', value: '0', 'aria-label': 'Generation progress' });
  private readonly text = el('p', { class: 'hint', 'aria-live': 'polite' }, '');
  private readonly queue = el('ul', { class: 'queue', 'aria-label': 'Queued jobs' });
  private readonly section = el('section', { class: 'progress', 'aria-label': 'Progress', hidden: true }, this.jobName, this.bar, this.text, this.queue);
  private readonly previews = el('div', { class: 'previews', 'aria-label': 'Live preview', role: 'img', hidden: true, 'aria-hidden': 'true' });
  private readonly result = el('p', { class: 'hint result', role: 'status', 'aria-live': 'polite' }, '');
  private readonly show = el('button', { type: 'button', class: 'link' }, 'Show');
  private readonly nextSeed = el('button', { type: 'button', class: 'link' }, 'Re-run with next seed');
  private readonly resultActions = el('div', { class: 'row result-actions', hidden: true }, this.show, this.nextSeed);
  /** Queued jobs cancelled since the last Generate: its own line, so that the jobs still running do not overwrite it. */
  private readonly queueNote = el('p', { class: 'hint queue-note', role: 'status', 'aria-live': 'polite', hidden: true }, '');
  private cancelledQueued: string[] = [];
  private modelState: ModelStateName = 'idle';
  private previewsEnabled = true;
  private runningJob: string | undefined;
  /** The job the result line is about (Re-run with Next Seed runs it again). */
  private lastJob: string | undefined;
  /** Jobs queued by one Generate: their prompt as typed and place in the batch. */
  private readonly batches = new Map<string, { label: string; index: number; count: number }>();
  /** The queue as last shown. */
  private known = new Map<string, JobSummary>();
  /** The name of every job seen in the queue until it ends (the queue drops a cancelled job before its jobFailed comes). */
  private readonly names = new Map<string, string>();

  constructor(private readonly hooks: ProgressHooks) {
    this.elements = [this.section, this.queueNote, this.previews, this.result, this.resultActions];
    this.show.addEventListener('click', () => hooks.showNew());
    this.nextSeed.addEventListener('click', () => {
      if (this.lastJob) hooks.send({ type: 'rerunNextSeed', jobId: this.lastJob });
    });
  }

  /** Whether a job is running now. */
  get running(): boolean {
    return Boolean(this.runningJob);
  }

  setModel(state: ModelStateName, previews: boolean): void {
    this.modelState = state;
    this.previewsEnabled = previews;
  }

  batchQueued(msg: HostMessage<'batchQueued'>): void {
    msg.jobIds.forEach((id, index) => this.batches.set(id, { label: msg.label, index, count: msg.jobIds.length }));
    this.noteCancelled([]);
    const running = this.runningJob && this.known.get(this.runningJob);
    if (running) this.jobName.textContent = this.labelOf(running);
  }

  showQueue(jobs: JobSummary[]): void {
    const running = jobs.find((j) => j.status === 'running');
    // A new job under way: the last one's result (or error) no longer applies.
    if (running && running.id !== this.runningJob) this.clearResult();
    this.runningJob = running?.id;
    this.known = new Map(jobs.map((j) => [j.id, j]));
    for (const j of jobs) this.names.set(j.id, this.labelOf(j));
    this.section.hidden = jobs.length === 0;
    this.jobName.textContent = running ? this.labelOf(running) : '';
    if (running && !running.step) {
      this.bar.removeAttribute('value');
      this.text.textContent = this.modelState === 'ready' ? 'Encoding the prompt…' : 'Waiting for the model…';
    }
    if (!running && jobs.length) this.text.textContent = this.modelState === 'loading' || this.modelState === 'compiling' ? 'Waiting for the model to load…' : 'Waiting…';
    this.showWaiting(jobs.filter((j) => j.status !== 'running'));
  }

  /**
   * The waiting jobs, each row kept while its job waits: the queue is posted with every step, and a
   * row built again each time would swallow a click on its Cancel (pressed on one node, released on another).
   */
  private showWaiting(waiting: JobSummary[]): void {
    const rows = new Map(Array.from(this.queue.children, (li) => [(li as HTMLElement).dataset.job ?? '', li as HTMLElement]));
    const ids = new Set(waiting.map((j) => j.id));
    for (const [id, li] of rows) if (!ids.has(id)) li.remove();
    waiting.forEach((j, i) => {
      const what = this.labelOf(j);
      const label = `Cancel queued job ${j.position}: ${what}`;
      let li = rows.get(j.id);
      if (!li) {
        const cancel = iconButton('close', label);
        cancel.addEventListener('click', () => this.hooks.send({ type: 'cancel', jobId: j.id }));
        li = el('li', { 'data-job': j.id }, el('span', { class: 'pos' }, ''), el('span', { class: 'prompt', title: j.prompt }, ''), cancel);
      }
      const [pos, prompt, cancel] = Array.from(li.children) as HTMLElement[];
      pos.textContent = `#${j.position}`;
      prompt.textContent = what;
      if (cancel.getAttribute('aria-label') !== label) {
        cancel.setAttribute('aria-label', label);
        cancel.title = label;
      }
      // In queue order; a row already in its place is not touched (moving a node, even to where it
      // is, detaches it for a moment, and a click then lands nowhere).
      const at = this.queue.children[i];
      if (at !== li) this.queue.insertBefore(li, at ?? null);
    });
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
    this.previews.removeAttribute('aria-hidden');
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
    this.forget(msg.jobId);
    this.end(resultLine(msg.files.length, msg.totalMs, msg.seed), false);
    this.lastJob = msg.jobId;
    this.resultActions.hidden = false;
    this.show.setAttribute('aria-label', `Show ${msg.files.length === 1 ? 'the image' : 'the images'} in the gallery`);
    this.show.title = msg.files.join('\n');
  }

  failed(msg: HostMessage<'jobFailed'>): void {
    const name = this.names.get(msg.jobId) ?? msg.prompt ?? 'a job';
    this.forget(msg.jobId);
    if (!msg.queued) this.end(msg.cancelled ? 'Cancelled.' : msg.message, !msg.cancelled);
    else if (msg.cancelled) this.noteCancelled([...this.cancelledQueued, name]);
    else this.say(msg.message, true); // the model cannot run it: said once per job, the newest shown
  }

  private noteCancelled(names: string[]): void {
    this.cancelledQueued = names;
    this.queueNote.hidden = names.length === 0;
    this.queueNote.textContent = names.length === 0 ? '' : names.length === 1 ? `Cancelled queued job: ${names[0]}.` : `Cancelled ${names.length} queued jobs: ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}.`;
  }

  notice(msg: HostMessage<'notice'>): void {
    this.say(msg.message, msg.level === 'error');
  }

  /** A new request, a reused image, a problem fixed: the last result or error no longer applies. */
  clearResult(): void {
    this.result.textContent = '';
    this.result.classList.remove('error');
    this.result.setAttribute('role', 'status');
    this.resultActions.hidden = true;
  }

  /** Clears the result line only when it shows an error (the model loads again, say). */
  clearError(): void {
    if (this.result.classList.contains('error')) this.clearResult();
  }

  private forget(jobId: string): void {
    this.names.delete(jobId);
    this.batches.delete(jobId);
  }

  private labelOf(job: JobSummary): string {
    const b = this.batches.get(job.id);
    return jobLabel(b?.label || job.prompt, b && b.count > 1 ? { index: b.index, count: b.count } : undefined);
  }

  private say(text: string, isError: boolean): void {
    this.resultActions.hidden = true;
    this.result.textContent = text;
    this.result.classList.toggle('error', isError);
    this.result.setAttribute('role', isError ? 'alert' : 'status');
  }

  private end(text: string, isError: boolean): void {
    clear(this.previews);
    this.previews.hidden = true;
    this.previews.setAttribute('aria-hidden', 'true');
    this.bar.value = 0;
    this.say(text, isError);
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
