// What the gallery's buttons (and the matching commands) do with one generated image:
// open, insert at the cursor, copy a Markdown link, reveal, reuse its parameters, re-run it with
// the same seed, delete it to the trash.

import * as vscode from 'vscode';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import type { GalleryAction } from '../protocol/messages';
import { isPlainFileName } from '../protocol/validate';
import { IMAGE_EXTENSIONS } from './asset-store';
import { readImageParameters } from './image-reader';
import { UnsafePathError, altFromPrompt, imageSnippet, markdownLink, relativeImagePath } from './insertion';
import { isInside } from './naming';
import type { Controller } from './controller';
import type { Log } from './log';
import { configFromParameters, type ImageParameters } from '../image/parameters';

export class GalleryActions {
  constructor(private readonly controller: Controller, private readonly log: Log) {}

  /** The path of the gallery image named `name` (a plain file name), when it is an image file in the output folder now. */
  async galleryFile(name: string): Promise<string | undefined> {
    const folder = await this.controller.output.resolve(false);
    if (!folder || !isPlainFileName(name) || !IMAGE_EXTENSIONS.test(name)) return undefined;
    const file = path.join(folder, name);
    const st = await fs.lstat(file).catch(() => undefined);
    return st?.isFile() ? file : undefined;
  }

  /** Runs an action on an image file inside the output folder (anything else is refused). */
  async run(action: GalleryAction, file: string): Promise<void> {
    const folder = await this.controller.output.resolve(false);
    if (!folder || !isInside(folder, file) || !IMAGE_EXTENSIONS.test(file)) {
      this.log.warn(`refused gallery action ${action} on ${file}: not an image in the output folder`);
      return;
    }
    try {
      await fs.access(file);
    } catch {
      void vscode.window.showWarningMessage(`PixArt: ${path.basename(file)} no longer exists.`);
      void this.controller.gallery.refresh();
      return;
    }
    await this.handlers[action](file);
  }

  private readonly handlers: Record<GalleryAction, (file: string) => PromiseLike<unknown>> = {
    open: (file) => vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file)),
    insert: (file) => this.insert(file),
    copyMarkdown: (file) => this.copyMarkdown(file),
    reveal: (file) => this.reveal(file),
    reuse: (file) => this.reuse(file),
    rerun: (file) => this.rerun(file),
    delete: (file) => this.delete(file),
  };

  private async prompt(file: string): Promise<string> {
    return (await readImageParameters(file).catch(() => undefined))?.prompt ?? path.basename(file, path.extname(file)).replace(/-/g, ' ');
  }

  /** Inserts the language-appropriate reference to `file` at every cursor of the active editor. */
  async insert(file: string): Promise<boolean> {
    const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
    const prompt = await this.prompt(file);
    if (!editor) {
      const link = markdownLink(relativeImagePath(file, undefined, this.controller.output.workspaceRoot()), prompt);
      await vscode.env.clipboard.writeText(link);
      void vscode.window.showInformationMessage('PixArt: no editor is open; the image link was copied to the clipboard.');
      return false;
    }
    const doc = editor.document;
    let text: string;
    try {
      text = this.snippetIn(doc, file, prompt);
    } catch (err) {
      if (!(err instanceof UnsafePathError)) throw err;
      void vscode.window.showWarningMessage(`PixArt: ${err.message}`);
      return false;
    }
    const ok = await editor.edit((eb) => {
      for (const sel of editor.selections) eb.replace(sel, text);
    });
    if (ok) await vscode.window.showTextDocument(doc, editor.viewColumn);
    return ok;
  }

  /**
   * What Insert puts into `doc` for `file` (the gallery's drop into an editor too): the document
   * language's snippet, its path relative to the document. Throws UnsafePathError for a path the
   * language cannot carry.
   */
  async snippetFor(doc: vscode.TextDocument, file: string): Promise<string> {
    return this.snippetIn(doc, file, await this.prompt(file));
  }

  private snippetIn(doc: vscode.TextDocument, file: string, prompt: string): string {
    const docPath = doc.uri.scheme === 'file' && !doc.isUntitled ? doc.uri.fsPath : undefined;
    return imageSnippet(doc.languageId, relativeImagePath(file, docPath, this.controller.output.workspaceRoot()), altFromPrompt(prompt));
  }

  async copyMarkdown(file: string): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const docPath = editor && editor.document.uri.scheme === 'file' && !editor.document.isUntitled ? editor.document.uri.fsPath : undefined;
    await vscode.env.clipboard.writeText(markdownLink(relativeImagePath(file, docPath, this.controller.output.workspaceRoot()), await this.prompt(file)));
    void vscode.window.setStatusBarMessage('PixArt: Markdown link copied', 3000);
  }

  private async reveal(file: string): Promise<void> {
    const uri = vscode.Uri.file(file);
    if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
    else await vscode.commands.executeCommand('revealFileInOS', uri);
  }

  private async readParams(file: string): Promise<ImageParameters | undefined> {
    const p = await readImageParameters(file).catch(() => undefined);
    if (!p) void vscode.window.showWarningMessage(`PixArt: ${path.basename(file)} carries no generation parameters.`);
    return p;
  }

  async reuse(file: string): Promise<void> {
    const p = await this.readParams(file);
    if (!p) return;
    this.controller.post({ type: 'setForm', params: configFromParameters(p) });
    await vscode.commands.executeCommand('pixart.generator.focus');
  }

  private async rerun(file: string): Promise<void> {
    const p = await this.readParams(file);
    if (!p) return;
    const v = this.controller.model.validate({ ...configFromParameters(p), imagesPerPrompt: 1 });
    if (!v.ok) {
      void vscode.window.showErrorMessage(`PixArt: cannot re-run ${path.basename(file)}: ${v.errors.map((e) => e.message).join(' ')}`);
      return;
    }
    await this.controller.jobs.enqueue(v.value);
  }

  private async delete(file: string): Promise<void> {
    const name = path.basename(file);
    const ok = await vscode.window.showWarningMessage(`Delete ${name}?`, { modal: true, detail: 'The file is moved to the trash.' }, 'Delete');
    if (ok !== 'Delete') return;
    try {
      await vscode.workspace.fs.delete(vscode.Uri.file(file), { useTrash: true });
    } catch (err) {
      void vscode.window.showErrorMessage(`PixArt: could not delete ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    await this.controller.gallery.refresh();
  }
}
