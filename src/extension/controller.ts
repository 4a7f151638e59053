// The host's conductor: settings → model loading in the worker, the job queue, saving results
// into the output folder, and the messages the views show. Commands and views call into it;
// it never runs inference itself (the worker does), so the host's event loop stays free.

import * as vscode from 'vscode';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { randomInt } from 'node:crypto';
import type { FormDefaults, GalleryItem, HostToWebview, ModelState, WorkerToHost } from '../protocol/messages';
import { LIMITS, validateGeneration, withSeed, type GenerationConfig, type Validated } from '../protocol/generation';
import { JobQueue, estimateEtaMs, type Job } from './queue';
import { WorkerClient } from './worker-client';
import { SECTION, loadOptionsFrom, resolveFormDefaults, resolveOutputFolder, resolveSettings, type PixArtSettings } from './settings';
import { extensionFor, fileNameFor } from './naming';
import { saveUnique, Gallery, type StoredImage } from './asset-store';
import type { Log } from './log';

export interface JobRequest {
  /** What to generate, with the seed the job runs with (a random one is drawn when the form left it empty). */
  config: GenerationConfig;
  /** Where the images go, resolved (and asked for) when the job was queued. */
  folder: string;
}

export type JobEvent =
  | { jobId: string; kind: 'started' }
  | { jobId: string; kind: 'progress'; step: number; steps: number; etaMs: number | null }
  | { jobId: string; kind: 'done'; files: string[]; seed: string }
  | { jobId: string; kind: 'failed'; message: string; cancelled: boolean };

const PREVIEW_SIZE = 128;
const GALLERY_LIMIT = 120;

export class Controller implements vscode.Disposable {
  readonly queue: JobQueue<JobRequest>;
  private settings: PixArtSettings;
  private model: ModelState = { state: 'unset' };
  private readonly worker: WorkerClient;
  private readonly gallery = new Gallery();
  private readonly tokenReplies = new Map<number, (r: { tokens: number; max: number; truncated: boolean }) => void>();
  private tokenRequest = 0;
  private restrictedModeAccepted = false;
  private chosenFolder: string | undefined;
  private stallMonitor: IntervalHistogram | undefined;
  /** Largest event-loop delay measured during any generation this session (ms). */
  maxStallMs = 0;

  private readonly changed = new vscode.EventEmitter<void>();
  /** Model state or queue changed. */
  readonly onDidChange = this.changed.event;
  private readonly posted = new vscode.EventEmitter<HostToWebview>();
  /** Messages for the generator webview. */
  readonly onPost = this.posted.event;
  private readonly jobEvents = new vscode.EventEmitter<JobEvent>();
  readonly onJobEvent = this.jobEvents.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: Log) {
    this.settings = readSettings();
    if (this.settings.modelPath) this.model = { state: 'idle', modelPath: this.settings.modelPath };
    this.queue = new JobQueue<JobRequest>(() => {
      this.changed.fire();
      this.post({ type: 'queue', jobs: this.queue.summaries() });
    });
    this.worker = new WorkerClient(path.join(context.extensionPath, 'dist', 'worker.js'), {
      onMessage: (m) => this.onWorkerMessage(m),
      onCrash: (reason, jobId, restarting) => this.onWorkerCrash(reason, jobId, restarting),
      log: (level, message) => this.log[level](message),
    });
    this.updateModelConfiguredContext();
    this.disposables.push(
      this.changed,
      this.posted,
      this.jobEvents,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SECTION)) this.onSettingsChanged();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.onSettingsChanged()),
    );
  }

  get modelState(): ModelState {
    return this.model;
  }

  get currentSettings(): PixArtSettings {
    return this.settings;
  }

  formDefaults(): FormDefaults {
    return resolveFormDefaults(this.settings, this.model.model);
  }

  post(msg: HostToWebview): void {
    this.posted.fire(msg);
  }

  /** Everything a freshly (re)loaded webview needs. */
  async sendFullState(): Promise<void> {
    this.postModelState();
    this.post({ type: 'queue', jobs: this.queue.summaries() });
    await this.refreshGallery();
  }

  private postModelState(): void {
    this.post({ type: 'modelState', model: this.model, defaults: this.formDefaults(), preview: this.settings.preview });
  }

  private setModel(state: ModelState): void {
    this.model = state;
    this.postModelState();
    this.changed.fire();
  }

  private updateModelConfiguredContext(): void {
    void vscode.commands.executeCommand('setContext', 'pixart.modelConfigured', this.settings.modelPath !== '');
  }

  // ─── model ─────────────────────────────────────────────────────────────────

  /** Starts loading the model when a folder is set and it is not loaded (or loading) already. */
  ensureModel(): boolean {
    if (!this.settings.modelPath) {
      if (this.model.state !== 'unset') this.setModel({ state: 'unset' });
      return false;
    }
    if (['loading', 'compiling', 'ready'].includes(this.model.state) && this.model.modelPath === this.settings.modelPath) return true;
    this.loadModel();
    return true;
  }

  loadModel(): void {
    if (!this.settings.modelPath) {
      this.ensureModel();
      return;
    }
    const cacheDir = this.settings.compiledModelCache ? vscode.Uri.joinPath(this.context.globalStorageUri, 'openvino-cache').fsPath : undefined;
    const options = loadOptionsFrom(this.settings, cacheDir);
    this.log.info(`loading model ${options.modelDir} on ${options.device} (runtime ${options.runtime}, precision ${options.precision}${cacheDir ? ', cache on' : ''})`);
    this.setModel({ state: 'loading', modelPath: options.modelDir, devices: this.model.devices });
    this.worker.send({ type: 'load', options });
  }

  private onSettingsChanged(): void {
    const before = this.settings;
    this.settings = readSettings();
    this.updateModelConfiguredContext();
    const s = this.settings;
    const reload = before.modelPath !== s.modelPath || before.device !== s.device || before.precision !== s.precision || before.openvinoRuntime !== s.openvinoRuntime || before.openvinoLibraryPath !== s.openvinoLibraryPath || before.compiledModelCache !== s.compiledModelCache || before.releaseTextEncoder !== s.releaseTextEncoder;
    if (reload) {
      if (!s.modelPath) {
        // Only a running worker has something to unload (sending would start one).
        if (this.worker.started) this.worker.send({ type: 'unload' });
        this.setModel({ state: 'unset' });
      } else if (this.model.state !== 'unset' || this.worker.started) {
        this.loadModel();
      } else {
        this.setModel({ state: 'idle', modelPath: s.modelPath });
      }
    } else {
      this.postModelState();
    }
    if (before.outputFolder !== s.outputFolder) void this.refreshGallery();
  }

  // ─── worker messages ───────────────────────────────────────────────────────

  private onWorkerMessage(m: WorkerToHost): void {
    switch (m.type) {
      case 'status':
        if (m.state !== 'ready') this.setModel({ ...this.model, state: m.state });
        return;
      case 'loaded':
        this.log.info(`model ready: ${m.model.name} (${m.model.schedulerClass}) on ${m.device} via ${m.engine} ${m.engineVersion} in ${(m.loadMs / 1000).toFixed(1)} s; devices: ${m.devices.join(', ')}`);
        this.setModel({ state: 'ready', model: m.model, device: m.device, devices: m.devices, modelPath: m.model.modelDir });
        this.pump();
        return;
      case 'loadFailed': {
        this.log.error(`model failed to load (${m.kind}): ${m.message}`);
        this.setModel({ state: 'error', error: m.message, modelPath: this.settings.modelPath, devices: m.devices ?? this.model.devices });
        const { removed } = this.queue.cancelAll();
        for (const j of removed) this.jobEvents.fire({ jobId: j.id, kind: 'failed', message: `The model could not be loaded: ${m.message}`, cancelled: false });
        const what = m.kind === 'model-folder' ? 'The model folder is not usable' : m.kind === 'runtime' ? 'OpenVINO could not be started' : 'The model could not be loaded';
        void vscode.window.showErrorMessage(`PixArt: ${what}: ${m.message}`, 'Select Model Folder…', 'Show Log').then((pick) => {
          if (pick === 'Select Model Folder…') void vscode.commands.executeCommand('pixart.selectModelFolder');
          if (pick === 'Show Log') this.log.show();
        });
        return;
      }
      case 'tokens': {
        const reply = this.tokenReplies.get(m.requestId);
        this.tokenReplies.delete(m.requestId);
        reply?.({ tokens: m.tokens, max: m.max, truncated: m.truncated });
        return;
      }
      case 'log':
        this.log[m.level](m.message);
        return;
      case 'progress': {
        const job = this.queue.progress(m.jobId, m.step, m.steps, m.elapsedMs);
        if (!job) return;
        const etaMs = estimateEtaMs(job.stepElapsedMs, m.step, m.steps);
        this.post({ type: 'progress', jobId: m.jobId, step: m.step, steps: m.steps, elapsedMs: m.elapsedMs, etaMs });
        for (const p of m.previews ?? []) {
          this.post({ type: 'preview', jobId: m.jobId, index: p.index, width: p.width, height: p.height, rgb: Buffer.from(p.rgb.buffer, p.rgb.byteOffset, p.rgb.byteLength).toString('base64') });
        }
        this.jobEvents.fire({ jobId: m.jobId, kind: 'progress', step: m.step, steps: m.steps, etaMs });
        return;
      }
      case 'done':
        void this.onJobDone(m);
        return;
      case 'failed':
        this.finishJob(m.jobId, m.cancelled ? 'cancelled' : 'failed', m.message);
        return;
    }
  }

  private onWorkerCrash(reason: string, jobId: string | undefined, restarting: boolean): void {
    if (jobId) this.finishJob(jobId, 'failed', `${reason} The job was lost${restarting ? '; the worker restarts and reloads the model' : ''}.`);
    if (this.model.state === 'unset') return;
    if (restarting) {
      this.setModel({ state: this.settings.modelPath ? 'loading' : 'unset', modelPath: this.settings.modelPath, devices: this.model.devices });
      return;
    }
    // It keeps dying (e.g. a native module cannot load): say so instead of "loading" forever.
    const message = `${reason} It stopped several times in a row; see the log, then use PixArt: Reload Model to try again.`;
    this.setModel({ state: 'error', error: message, modelPath: this.settings.modelPath, devices: this.model.devices });
    const { removed } = this.queue.cancelAll();
    for (const j of removed) {
      this.jobEvents.fire({ jobId: j.id, kind: 'failed', message, cancelled: false });
      this.post({ type: 'jobFailed', jobId: j.id, message, cancelled: false });
    }
    void vscode.window.showErrorMessage(`PixArt: ${message}`, 'Show Log').then((pick) => pick && this.log.show());
  }

  // ─── jobs ──────────────────────────────────────────────────────────────────

  validate(raw: unknown): Validated<GenerationConfig> {
    return validateGeneration(raw, { supportedSizes: this.model.model?.supportedSizes ?? [], maxSteps: this.model.model?.maxSteps });
  }

  /**
   * Queues a generation. Resolves the output folder first (asking when no folder is open) and
   * asks before writing into a Restricted Mode workspace. Returns the job, or undefined when the
   * user backed out or no model is set.
   */
  async enqueue(params: GenerationConfig): Promise<Job<JobRequest> | undefined> {
    if (!this.settings.modelPath) {
      const pick = await vscode.window.showWarningMessage('PixArt: no model folder is set.', 'Select Model Folder…');
      if (pick) await vscode.commands.executeCommand('pixart.selectModelFolder');
      if (!this.settings.modelPath) return undefined;
    }
    const folder = await this.outputFolder(true);
    if (!folder) return undefined;
    if (!vscode.workspace.isTrusted && !this.restrictedModeAccepted) {
      const ok = await vscode.window.showWarningMessage(
        'This workspace is in Restricted Mode. Generate images and save them into it?',
        { modal: true, detail: `Images will be written to ${folder}. The model folder and OpenVINO settings come from your user settings only.` },
        'Generate',
      );
      if (ok !== 'Generate') return undefined;
      this.restrictedModeAccepted = true;
    }
    const config = withSeed(params, () => randomInt(0, LIMITS.maxRandomSeed + 1));
    const job = this.queue.add({ config, folder }, params.prompt);
    this.log.info(`${job.id} queued: "${params.prompt.slice(0, 80)}" seed ${config.seed}, ${params.steps} steps, guidance ${params.guidanceScale}, ${params.width}x${params.height} ×${params.imagesPerPrompt}`);
    this.ensureModel();
    this.pump();
    return job;
  }

  /** Starts the next job when the model is ready and nothing runs. */
  private pump(): void {
    if (this.model.state !== 'ready' || this.queue.running) return;
    const job = this.queue.startNext();
    if (!job) return;
    this.startStallMonitor();
    this.jobEvents.fire({ jobId: job.id, kind: 'started' });
    const work = { ...job.params.config, format: this.settings.imageFormat, preview: this.settings.preview, previewSize: PREVIEW_SIZE };
    this.worker.send({ type: 'generate', jobId: job.id, job: work });
  }

  cancel(jobId?: string): void {
    const target = jobId ?? this.queue.running?.id;
    const outcome = this.queue.cancel(jobId);
    if (outcome === 'abort-running' && target) {
      this.worker.send({ type: 'cancel', jobId: target });
      this.log.info(`${target}: cancel requested`);
    } else if (outcome === 'removed' && target) {
      this.jobEvents.fire({ jobId: target, kind: 'failed', message: 'Cancelled.', cancelled: true });
      this.post({ type: 'jobFailed', jobId: target, message: 'Cancelled.', cancelled: true });
    }
  }

  cancelAll(): void {
    const { removed, running } = this.queue.cancelAll();
    for (const j of removed) {
      this.jobEvents.fire({ jobId: j.id, kind: 'failed', message: 'Cancelled.', cancelled: true });
      this.post({ type: 'jobFailed', jobId: j.id, message: 'Cancelled.', cancelled: true });
    }
    if (running) this.worker.send({ type: 'cancel', jobId: running.id });
  }

  private async onJobDone(m: Extract<WorkerToHost, { type: 'done' }>): Promise<void> {
    const job = this.queue.running;
    if (!job || job.id !== m.jobId) return;
    const files: string[] = [];
    try {
      const date = new Date();
      for (const img of m.images) {
        const name = fileNameFor(this.settings.fileNameTemplate, { date, seed: m.seed, prompt: img.prompt, model: this.model.model?.name, steps: job.params.config.steps, index: img.index + 1 }, extensionFor(img.format));
        files.push(await saveUnique(job.params.folder, name, img.bytes));
      }
      const t = m.timings;
      const stall = this.stopStallMonitor();
      this.log.info(
        `${job.id} done: ${files.map((f) => path.basename(f)).join(', ')} — total ${(t.totalMs / 1000).toFixed(2)} s (text ${t.textEncoderMs.toFixed(0)} ms${t.textEncoderCalls === 0 ? ', cached' : ''}, transformer ${t.transformerMs.map((x) => x.toFixed(0)).join('+')} ms, VAE ${t.vaeMs.toFixed(0)} ms, encode ${t.encodeMs.toFixed(0)} ms); host event-loop max delay ${stall.toFixed(1)} ms`,
      );
      this.post({ type: 'jobDone', jobId: job.id, seed: m.seed, files: files.map((f) => path.basename(f)), totalMs: t.totalMs });
      this.queue.finish(job.id, 'done');
      this.jobEvents.fire({ jobId: job.id, kind: 'done', files, seed: m.seed });
    } catch (err) {
      const message = `Saving failed: ${err instanceof Error ? err.message : String(err)}`;
      this.finishJob(job.id, 'failed', message);
    }
    void this.refreshGallery();
    this.pump();
  }

  private finishJob(jobId: string, status: 'failed' | 'cancelled', message: string): void {
    const job = this.queue.finish(jobId, status, message);
    if (!job) return;
    this.stopStallMonitor();
    if (status === 'failed') this.log.error(`${jobId} failed: ${message}`);
    else this.log.info(`${jobId} cancelled`);
    this.post({ type: 'jobFailed', jobId, message, cancelled: status === 'cancelled' });
    this.jobEvents.fire({ jobId, kind: 'failed', message, cancelled: status === 'cancelled' });
    this.pump();
  }

  private startStallMonitor(): void {
    this.stallMonitor?.disable();
    this.stallMonitor = monitorEventLoopDelay({ resolution: 10 });
    this.stallMonitor.enable();
  }

  /** Stops measuring and returns the largest event-loop delay of the job, in ms. */
  private stopStallMonitor(): number {
    const h = this.stallMonitor;
    if (!h) return 0;
    h.disable();
    this.stallMonitor = undefined;
    // The histogram's values include the sampling interval itself.
    const ms = Math.max(0, h.max / 1e6 - 10);
    this.maxStallMs = Math.max(this.maxStallMs, ms);
    return ms;
  }

  // ─── tokens ────────────────────────────────────────────────────────────────

  countTokens(text: string): Promise<{ tokens: number; max: number; truncated: boolean }> {
    if (this.model.state !== 'ready') return Promise.resolve({ tokens: -1, max: this.model.model?.maxTokens ?? 120, truncated: false });
    const id = ++this.tokenRequest;
    return new Promise((resolve) => {
      this.tokenReplies.set(id, resolve);
      this.worker.send({ type: 'countTokens', requestId: id, text });
      setTimeout(() => {
        if (this.tokenReplies.delete(id)) resolve({ tokens: -1, max: 120, truncated: false });
      }, 5000);
    });
  }

  // ─── output folder and gallery ─────────────────────────────────────────────

  workspaceRoot(): string | undefined {
    const active = vscode.window.activeTextEditor?.document.uri;
    const folder = (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
    return folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
  }

  /** The output folder; with `ask`, asks the user where to save when no folder is open. */
  async outputFolder(ask: boolean): Promise<string | undefined> {
    const r = resolveOutputFolder(this.settings.outputFolder, this.workspaceRoot(), os.homedir());
    if (r.ok) return r.folder;
    if (r.reason === 'no-workspace') {
      if (this.chosenFolder) return this.chosenFolder;
      if (!ask) return undefined;
      const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Save Images Here', title: 'PixArt: where should generated images go?' });
      if (!picked?.[0]) return undefined;
      this.chosenFolder = picked[0].fsPath;
      void this.refreshGallery();
      return this.chosenFolder;
    }
    if (ask) void vscode.window.showErrorMessage(`PixArt: ${r.message}`);
    return undefined;
  }

  async galleryImages(): Promise<StoredImage[]> {
    const folder = await this.outputFolder(false);
    if (!folder) return [];
    try {
      return await this.gallery.list(folder, GALLERY_LIMIT);
    } catch (err) {
      this.log.warn(`cannot list ${folder}: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    }
  }

  /** Turns stored images into gallery items; `toSrc` maps a file path to a webview URI. */
  static galleryItems(images: StoredImage[], toSrc: (p: string) => string): GalleryItem[] {
    return images.map((i) => ({
      file: i.file,
      src: toSrc(i.path),
      fileUri: vscode.Uri.file(i.path).toString(),
      mtimeMs: i.mtimeMs,
      ...(i.parameters ? { parameters: i.parameters } : {}),
    }));
  }

  private galleryListener: ((images: StoredImage[], folder: string | undefined) => void) | undefined;

  /** The view registers here to receive gallery contents (it owns the webview URIs). */
  setGalleryListener(listener: (images: StoredImage[], folder: string | undefined) => void): void {
    this.galleryListener = listener;
  }

  async refreshGallery(): Promise<void> {
    if (!this.galleryListener) return;
    const folder = await this.outputFolder(false);
    this.galleryListener(await this.galleryImages(), folder);
  }

  dispose(): void {
    this.stallMonitor?.disable();
    void this.worker.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

export function readSettings(): PixArtSettings {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  return resolveSettings((k) => cfg.get(k));
}
