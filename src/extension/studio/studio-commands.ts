// The studio's and the Markdown hover's wiring: PixArt: Open Studio, the hover's Regenerate and
// Variations commands, the hover provider on Markdown, and keeping an open studio in step with
// the output folder (files added or deleted, the setting changed).

import * as vscode from 'vscode';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import type { Controller } from '../controller';
import type { GalleryActions } from '../gallery-actions';
import type { Log } from '../log';
import { IMAGE_EXTENSIONS } from '../asset-store';
import { MetadataWorker } from '../metadata-worker';
import { sameThreadReader } from '../image-reader';
import { HOVER_COMMANDS, ImageHoverProvider } from '../image-hover';
import { BoundedReader } from './bounded-read';
import { Favourites } from './favourites';
import { VARIATIONS, regenerate } from './regenerate';
import { STUDIO_VIEW_TYPE, StudioPanel } from './studio-panel';

/** An image file's path from a command's argument (a path from a webview or hover link, or a file Uri); undefined for anything else. */
export function imageArgument(arg: unknown): string | undefined {
  const p = arg instanceof vscode.Uri ? (arg.scheme === 'file' ? arg.fsPath : undefined) : typeof arg === 'string' ? arg : undefined;
  return p && path.isAbsolute(p) && IMAGE_EXTENSIONS.test(p) && p.length < 4096 ? p : undefined;
}

export function registerStudio(context: vscode.ExtensionContext, controller: Controller, actions: GalleryActions, log: Log): StudioPanel {
  const studio = new StudioPanel(context.extensionUri, controller, actions, new Favourites(context.workspaceState), log);
  const script = path.join(context.extensionPath, 'dist', 'metadata-thread.js');
  const thread = existsSync(script) ? MetadataWorker.fromScript(script) : undefined;
  const roots = () => (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  const reader = new BoundedReader(thread ?? sameThreadReader, roots);
  const again = (offsets: number[]) => async (arg: unknown) => {
    const file = imageArgument(arg);
    if (!file) return void log.warn(`ignored a regenerate request for ${String(arg).slice(0, 200)}: not an image path`);
    const queued = await regenerate(controller, reader, file, offsets);
    if (queued) void vscode.window.setStatusBarMessage(`PixArt: ${queued} job${queued === 1 ? '' : 's'} queued from ${path.basename(file)}`, 4000);
  };
  context.subscriptions.push(
    studio,
    { dispose: () => thread?.stop() },
    vscode.commands.registerCommand('pixart.openStudio', (arg?: unknown) => studio.open(imageArgument(arg))),
    vscode.commands.registerCommand(HOVER_COMMANDS.regenerate, again([0])),
    vscode.commands.registerCommand(HOVER_COMMANDS.variations, again(Array.from({ length: VARIATIONS }, (_, k) => k + 1))),
    vscode.languages.registerHoverProvider({ language: 'markdown', scheme: 'file' }, new ImageHoverProvider(reader)),
    // A studio open when the window closed comes back with it (activation: onWebviewPanel:pixart.studio).
    vscode.window.registerWebviewPanelSerializer(STUDIO_VIEW_TYPE, { deserializeWebviewPanel: async (panel) => studio.restore(panel) }),
  );
  keepInStep(context, studio, controller);
  return studio;
}

/** Refreshes an open studio when an image appears or goes, or the output folder setting changes. */
function keepInStep(context: vscode.ExtensionContext, studio: StudioPanel, controller: Controller): void {
  let timer: NodeJS.Timeout | undefined;
  const later = () => {
    if (!studio.isOpen) return;
    clearTimeout(timer);
    timer = setTimeout(() => void studio.refresh(), 300);
  };
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.{png,webp,jpg,jpeg}');
  context.subscriptions.push(
    watcher,
    watcher.onDidCreate(later),
    watcher.onDidDelete(later),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('pixart.outputFolder') && later()),
    controller.jobs.onJobEvent((e) => e.kind === 'done' && later()),
    { dispose: () => clearTimeout(timer) },
  );
}
