// The host's parts, wired: the settings as VS Code has them, the worker (its messages routed to the
// model session or the job runner, its crashes to both), the output folder and its gallery, and
// the one stream of messages for the generator webview. Commands and views call into the parts;
// none of them runs inference (the worker does), so the host's event loop stays free.

import * as vscode from 'vscode';
import * as path from 'node:path';
import type { HostToWebview, WorkerToHost } from '../protocol/messages';
import { SECTION, resolveSettings, type PixArtSettings } from './settings';
import { WorkerClient } from './worker-client';
import { ModelSession } from './model-session';
import { JobRunner } from './job-runner';
import { OutputFolder } from './output-folder';
import { GalleryFeed } from './gallery';
import type { Log } from './log';

function readSettings(): PixArtSettings {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  return resolveSettings((k) => cfg.get(k));
}

export class Controller implements vscode.Disposable {
  readonly model: ModelSession;
  readonly jobs: JobRunner;
  readonly output: OutputFolder;
  readonly gallery: GalleryFeed;
  private settings = readSettings();
  private readonly worker: WorkerClient;

  private readonly changed = new vscode.EventEmitter<void>();
  /** Model state or queue changed. */
  readonly onDidChange = this.changed.event;
  private readonly posted = new vscode.EventEmitter<HostToWebview>();
  /** Messages for the generator webview. */
  readonly onPost = this.posted.event;
  private readonly disposables: vscode.Disposable[] = [];
  private stopped: Promise<void> | undefined;

  constructor(context: vscode.ExtensionContext, private readonly log: Log) {
    const settings = () => this.settings;
    const post = (msg: HostToWebview) => this.post(msg);
    const changed = () => this.changed.fire();
    this.worker = new WorkerClient(path.join(context.extensionPath, 'dist', 'worker.js'), {
      onMessage: (m) => this.onWorkerMessage(m),
      onCrash: (reason, jobId, restarting) => this.onWorkerCrash(reason, jobId, restarting),
      log: (level, message) => log[level](message),
    });
    this.output = new OutputFolder(settings, () => void this.gallery.refresh());
    this.gallery = new GalleryFeed(this.output, log);
    const cacheDir = vscode.Uri.joinPath(context.globalStorageUri, 'openvino-cache').fsPath;
    this.model = new ModelSession({ worker: this.worker, cacheDir, settings, post, changed, log });
    this.jobs = new JobRunner({ worker: this.worker, model: this.model, output: this.output, settings, post, changed, saved: () => void this.gallery.refresh(), log });
    this.disposables.push(
      this.changed,
      this.posted,
      this.jobs,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SECTION)) this.onSettingsChanged();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.onSettingsChanged()),
    );
  }

  get currentSettings(): PixArtSettings {
    return this.settings;
  }

  /** Worker processes not yet exited (for the tests: none after dispose() has resolved). */
  get workerProcesses(): number {
    return this.worker.processes;
  }

  post(msg: HostToWebview): void {
    this.posted.fire(msg);
  }

  /** Everything a freshly (re)loaded webview needs. */
  async sendFullState(): Promise<void> {
    this.model.postState();
    this.jobs.postQueue();
    await this.gallery.refresh();
  }

  private onSettingsChanged(): void {
    const before = this.settings;
    this.settings = readSettings();
    this.model.settingsChanged(before);
    if (before.outputFolder !== this.settings.outputFolder) void this.gallery.refresh();
  }

  private onWorkerMessage(m: WorkerToHost): void {
    switch (m.type) {
      case 'status':
      case 'tokens':
        this.model.onWorkerMessage(m);
        return;
      case 'loaded':
        this.model.onWorkerMessage(m);
        this.jobs.pump();
        return;
      case 'loadFailed':
        this.model.onWorkerMessage(m);
        this.jobs.failWaiting(`The model could not be loaded: ${m.message}`);
        return;
      case 'progress':
      case 'phase':
      case 'done':
      case 'failed':
        this.jobs.onWorkerMessage(m);
        return;
      case 'log':
        this.log[m.level](m.message);
        return;
    }
  }

  /** The worker died: the job it ran is lost; the model loads again, or, when it keeps dying, nothing waiting can run. */
  private onWorkerCrash(reason: string, jobId: string | undefined, restarting: boolean): void {
    if (jobId) this.jobs.end(jobId, `${reason} The job was lost${restarting ? '; the worker restarts and reloads the model' : ''}.`, false);
    const gaveUp = this.model.workerCrashed(reason, restarting);
    if (gaveUp) this.jobs.failWaiting(gaveUp);
  }

  /** Stops the running job and the worker process; resolves when the process has exited. Idempotent. */
  dispose(): Promise<void> {
    if (this.stopped) return this.stopped;
    this.model.dispose();
    this.stopped = this.worker.dispose();
    for (const d of this.disposables) d.dispose();
    return this.stopped;
  }
}
