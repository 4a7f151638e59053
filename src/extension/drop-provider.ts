// Dropping a gallery image into a text editor inserts what Insert inserts: the document language's
// snippet, its path relative to the document. The webview drags the image's name under
// GALLERY_DRAG_MIME (a file: URI in `text/uri-list` reaches the web workbench as
// about:blank#blocked, and makes the workbench open the file instead of inserting it); VS Code
// hands that DataTransfer to this provider wherever the editor runs: desktop, remote and web.

import * as vscode from 'vscode';
import { GALLERY_DRAG_MIME } from '../protocol/messages';
import { UnsafePathError } from './insertion';
import type { GalleryActions } from './gallery-actions';
import type { Log } from './log';

/** What a drop of ours is called in VS Code's "drop as" menu and its `editor.dropIntoEditor.preferences`. */
export const GALLERY_DROP_KIND = vscode.DocumentDropOrPasteEditKind.Empty.append('pixart', 'image');
/** More than a file name and its braces is not ours. */
const MAX_PAYLOAD_CHARS = 1024;

/** The file name a drag of ours carries, or undefined for anything else (the data comes from a webview). */
export function draggedFileName(raw: string): string | undefined {
  if (raw.length > MAX_PAYLOAD_CHARS) return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    const file = typeof v === 'object' && v !== null ? (v as { file?: unknown }).file : undefined;
    return typeof file === 'string' ? file : undefined;
  } catch {
    return undefined;
  }
}

export class GalleryDropProvider implements vscode.DocumentDropEditProvider {
  constructor(private readonly actions: GalleryActions, private readonly log: Log) {}

  async provideDocumentDropEdits(doc: vscode.TextDocument, _position: vscode.Position, data: vscode.DataTransfer, token: vscode.CancellationToken): Promise<vscode.DocumentDropEdit | undefined> {
    const raw = await data.get(GALLERY_DRAG_MIME)?.asString();
    const name = raw === undefined ? undefined : draggedFileName(raw);
    if (name === undefined || token.isCancellationRequested) return undefined;
    const file = await this.actions.galleryFile(name);
    if (!file) {
      this.log.warn(`ignored a drop of ${JSON.stringify(name.slice(0, 80))}: not an image in the output folder`);
      return undefined;
    }
    try {
      return new vscode.DocumentDropEdit(await this.actions.snippetFor(doc, file), 'Insert image (PixArt)', GALLERY_DROP_KIND);
    } catch (err) {
      if (!(err instanceof UnsafePathError)) throw err;
      void vscode.window.showWarningMessage(`PixArt: ${err.message}`);
      return undefined;
    }
  }
}

/** The provider for every document; VS Code calls it only for drops that carry GALLERY_DRAG_MIME. */
export function registerGalleryDrop(actions: GalleryActions, log: Log): vscode.Disposable {
  return vscode.languages.registerDocumentDropEditProvider('*', new GalleryDropProvider(actions, log), {
    dropMimeTypes: [GALLERY_DRAG_MIME],
    providedDropEditKinds: [GALLERY_DROP_KIND],
  });
}
