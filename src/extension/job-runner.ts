// The host's jobs: queues generations, sends the next one to the worker when the model is ready,
// forwards its progress and previews, saves its images into the output folder (images it cannot
// save are kept for Save As…), moves and clears waiting jobs, says when each will be done, and ends
// every job through one of two doors: done, or failJob (failed or cancelled: event, webview, log).

import * as vscode from 'vscode';
import * as path from 'node:path';
import { randomInt } from 'node:crypto';
import type { HostToWebview, JobPhase, JobSummary, MoveDirection, WorkerToHost } from '../protocol/messages';
import { LIMITS, withSeed, type GenerationConfig } from '../protocol/generation';
import { JobQueue, JobTimes, estimateEtaMs, jobDurationMs, phaseEtaMs, queueEtasMs, type Job } from './queue';
import { extensionFor, fileNameFor } from './naming';
import { saveImages, type ImageToSave, type SavedImages } from './asset-store';
import { UnsavedImages } from './unsaved-images';
import type { ModelSession } from './model-session';
import type { OutputFolder } from './output-folder';
import type { PixArtSettings } from './settings';
import type { WorkerClient } from './worker-client';
import type { Log } from './log';

export interface JobRequest {
  /** What to generate, with the seed the job runs with (a random one is drawn when the form left it empty). */
  config: GenerationConfig;
  /** Where the images go, resolved (and asked for) when the job was queued. */
  folder: string;
  /** Its real path then (what the user agreed to in Restricted Mode): checked again at save time. */
  realFolder: string;
}

export type JobEvent =
  | { jobId: string; kind: 'started' }
  | { jobId: string; kind: 'progress'; step: number; steps: number; etaMs: number | null }
  /** A phase under way (denoising: step `step` is running); as it starts and every second while it lasts. */
  | { jobId: string; kind: 'phase'; phase: JobPhase; step: number; steps: number; elapsedMs: number; etaMs: number | null }
  | { jobId: string; kind: 'done'; files: string[]; seed: string }
  /** `unsaved`: the images were made but not saved; UnsavedImages offers Save As… for them. */
  | { jobId: string; kind: 'failed'; message: string; cancelled: boolean; unsaved?: boolean };

export interface JobRunnerDeps {
  worker: Pick<WorkerClient, 'send'>;
  model: ModelSession;
  output: OutputFolder;
  settings(): PixArtSettings;
  post(msg: HostToWebview): void;
  /** The queue changed. */
  changed(): void;
  /** A job saved images (the gallery lists them). */
  saved(): void;
  log: Log;
}

const PREVIEW_SIZE = 128;
const CANCELLED = 'Cancelled.';

type Done = Extract<WorkerToHost, { type: 'done' }>;
type Progress = Extract<WorkerToHost, { type: 'progress' }>;
type Phase = Extract<WorkerToHost, { type: 'phase' }>;

export class JobRunner implements vscode.Disposable {
  readonly queue: JobQueue<JobRequest>;
  private readonly jobEvents = new vscode.EventEmitter<JobEvent>();
  readonly onJobEvent = this.jobEvents.event;
  /** Step and decode times of finished jobs, for the ETA of the next one of the same model and size. */
  private readonly times = new JobTimes();
  /** Images of jobs whose save failed, until the user saves them elsewhere or lets them go. */
  readonly unsaved: UnsavedImages;
  /** What each context key was last set to. */
  private readonly contextKeys = new Map<string, boolean>();
  /** The running job's last time left and when it was computed, for the waiting jobs' ETAs between its reports. */
  private runningEta: { jobId: string; etaMs: number | null; atMs: number } | undefined;

  constructor(private readonly deps: JobRunnerDeps) {
    this.unsaved = new UnsavedImages(deps.log);
    this.queue = new JobQueue<JobRequest>(() => {
      deps.changed();
      this.postQueue();
      this.updateRunningContext();
    });
  }

  /**
   * The context keys the commands' enablement reads: `pixart.running` (a job is queued or running:
   * Cancel Generation), `pixart.queued` (a job waits: Clear Queue), `pixart.reorderable` (two wait:
   * Move Queued Job Up/Down).
   */
  private updateRunningContext(): void {
    const waiting = this.queue.queued.length;
    const keys: [string, boolean][] = [['pixart.running', this.queue.size > 0], ['pixart.queued', waiting > 0], ['pixart.reorderable', waiting > 1]];
    for (const [key, value] of keys) {
      if (this.contextKeys.get(key) === value) continue;
      this.contextKeys.set(key, value);
      void vscode.commands.executeCommand('setContext', key, value);
    }
  }

  postQueue(): void {
    this.deps.post({ type: 'queue', jobs: this.summaries() });
  }

  /** Where each job is, and when each will be done (etaMs; the running job's: its time left). */
  summaries(): JobSummary[] {
    const left = this.runningLeftMs();
    const waiting = this.queue.queued.map((j) => ({ steps: j.params.config.steps, known: this.times.get(this.timesKey(j)) }));
    const etas = queueEtasMs(left, waiting);
    return this.queue.summaries().map((s) => ({ ...s, etaMs: s.status === 'running' ? left : etas[s.position - 1] ?? null }));
  }

  /** The running job's time left now: its last estimate less the time since, else its whole length from earlier jobs; 0 when none runs. */
  private runningLeftMs(): number | null {
    const job = this.queue.running;
    if (!job) return 0;
    const e = this.runningEta;
    if (e?.jobId === job.id && e.etaMs !== null) return Math.max(0, Math.round(e.etaMs - (Date.now() - e.atMs)));
    return jobDurationMs(job.params.config.steps, this.times.get(this.timesKey(job)));
  }

  /** Keeps the running job's newest estimate; the waiting jobs' ETAs follow it. */
  private noteEta(jobId: string, etaMs: number | null): void {
    this.runningEta = { jobId, etaMs, atMs: Date.now() };
    if (this.queue.queued.length) this.postQueue();
  }

  /** Moves a waiting job one place; false when it is not waiting or already at that end. */
  move(jobId: string, direction: MoveDirection): boolean {
    const moved = this.queue.move(jobId, direction);
    if (moved) this.deps.log.info(`${jobId} moved ${direction} in the queue`);
    return moved;
  }

  /** Cancels every waiting job (each gets its jobFailed, queued); the running one goes on. Returns how many. */
  clearQueue(): number {
    const removed = this.queue.clearWaiting();
    for (const j of removed) this.failJob(j.id, CANCELLED, true, { queued: j });
    return removed.length;
  }

  /**
   * Queues a generation. Asks for a model folder when none is set, and for the output folder
   * (see OutputFolder.forJob). Returns the job, or undefined when the user backed out.
   */
  async enqueue(params: GenerationConfig): Promise<Job<JobRequest> | undefined> {
    if (!(await this.deps.model.requireFolder())) return undefined;
    const where = await this.deps.output.forJob();
    if (!where) return undefined;
    return this.enqueueIn(params, where);
  }

  /**
   * Queues a generation into `where` (the folder as set, and its real path when queued) without
   * asking anything: for callers that have checked the folder and the user's consent themselves
   * (the chat tool: workspace trust, its confirmation).
   */
  enqueueIn(params: GenerationConfig, where: { folder: string; real: string }): Job<JobRequest> {
    const config = withSeed(params, () => randomInt(0, LIMITS.maxRandomSeed + 1));
    const job = this.queue.add({ config, folder: where.folder, realFolder: where.real }, params.prompt);
    this.deps.log.info(`${job.id} queued: "${params.prompt.slice(0, 80)}" seed ${config.seed}, ${params.steps} steps, guidance ${params.guidanceScale}, ${params.width}x${params.height} ×${params.imagesPerPrompt}`);
    this.deps.model.ensure();
    this.pump();
    return job;
  }

  /** Starts the next job when the model is ready and nothing runs. */
  pump(): void {
    if (this.deps.model.state.state !== 'ready' || this.queue.running) return;
    const job = this.queue.startNext();
    if (!job) return;
    this.jobEvents.fire({ jobId: job.id, kind: 'started' });
    const s = this.deps.settings();
    const work = { ...job.params.config, format: s.imageFormat, preview: s.preview, previewSize: PREVIEW_SIZE };
    this.deps.worker.send({ type: 'generate', jobId: job.id, job: work });
  }

  /** Cancels a job (no id: the running one, else the first waiting one). */
  cancel(jobId?: string): void {
    const target = jobId ?? this.queue.running?.id ?? this.queue.queued[0]?.id;
    const removedJob = target ? this.queue.get(target) : undefined;
    const outcome = this.queue.cancel(jobId);
    if (outcome === 'abort-running' && target) {
      this.deps.worker.send({ type: 'cancel', jobId: target });
      this.deps.log.info(`${target}: cancel requested`);
    } else if (outcome === 'removed' && target) {
      this.failJob(target, CANCELLED, true, { queued: removedJob });
    }
  }

  cancelAll(): void {
    const running = this.failWaiting(CANCELLED, true);
    if (running) this.deps.worker.send({ type: 'cancel', jobId: running.id });
  }

  /** Fails every waiting job with `message` (the model cannot run them); returns the running job, if any. */
  failWaiting(message: string, cancelled = false): Job<JobRequest> | undefined {
    const { removed, running } = this.queue.cancelAll();
    for (const j of removed) this.failJob(j.id, message, cancelled, { queued: j });
    return running;
  }

  /** The worker's messages about jobs. */
  onWorkerMessage(m: Extract<WorkerToHost, { type: 'progress' | 'phase' | 'done' | 'failed' }>): void {
    if (m.type === 'progress') this.progress(m);
    else if (m.type === 'phase') this.phase(m);
    else if (m.type === 'done') void this.done(m);
    else this.end(m.jobId, m.message, m.cancelled);
  }

  /** Ends the running job `jobId` as failed or cancelled, and starts the next one. */
  end(jobId: string, message: string, cancelled: boolean, unsaved = false): void {
    if (!this.queue.finish(jobId, cancelled ? 'cancelled' : 'failed', message)) return;
    this.failJob(jobId, message, cancelled, { unsaved });
    this.pump();
  }

  /**
   * The one fan-out of a job that ends without (all its) images saved: its event, the webview, the
   * log. `queued`: the job, which never started (the webview names it, as it has left the queue).
   */
  private failJob(jobId: string, message: string, cancelled: boolean, { unsaved = false, queued }: { unsaved?: boolean; queued?: Job<JobRequest> } = {}): void {
    if (cancelled) this.deps.log.info(`${jobId} cancelled${queued ? ' while queued' : ''}`);
    else this.deps.log.error(`${jobId} failed: ${message}`);
    this.deps.post({ type: 'jobFailed', jobId, message, cancelled, ...(queued ? { queued: true, prompt: queued.label } : {}) });
    this.jobEvents.fire({ jobId, kind: 'failed', message, cancelled, ...(unsaved ? { unsaved } : {}) });
  }

  private progress(m: Progress): void {
    const job = this.queue.progress(m.jobId, m.step, m.steps, m.elapsedMs);
    if (!job) return;
    const etaMs = estimateEtaMs(job.stepElapsedMs, m.step, m.steps, this.times.get(this.timesKey(job)));
    this.deps.post({ type: 'progress', jobId: m.jobId, step: m.step, steps: m.steps, elapsedMs: m.elapsedMs, etaMs });
    this.noteEta(m.jobId, etaMs);
    for (const p of m.previews ?? []) {
      this.deps.post({ type: 'preview', jobId: m.jobId, index: p.index, width: p.width, height: p.height, rgb: Buffer.from(p.rgb.buffer, p.rgb.byteOffset, p.rgb.byteLength).toString('base64') });
    }
    this.jobEvents.fire({ jobId: m.jobId, kind: 'progress', step: m.step, steps: m.steps, etaMs });
  }

  private phase(m: Phase): void {
    const job = this.queue.phaseOf(m.jobId, m.phase, m.step, m.steps, m.elapsedMs);
    if (!job) return;
    const etaMs = phaseEtaMs(job, m.steps, m.elapsedMs, this.times.get(this.timesKey(job)));
    this.deps.post({ type: 'progress', jobId: m.jobId, step: m.step, steps: m.steps, elapsedMs: m.elapsedMs, etaMs, phase: m.phase });
    this.noteEta(m.jobId, etaMs);
    this.jobEvents.fire({ jobId: m.jobId, kind: 'phase', phase: m.phase, step: m.step, steps: m.steps, elapsedMs: m.elapsedMs, etaMs });
  }

  /** What a job's times depend on: the model and device, the size, the images and whether guidance doubles the batch. */
  private timesKey(job: Job<JobRequest>): string {
    const c = job.params.config;
    const m = this.deps.model.state;
    return [m.model?.modelDir, m.device, c.width, c.height, c.imagesPerPrompt, c.guidanceScale > 1].join('|');
  }

  private async done(m: Done): Promise<void> {
    const job = this.queue.running;
    if (!job || job.id !== m.jobId) return;
    this.times.record(this.timesKey(job), m.timings.transformerMs, job.stepElapsedMs[job.stepElapsedMs.length - 1], m.timings.totalMs, job.stepElapsedMs[0]);
    const saved = await saveImages(job.params.folder, this.imagesOf(job, m), job.params.realFolder);
    if (saved.failure) this.saveFailed(job, saved.files, saved.failure);
    else this.finish(job, m, saved.files);
    this.deps.saved();
    this.pump();
  }

  private finish(job: Job<JobRequest>, m: Done, files: string[]): void {
    const t = m.timings;
    this.deps.log.info(
      `${job.id} done: ${files.map((f) => path.basename(f)).join(', ')} — total ${(t.totalMs / 1000).toFixed(2)} s (text ${t.textEncoderMs.toFixed(0)} ms${t.textEncoderCalls === 0 ? ', cached' : ''}, transformer ${t.transformerMs.map((x) => x.toFixed(0)).join('+')} ms, VAE ${t.vaeMs.toFixed(0)} ms, encode ${t.encodeMs.toFixed(0)} ms)`,
    );
    this.deps.post({ type: 'jobDone', jobId: job.id, seed: m.seed, files: files.map((f) => path.basename(f)), totalMs: t.totalMs });
    this.queue.finish(job.id, 'done');
    this.jobEvents.fire({ jobId: job.id, kind: 'done', files, seed: m.seed });
  }

  /** The job fails with why; the images not written are kept and offered for Save As…. */
  private saveFailed(job: Job<JobRequest>, files: string[], failure: NonNullable<SavedImages['failure']>): void {
    const names = files.map((f) => path.basename(f)).join(', ');
    const message = `Saving failed: ${failure.error.message}${files.length ? ` (${names} ${files.length === 1 ? 'was' : 'were'} saved.)` : ''}`;
    this.end(job.id, message, false, true);
    this.unsaved.offer(job.id, message, failure.unsaved);
  }

  /** The job's images under the file name template. */
  private imagesOf(job: Job<JobRequest>, m: Done): ImageToSave[] {
    const date = new Date();
    const template = this.deps.settings().fileNameTemplate;
    return m.images.map((img) => ({
      name: fileNameFor(template, { date, seed: m.seed, prompt: img.prompt, model: this.deps.model.state.model?.name, steps: job.params.config.steps, index: img.index + 1 }, extensionFor(img.format)),
      bytes: img.bytes,
    }));
  }

  dispose(): void {
    this.jobEvents.dispose();
  }
}
