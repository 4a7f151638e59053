// PixArt's MCP server offered to VS Code's MCP support (contributes.mcpServerDefinitionProviders):
// this extension's own CLI bundle run as `pixart mcp --model DIR --out DIR` on the editor's
// Node.js, pointing at the configured model and output folder. No model folder, no output folder
// or Restricted Mode: no server (the server writes images into the workspace). The definition is
// offered again whenever the settings it is made of, the workspace folders or the trust change.

import * as vscode from 'vscode';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import type { Controller } from './controller';
import type { MemoryMode } from '../protocol/memory-mode';

export const MCP_PROVIDER_ID = 'pixart-studio.mcp';
export const MCP_SERVER_LABEL = 'PixArt Studio';
/** The settings the server's command line is made of. */
const WATCHED = ['pixart.modelPath', 'pixart.outputFolder', 'pixart.openvinoLibraryPath', 'pixart.memory', 'pixart.releaseTextEncoder'];

export interface McpLaunch {
  extensionPath: string;
  modelPath: string;
  outputFolder: string;
  /** pixart.openvinoLibraryPath; empty: the CLI finds the runtime itself (a platform VSIX's is beside its dist/). */
  openvinoLibraryPath: string;
  /** pixart.memory: the server holds its model between calls as the extension's worker does. */
  memory: MemoryMode;
}

/** The server's arguments for process.execPath. */
export function mcpServerArgs(l: McpLaunch): string[] {
  return [path.join(l.extensionPath, 'dist', 'cli.js'), 'mcp', '--model', l.modelPath, '--out', l.outputFolder, '--memory', l.memory, ...(l.openvinoLibraryPath ? ['--openvino-lib', l.openvinoLibraryPath] : [])];
}

export class McpDefinitionProvider implements vscode.McpServerDefinitionProvider<vscode.McpStdioServerDefinition>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeMcpServerDefinitions = this.changed.event;
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly extension: { extensionPath: string; version: string }, private readonly controller: Controller) {
    const fire = () => this.changed.fire();
    this.disposables = [
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => WATCHED.some((k) => e.affectsConfiguration(k)) && fire()),
      vscode.workspace.onDidChangeWorkspaceFolders(fire),
      vscode.workspace.onDidGrantWorkspaceTrust(fire),
    ];
  }

  async provideMcpServerDefinitions(): Promise<vscode.McpStdioServerDefinition[]> {
    const launch = await this.launch();
    if (!launch) return [];
    const server = new vscode.McpStdioServerDefinition(MCP_SERVER_LABEL, process.execPath, mcpServerArgs(launch), { ELECTRON_RUN_AS_NODE: '1' }, this.extension.version);
    const root = this.controller.output.workspaceRoot();
    if (root) server.cwd = vscode.Uri.file(root);
    return [server];
  }

  /** Just before VS Code starts the server: a model folder that has gone is named here rather than as the server's exit. */
  resolveMcpServerDefinition(server: vscode.McpStdioServerDefinition): vscode.McpStdioServerDefinition {
    const model = this.controller.currentSettings.modelPath;
    if (model && !existsSync(model)) throw new Error(`The PixArt model folder ${model} (pixart.modelPath) does not exist: run "PixArt: Select Model Folder…".`);
    return server;
  }

  /** What the server runs with now, or undefined when it should not be offered. */
  async launch(): Promise<McpLaunch | undefined> {
    const s = this.controller.currentSettings;
    if (!s.modelPath || !vscode.workspace.isTrusted) return undefined;
    const outputFolder = await this.controller.output.resolve(false);
    if (!outputFolder) return undefined;
    return { extensionPath: this.extension.extensionPath, modelPath: s.modelPath, outputFolder, openvinoLibraryPath: s.openvinoLibraryPath, memory: s.memory };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
