// The sidebar's generator webview: serves the HTML shell, validates every message from the
// webview before acting on it, and forwards the controller's messages to it. A Generate becomes
// its jobs here (style applied, batches with the next seeds: form-jobs.ts), and the prompt goes
// into the history.

import * as vscode from 'vscode';
import * as path from 'node:path';
import type { HostToWebview, WebviewToHost } from '../protocol/messages';
import type { GenerationConfig } from '../protocol/generation';
import { parseWebviewMessage } from '../protocol/validate';
import { parseStyles, type ParsedStyles } from '../protocol/styles';
import { configFromParameters } from '../image/parameters';
import { readImageParameters } from './image-reader';
import { formJobs, nextSeed } from './form-jobs';
import { PromptHistory, type HistoryStore } from './prompt-history';
import { SECTION } from './settings';
import type { Controller } from './controller';
import { galleryItems, type GalleryPage } from './gallery';
import { InlineThumbnails, PLACEHOLDER_URI, servableRoot } from './gallery-sources';
import { makeNonce, webviewHtml } from './webview-html';
import type { GalleryActions } from './gallery-actions';
import type { Log } from './log';

export const GENERATOR_VIEW_ID = 'pixart.generator';
export const PROMPT_HISTORY_COMMAND = 'pixart.promptHistory';
/** Jobs whose config is kept for "Re-run with next seed" (the newest ones this view queued). */
const KEPT_JOBS = 50;

function readStyles(): ParsedStyles {
  return parseStyles(vscode.workspace.getConfiguration(SECTION).get('styles'));
}

export class GeneratorViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private galleryFolder: string | undefined;
  /** The output folder while the webview may load from it (inside the workspace), else undefined. */
  private galleryRoot: string | undefined;
  private galleryListing = 0;
  private readonly thumbnails = new InlineThumbnails();
  /** Form values to show once the webview is ready (e.g. "Reuse Parameters" before it was opened). */
  private pendingForm: Partial<GenerationConfig> | undefined;
  private styles = readStyles();
  private readonly history: PromptHistory;
  /** The configs (seed drawn) of jobs this view queued, by id, newest last. */
  private readonly queued = new Map<string, GenerationConfig>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly controller: Controller,
    private readonly actions: GalleryActions,
    private readonly log: Log,
    historyStore: HistoryStore,
  ) {
    this.history = new PromptHistory(historyStore);
    this.disposables.push(
      controller.onPost((m) => this.post(m)),
      vscode.commands.registerCommand(PROMPT_HISTORY_COMMAND, () => this.pickPrompt()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.styles`)) this.postStyles(readStyles());
      }),
    );
    controller.gallery.setListener((page) => void this.showGallery(page));
  }

  private postStyles(parsed: ParsedStyles): void {
    this.styles = parsed;
    for (const p of parsed.problems) this.log.warn(p);
    this.post({ type: 'styles', styles: parsed.styles, problems: parsed.problems });
  }

  /**
   * Posts the gallery. The output folder is a webview root only when it lies inside the workspace;
   * elsewhere the pictures go as data: URIs, so a folder such as ~ opens nothing (gallery-sources.ts).
   */
  private async showGallery({ images, total, folder }: GalleryPage): Promise<void> {
    const view = this.view;
    if (!view) return;
    const listing = ++this.galleryListing;
    this.galleryFolder = folder;
    const root = await this.servableRootOf(folder);
    const inline = root ? undefined : await this.thumbnails.uris(images);
    if (listing !== this.galleryListing || this.view !== view) return; // a newer listing is on its way
    if (root !== this.galleryRoot) {
      this.galleryRoot = root;
      view.webview.options = this.webviewOptions();
    }
    const items = galleryItems(images, (p) => (inline ? inline.get(p) ?? PLACEHOLDER_URI : view.webview.asWebviewUri(vscode.Uri.file(p)).toString()));
    // Inside the workspace the folder reads as the user set it (assets/generated), not as an absolute path.
    this.post({ type: 'gallery', items, total, folder: folder ? vscode.workspace.asRelativePath(folder, false) : '' });
  }

  /** The folder the webview may load images from: the output folder when it lies in the workspace. */
  private async servableRootOf(folder: string | undefined): Promise<string | undefined> {
    const workspaceFolders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    return folder ? servableRoot(folder, workspaceFolders) : undefined;
  }

  private webviewOptions(): vscode.WebviewOptions {
    const roots = [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')];
    if (this.galleryRoot) roots.push(vscode.Uri.file(this.galleryRoot));
    return { enableScripts: true, enableForms: false, localResourceRoots: roots };
  }

  async resolveWebviewView(view: vscode.WebviewView): Promise<void> {
    this.view = view;
    // The gallery's root before the page loads: a later change of localResourceRoots reloads the
    // page, and with it what the user has begun to type.
    this.galleryRoot = await this.servableRootOf(await this.controller.output.resolve(false));
    if (this.view !== view) return;
    view.webview.options = this.webviewOptions();
    const nonce = makeNonce();
    view.webview.html = webviewHtml({
      cspSource: view.webview.cspSource,
      nonce,
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.css')).toString(),
      title: 'PixArt Generator',
    });
    this.disposables.push(
      view.webview.onDidReceiveMessage((raw) => void this.onMessage(raw)),
      view.onDidDispose(() => {
        if (this.view === view) this.view = undefined;
      }),
      view.onDidChangeVisibility(() => {
        if (view.visible) void this.controller.gallery.refresh();
      }),
    );
    // Opening the generator is the moment to warm the model up.
    this.controller.model.ensure();
  }

  /** Fills the form (now, or when the webview is ready). */
  showForm(params: Partial<GenerationConfig>): void {
    if (this.view) this.post({ type: 'setForm', params });
    else this.pendingForm = params;
  }

  post(msg: HostToWebview): void {
    void this.view?.webview.postMessage(msg);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.log.warn(`ignored a webview message: ${parsed.error}`);
      return;
    }
    const m = parsed.message;
    switch (m.type) {
      case 'ready':
        await this.controller.sendFullState();
        this.postStyles(this.styles);
        this.post({ type: 'history', prompts: this.history.prompts });
        if (this.pendingForm) {
          this.post({ type: 'setForm', params: this.pendingForm });
          this.pendingForm = undefined;
        }
        return;
      case 'generate':
        return this.generate(m.params, m.style, m.batches);
      case 'rerunNextSeed':
        return 'jobId' in m ? this.rerunJob(m.jobId) : this.rerunFile(m.file);
      case 'cancel':
        return this.controller.jobs.cancel(m.jobId);
      case 'moveJob':
        this.controller.jobs.move(m.jobId, m.direction);
        return;
      case 'countTokens': {
        const r = await this.controller.model.countTokens(m.text);
        return this.post({ type: 'tokens', requestId: m.requestId, ...r });
      }
      case 'galleryAction': {
        const folder = this.galleryFolder ?? (await this.controller.output.resolve(false));
        // The name was checked to be a plain file name; it must also be one the gallery lists.
        if (folder) await this.actions.run(m.action, path.join(folder, m.file));
        return;
      }
      case 'openInStudio': {
        const folder = this.galleryFolder ?? (await this.controller.output.resolve(false));
        if (folder) await vscode.commands.executeCommand('pixart.openStudio', path.join(folder, m.file));
        return;
      }
      default:
        await this.buttons[m.type]();
    }
  }

  /** The webview's buttons that only ask for something to happen. */
  private readonly buttons: Record<Exclude<WebviewToHost['type'], 'ready' | 'generate' | 'cancel' | 'moveJob' | 'countTokens' | 'galleryAction' | 'rerunNextSeed' | 'openInStudio'>, () => unknown> = {
    selectModelFolder: () => vscode.commands.executeCommand('pixart.selectModelFolder'),
    openSettings: () => vscode.commands.executeCommand('pixart.openSettings'),
    showLog: () => this.log.show(),
    reloadModel: () => this.controller.model.load(),
    refreshGallery: () => this.controller.gallery.refresh(),
    showMoreGallery: () => this.controller.gallery.showMore(),
    promptHistory: () => this.pickPrompt(),
    clearQueue: () => this.controller.jobs.clearQueue(),
  };

  private async generate(params: unknown, style: string | undefined, batches: number | undefined): Promise<void> {
    const v = this.controller.model.validate(params);
    const built = v.ok ? formJobs(v.value, this.styles.styles, style, batches) : v;
    if (!built.ok) {
      this.post({ type: 'invalid', errors: built.errors });
      return;
    }
    this.post({ type: 'invalid', errors: [] });
    if (v.ok) await this.rememberPrompt(v.value.prompt);
    await this.enqueueAll(built.jobs, v.ok ? v.value.prompt : '');
  }

  /** Puts a prompt into the prompt history (the form's Generate, and PixArt: Generate Image). */
  async rememberPrompt(prompt: string): Promise<void> {
    this.post({ type: 'history', prompts: await this.history.add(prompt) });
  }

  /** Queues jobs in a row into one output folder (asked for once), and tells the view which they are. */
  private async enqueueAll(configs: GenerationConfig[], label: string): Promise<void> {
    const first = await this.controller.jobs.enqueue(configs[0]);
    if (!first) return;
    const where = { folder: first.params.folder, real: first.params.realFolder };
    const jobs = [first, ...configs.slice(1).map((c) => this.controller.jobs.enqueueIn(c, where))];
    for (const j of jobs) this.queued.set(j.id, j.params.config);
    for (const id of [...this.queued.keys()].slice(0, Math.max(0, this.queued.size - KEPT_JOBS))) this.queued.delete(id);
    this.post({ type: 'batchQueued', jobIds: jobs.map((j) => j.id), label });
  }

  private async rerunJob(jobId: string): Promise<void> {
    const config = this.queued.get(jobId);
    if (!config) return this.post({ type: 'notice', level: 'warning', message: 'That job\'s settings are no longer kept; use Re-run with Next Seed on its image in the gallery.' });
    await this.enqueueAll([{ ...config, seed: nextSeed(config.seed) }], config.prompt);
  }

  /** A gallery image again with its seed + 1 (its parameters are the prompt as run: the style is in it). */
  private async rerunFile(name: string): Promise<void> {
    const file = await this.actions.galleryFile(name);
    const p = file ? await readImageParameters(file).catch(() => undefined) : undefined;
    if (!p) return this.post({ type: 'notice', level: 'warning', message: `${name} carries no generation parameters to re-run.` });
    const v = this.controller.model.validate({ ...configFromParameters(p), seed: nextSeed(p.seed), imagesPerPrompt: 1 });
    if (!v.ok) return this.post({ type: 'notice', level: 'error', message: `Cannot re-run ${name}: ${v.errors.map((e) => e.message).join(' ')}` });
    await this.enqueueAll([v.value], p.prompt);
  }

  /** The recent prompts as a quick pick (the form's history button, and PixArt: Prompt History…); the pick fills the form. */
  private async pickPrompt(): Promise<void> {
    const prompts = this.history.prompts;
    const clear = { label: '$(clear-all) Clear Prompt History', alwaysShow: true };
    const items: vscode.QuickPickItem[] = prompts.map((p) => ({ label: p.replace(/\s+/g, ' ') }));
    if (prompts.length) items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, clear);
    const pick = await vscode.window.showQuickPick(items, { title: 'PixArt: Prompt History', placeHolder: prompts.length ? 'Pick a prompt to put into the form' : 'No prompts yet: generate once and it appears here' });
    if (!pick) return;
    if (pick === clear) {
      await this.history.clear();
      return this.post({ type: 'history', prompts: [] });
    }
    const prompt = prompts[items.indexOf(pick)];
    await vscode.commands.executeCommand(`${GENERATOR_VIEW_ID}.focus`);
    this.showForm({ prompt });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
