// The command palette's PixArt commands, registered by group: generating and cancelling, the queue
// (queue-commands.ts), images (insert, reuse), and the model folder.

import * as vscode from 'vscode';
import * as path from 'node:path';
import { readImageParameters } from './image-reader';
import type { GalleryActions } from './gallery-actions';
import { configFromParameters } from '../image/parameters';
import type { Controller } from './controller';
import type { GeneratorViewProvider } from './generator-view';
import type { Log } from './log';
import { prepareModel } from './prepare-model';
import { useCheckedFolder } from './model-folder-dialog';
import { downloadModel } from './download-model';
import { generateFromPrompt } from './generate-command';
import { pickGalleryImage } from './gallery-pick';
import { doneIn, registerQueueCommands } from './queue-commands';
import { openPixArtSettings, showModelHelp } from './welcome-view';

const COMMANDS = {
  generate: 'pixart.generate',
  openGenerator: 'pixart.openGenerator',
  insertImage: 'pixart.insertImage',
  cancel: 'pixart.cancel',
  selectModelFolder: 'pixart.selectModelFolder',
  reuseParameters: 'pixart.reuseParameters',
  showLog: 'pixart.showLog',
  reloadModel: 'pixart.reloadModel',
  showModelHelp: 'pixart.showModelHelp',
  openSettings: 'pixart.openSettings',
  prepareModel: 'pixart.prepareModel',
  downloadModel: 'pixart.downloadModel',
  chooseOpenVinoLibrary: 'pixart.chooseOpenVinoLibrary',
} as const;

type Register = (id: string, fn: (...args: unknown[]) => unknown) => void;

export function registerCommands(context: vscode.ExtensionContext, controller: Controller, view: GeneratorViewProvider, actions: GalleryActions, log: Log): void {
  const reg: Register = (id, fn) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  registerJobCommands(reg, controller, view, actions, log);
  registerQueueCommands(reg, controller);
  registerImageCommands(reg, controller, view, actions);
  registerModelCommands(reg, context, controller, log);
  reg(COMMANDS.showLog, () => log.show());
}

function registerJobCommands(reg: Register, controller: Controller, view: GeneratorViewProvider, actions: GalleryActions, log: Log): void {
  reg(COMMANDS.generate, () => generateFromPrompt(controller, actions, log, (prompt) => view.rememberPrompt(prompt)));

  reg(COMMANDS.openGenerator, async () => {
    if (!controller.currentSettings.modelPath) await vscode.commands.executeCommand('pixart.welcome.focus');
    else await vscode.commands.executeCommand('pixart.generator.focus');
  });

  reg(COMMANDS.cancel, async () => {
    const jobs = controller.jobs.summaries();
    if (jobs.length === 0) {
      void vscode.window.showInformationMessage('PixArt: nothing is being generated.');
      return;
    }
    if (jobs.length === 1) {
      controller.jobs.cancel();
      return;
    }
    const pick = await vscode.window.showQuickPick(
      [
        { label: '$(close-all) Cancel all', id: '*' },
        ...jobs.map((j) => ({ label: j.status === 'running' ? `$(loading~spin) ${j.prompt.slice(0, 80)}` : `$(clock) ${j.prompt.slice(0, 80)}`, description: [j.status === 'running' ? `running${j.step ? ` · step ${j.step}/${j.steps}` : ''}` : `queued #${j.position}`, doneIn(j.etaMs)].filter(Boolean).join(' · '), id: j.id })),
      ],
      { title: 'PixArt: Cancel Generation' },
    );
    if (!pick) return;
    if (pick.id === '*') controller.jobs.cancelAll();
    else controller.jobs.cancel(pick.id);
  });
}

function registerImageCommands(reg: Register, controller: Controller, view: GeneratorViewProvider, actions: GalleryActions): void {
  reg(COMMANDS.insertImage, async (arg?: unknown) => {
    // With an image (a Uri, e.g. from the Explorer's context menu or another extension), insert it directly.
    if (arg instanceof vscode.Uri && arg.scheme === 'file') {
      await actions.insert(arg.fsPath);
      return;
    }
    const picked = await pickGalleryImage(controller.gallery);
    if (picked) await actions.insert(picked);
  });

  reg(COMMANDS.reuseParameters, async () => {
    const folder = await controller.output.resolve(false);
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { Images: ['png', 'webp', 'jpg', 'jpeg'] },
      openLabel: 'Reuse Parameters',
      title: 'PixArt: reuse the parameters saved in an image',
      ...(folder ? { defaultUri: vscode.Uri.file(folder) } : {}),
    });
    const file = picked?.[0]?.fsPath;
    if (!file) return;
    const p = await readImageParameters(file).catch(() => undefined);
    if (!p) {
      void vscode.window.showWarningMessage(`PixArt: ${path.basename(file)} carries no generation parameters.`);
      return;
    }
    view.showForm(configFromParameters(p));
    await vscode.commands.executeCommand('pixart.generator.focus');
  });
}

function registerModelCommands(reg: Register, context: vscode.ExtensionContext, controller: Controller, log: Log): void {
  /** Makes `dir` the model (where the setting already lives, else for the user) and opens the generator. */
  const useModelFolder = async (dir: string): Promise<void> => {
    const cfg = vscode.workspace.getConfiguration('pixart');
    const target = cfg.inspect('modelPath')?.workspaceValue !== undefined && vscode.workspace.isTrusted ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await cfg.update('modelPath', dir, target);
    log.info(`model folder set to ${dir}`);
    controller.model.ensure();
    await vscode.commands.executeCommand('pixart.generator.focus');
  };

  // With a folder (a Uri, e.g. from the Explorer's context menu), check and use it without asking for one.
  reg(COMMANDS.selectModelFolder, async (arg?: unknown) => {
    const given = arg instanceof vscode.Uri && arg.scheme === 'file' ? arg.fsPath : undefined;
    await useCheckedFolder(given, log, useModelFolder, controller.currentSettings.modelPath || undefined);
  });

  reg(COMMANDS.prepareModel, () => prepareModel(context, log, useModelFolder));
  reg(COMMANDS.downloadModel, () => downloadModel(context, log, useModelFolder));

  reg(COMMANDS.reloadModel, () => controller.model.load());

  reg(COMMANDS.chooseOpenVinoLibrary, async () => {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: 'Use This OpenVINO',
      title: 'PixArt: choose the OpenVINO C library (libopenvino_c.so, libopenvino_c.dylib, openvino_c.dll) or its folder',
    });
    const lib = picked?.[0]?.fsPath;
    if (!lib) return;
    // Machine-scoped: a library path belongs to this machine, not to a workspace.
    await vscode.workspace.getConfiguration('pixart').update('openvinoLibraryPath', lib, vscode.ConfigurationTarget.Global);
    log.info(`OpenVINO library set to ${lib}`);
  });

  reg(COMMANDS.showModelHelp, () => showModelHelp(context.extensionUri));
  reg(COMMANDS.openSettings, () => openPixArtSettings());
}
