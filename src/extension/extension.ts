// Activation: wires the controller (model session, job runner, output folder, gallery) to the
// sidebar views, the commands, the status bar and the stall monitor. Activation is cheap: the worker starts, and the model loads,
// only when the generator is opened or an image is asked for.

import * as vscode from 'vscode';
import { Controller } from './controller';
import { StallMonitor } from './stall-monitor';
import { GeneratorViewProvider, GENERATOR_VIEW_ID } from './generator-view';
import { WelcomeViewProvider, WELCOME_VIEW_ID } from './welcome-view';
import { GalleryActions } from './gallery-actions';
import { registerGalleryDrop } from './drop-provider';
import { StatusBar } from './status-bar';
import { registerCommands } from './commands';
import { createLog } from './log';
import { IMAGE_EXTENSIONS } from './asset-store';
import { isInside } from './naming';
import { registerLanguageModelTools, type ListImagesTool } from './lm-tools';
import type { GenerateImageTool } from './lm-generate-tool';
import { MCP_PROVIDER_ID, McpDefinitionProvider } from './mcp-definition';
import { registerStudio } from './studio/studio-commands';

let active: Controller | undefined;

export interface ExtensionApi {
  controller: Controller;
  actions: GalleryActions;
  stall: StallMonitor;
  tools: { generate: GenerateImageTool; list: ListImagesTool };
  mcp: McpDefinitionProvider;
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const log = createLog();
  const controller = new Controller(context, log);
  active = controller;
  const stall = new StallMonitor(controller.jobs.onJobEvent, log);
  const actions = new GalleryActions(controller, log);
  const view = new GeneratorViewProvider(context.extensionUri, controller, actions, log, context.globalState);
  context.subscriptions.push(
    log,
    controller,
    stall,
    view,
    new StatusBar(controller),
    vscode.window.registerWebviewViewProvider(GENERATOR_VIEW_ID, view),
    vscode.window.registerTreeDataProvider(WELCOME_VIEW_ID, new WelcomeViewProvider()),
    registerGalleryDrop(actions, log),
  );
  registerCommands(context, controller, view, actions, log);
  registerStudio(context, controller, actions, log);
  const tools = registerLanguageModelTools(controller, log);
  const mcp = new McpDefinitionProvider({ extensionPath: context.extensionPath, version: String(context.extension.packageJSON.version) }, controller);
  context.subscriptions.push(...tools.disposables, mcp, vscode.lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, mcp));

  // Keep the gallery in step with the output folder (files added, deleted or renamed outside).
  let timer: NodeJS.Timeout | undefined;
  const onFile = async (uri: vscode.Uri) => {
    if (!IMAGE_EXTENSIONS.test(uri.fsPath)) return;
    const folder = await controller.output.resolve(false);
    if (!folder || !isInside(folder, uri.fsPath)) return;
    clearTimeout(timer);
    timer = setTimeout(() => void controller.gallery.refresh(), 300);
  };
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.{png,webp,jpg,jpeg}');
  context.subscriptions.push(watcher, watcher.onDidCreate(onFile), watcher.onDidDelete(onFile), { dispose: () => clearTimeout(timer) });

  log.info(`PixArt Studio activated (VS Code ${vscode.version}, workspace ${vscode.workspace.isTrusted ? 'trusted' : 'in Restricted Mode'})`);
  // Returned for the real-VS-Code test suite (reads state and the measured event-loop stall, and
  // runs the gallery's actions, which otherwise only the webview's buttons reach; asks the chat
  // tools what they would confirm, and the MCP provider what it offers).
  return { controller, actions, stall, tools: { generate: tools.generate, list: tools.list }, mcp };
}

/**
 * VS Code waits for this before it disposes the context's subscriptions: the running job is
 * cancelled and the worker thread ended, so no inference outlives the extension.
 */
export function deactivate(): Promise<void> | undefined {
  const c = active;
  active = undefined;
  return c?.dispose();
}
