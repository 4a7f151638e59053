// The studio: an editor-area webview panel over the output folder's whole history (the sidebar
// stays the quick form). One panel; opening it again reveals it and shows the image asked for, and
// a window reload brings it back (a serializer).
// It lists the folder (cheap), posts it, then posts the parameters as they are read (off the
// host's thread, cached) a chunk at a time. Every message from it is checked (parseStudioMessage);
// its actions are the gallery's (GalleryActions.run); favourites live in the workspace state.

import * as vscode from 'vscode';
import * as path from 'node:path';
import type { StoredImage } from '../asset-store';
import type { Controller } from '../controller';
import type { GalleryActions } from '../gallery-actions';
import { galleryItems } from '../gallery';
import { InlineThumbnails, PLACEHOLDER_URI, servableRoot } from '../gallery-sources';
import type { Log } from '../log';
import { makeNonce, webviewHtml } from '../webview-html';
import { parseStudioMessage, type HostToStudio, type StudioToHost } from '../../protocol/studio-messages';
import type { Favourites } from './favourites';

export const STUDIO_VIEW_TYPE = 'pixart.studio';
/** Files whose parameters are read before they are posted. */
const READ_CHUNK = 1000;

export class StudioPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private pendingSelect: string | undefined;
  private folder: string | undefined;
  private root: string | undefined;
  private images = new Map<string, StoredImage>();
  private listing = 0;
  private readonly thumbnails = new InlineThumbnails();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly controller: Controller,
    private readonly actions: GalleryActions,
    private readonly favourites: Favourites,
    private readonly log: Log,
  ) {}

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** Opens (or reveals) the studio; with `file` (an image of the output folder), shows it. */
  async open(file?: string): Promise<void> {
    const folder = await this.controller.output.resolve(false);
    if (file && (!folder || path.dirname(path.resolve(file)) !== path.resolve(folder))) {
      void vscode.window.showInformationMessage(`PixArt: ${path.basename(file)} is not in the output folder${folder ? ` (${vscode.workspace.asRelativePath(folder, false)})` : ''}; the studio shows the output folder's images.`);
      file = undefined;
    }
    const name = file ? path.basename(file) : undefined;
    if (this.panel) {
      this.panel.reveal();
      if (name && this.ready) this.post({ type: 'select', file: name });
      else if (name) this.pendingSelect = name;
      return;
    }
    this.pendingSelect = name;
    this.create();
  }

  private create(): void {
    this.adopt(vscode.window.createWebviewPanel(STUDIO_VIEW_TYPE, 'PixArt Studio', vscode.ViewColumn.Active, { ...this.options(), retainContextWhenHidden: true }));
  }

  /** Takes over the panel VS Code restores after a reload (registerWebviewPanelSerializer); a second one is closed. */
  restore(panel: vscode.WebviewPanel): void {
    if (this.panel) return void panel.dispose();
    panel.webview.options = this.options();
    this.adopt(panel);
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.ready = false;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'pixart.svg');
    const nonce = makeNonce();
    const uri = (f: string) => panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', f)).toString();
    panel.webview.html = webviewHtml({ cspSource: panel.webview.cspSource, nonce, scriptUri: uri('studio.js'), styleUri: uri('studio.css'), title: 'PixArt Studio' });
    const subs = [
      panel.webview.onDidReceiveMessage((raw) => void this.onMessage(raw).catch((e) => this.log.warn(`studio: ${e instanceof Error ? e.message : String(e)}`))),
      panel.onDidDispose(() => {
        if (this.panel === panel) this.panel = undefined;
        subs.forEach((d) => d.dispose());
      }),
    ];
  }

  private options(): vscode.WebviewOptions {
    const roots = [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')];
    if (this.root) roots.push(vscode.Uri.file(this.root));
    return { enableScripts: true, enableForms: false, localResourceRoots: roots };
  }

  private post(msg: HostToStudio): void {
    void this.panel?.webview.postMessage(msg);
  }

  /** Lists the output folder again and posts the history, then the parameters as they are read. */
  async refresh(): Promise<void> {
    const panel = this.panel;
    if (!panel || !this.ready) return;
    const listing = ++this.listing;
    const t0 = Date.now();
    const folder = await this.controller.output.resolve(false);
    const all = await this.controller.gallery.listing();
    const workspaceFolders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const root = folder ? await servableRoot(folder, workspaceFolders) : undefined;
    if (listing !== this.listing || this.panel !== panel) return;
    if (root !== this.root) {
      this.root = root;
      panel.webview.options = this.options();
    }
    this.folder = folder;
    this.images = new Map(all.map((i) => [i.file, i]));
    const select = this.pendingSelect;
    this.pendingSelect = undefined;
    this.postHistory(all, select);
    const listedMs = Date.now() - t0;
    let read = 0;
    for (let i = 0; i < all.length; i += READ_CHUNK) {
      const chunk = all.slice(i, i + READ_CHUNK);
      if (chunk.every((c) => c.parameters)) continue;
      read += chunk.length;
      await this.controller.gallery.withParameters(chunk);
      if (listing !== this.listing || this.panel !== panel) return;
      // Only what is new: the whole history of 5,000 is ~2 MB of JSON.
      this.post({ type: 'parameters', parameters: Object.fromEntries(chunk.flatMap((c) => (c.parameters ? [[c.file, c.parameters]] : []))) });
    }
    this.log.info(`studio: ${all.length} images listed and posted in ${listedMs} ms${read ? `, ${read} files' parameters read in ${Date.now() - t0 - listedMs} ms` : ''}`);
  }

  private postHistory(all: StoredImage[], select?: string): void {
    const panel = this.panel;
    if (!panel) return;
    const inline = !this.root;
    const items = galleryItems(all, (p) => (inline ? '' : panel.webview.asWebviewUri(vscode.Uri.file(p)).toString()));
    const favourites = this.folder ? [...this.favourites.of(this.folder)].filter((f) => this.images.has(f)) : [];
    const folder = this.folder ? vscode.workspace.asRelativePath(this.folder, false) : '';
    this.post({ type: 'history', folder, items, favourites, inline, ...(select ? { select } : {}) });
  }

  private async onMessage(raw: unknown): Promise<void> {
    const parsed = parseStudioMessage(raw);
    if (!parsed.ok) {
      this.log.warn(`ignored a studio message: ${parsed.error}`);
      return;
    }
    await this.handlers[parsed.message.type](parsed.message as never);
  }

  private readonly handlers: { [K in StudioToHost['type']]: (m: Extract<StudioToHost, { type: K }>) => Promise<unknown> } = {
    ready: async () => {
      this.ready = true;
      await this.refresh();
    },
    refresh: () => this.refresh(),
    // The name was checked to be a plain file name; run() checks it is an image in the output folder.
    galleryAction: async (m) => this.folder && (await this.actions.run(m.action, path.join(this.folder, m.file))),
    favourite: async (m) => {
      if (!this.folder || !this.images.has(m.file)) return;
      const names = await this.favourites.set(this.folder, m.file, m.on);
      this.post({ type: 'favourites', favourites: [...names].filter((f) => this.images.has(f)) });
    },
    thumbnails: async (m) => {
      if (this.root) return;
      const images = m.files.map((f) => this.images.get(f)).filter((i): i is StoredImage => !!i);
      const uris = await this.thumbnails.uris(images);
      this.post({ type: 'thumbnails', uris: Object.fromEntries(images.map((i) => [i.file, uris.get(i.path) ?? PLACEHOLDER_URI])) });
    },
  };

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
