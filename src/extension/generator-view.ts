// The sidebar's generator webview: serves the HTML shell, validates every message from the
// webview before acting on it, and forwards the controller's messages to it.

import * as vscode from 'vscode';
import * as path from 'node:path';
import type { HostToWebview, WebviewToHost } from '../protocol/messages';
import type { GenerationConfig } from '../protocol/generation';
import { parseWebviewMessage } from '../protocol/validate';
import type { Controller } from './controller';
import { galleryItems, type GalleryPage } from './gallery';
import { InlineThumbnails, PLACEHOLDER_URI, servableRoot } from './gallery-sources';
import { makeNonce, webviewHtml } from './webview-html';
import type { GalleryActions } from './gallery-actions';
import type { Log } from './log';

export const GENERATOR_VIEW_ID = 'pixart.generator';

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

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly controller: Controller,
    private readonly actions: GalleryActions,
    private readonly log: Log,
  ) {
    this.disposables.push(controller.onPost((m) => this.post(m)));
    controller.gallery.setListener((page) => void this.showGallery(page));
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
    const workspaceFolders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const root = folder ? await servableRoot(folder, workspaceFolders) : undefined;
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

  private webviewOptions(): vscode.WebviewOptions {
    const roots = [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')];
    if (this.galleryRoot) roots.push(vscode.Uri.file(this.galleryRoot));
    return { enableScripts: true, enableForms: false, localResourceRoots: roots };
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
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
        if (this.pendingForm) {
          this.post({ type: 'setForm', params: this.pendingForm });
          this.pendingForm = undefined;
        }
        return;
      case 'generate':
        return this.generate(m.params);
      case 'cancel':
        return this.controller.jobs.cancel(m.jobId);
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
  private readonly buttons: Record<Exclude<WebviewToHost['type'], 'ready' | 'generate' | 'cancel' | 'countTokens' | 'galleryAction' | 'openInStudio'>, () => unknown> = {
    selectModelFolder: () => vscode.commands.executeCommand('pixart.selectModelFolder'),
    openSettings: () => vscode.commands.executeCommand('workbench.action.openSettings', '@ext:pixart-studio.pixart-studio'),
    showLog: () => this.log.show(),
    reloadModel: () => this.controller.model.load(),
    refreshGallery: () => this.controller.gallery.refresh(),
    showMoreGallery: () => this.controller.gallery.showMore(),
  };

  private async generate(params: unknown): Promise<void> {
    const v = this.controller.model.validate(params);
    if (!v.ok) {
      this.post({ type: 'invalid', errors: v.errors });
      return;
    }
    this.post({ type: 'invalid', errors: [] });
    await this.controller.jobs.enqueue(v.value);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
