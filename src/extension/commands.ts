// The command palette's PixArt commands.

import * as vscode from 'vscode';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { LIMITS } from '../protocol/generation';
import { readImageParameters } from './asset-store';
import type { GalleryActions } from './gallery-actions';
import { configFromParameters } from '../image/parameters';
import type { Controller } from './controller';
import type { GeneratorViewProvider } from './generator-view';
import type { Log } from './log';
import { confirmModelFolder, prepareModel } from './prepare-model';

export const COMMANDS = {
  generate: 'pixart.generate',
  openGenerator: 'pixart.openGenerator',
  insertImage: 'pixart.insertImage',
  cancel: 'pixart.cancel',
  selectModelFolder: 'pixart.selectModelFolder',
  reuseParameters: 'pixart.reuseParameters',
  showLog: 'pixart.showLog',
  reloadModel: 'pixart.reloadModel',
  showModelHelp: 'pixart.showModelHelp',
  prepareModel: 'pixart.prepareModel',
} as const;

function seconds(ms: number): string {
  return ms < 60_000 ? `${Math.max(1, Math.round(ms / 1000))} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function registerCommands(context: vscode.ExtensionContext, controller: Controller, view: GeneratorViewProvider, actions: GalleryActions, log: Log): void {
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  reg(COMMANDS.generate, async () => {
    const editor = vscode.window.activeTextEditor;
    const selected = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection).trim().slice(0, LIMITS.promptChars) : '';
    const prompt = await vscode.window.showInputBox({
      title: 'PixArt: Generate Image',
      prompt: 'Describe the image (the current generator settings are used)',
      value: selected,
      placeHolder: 'a small cactus in a terracotta pot, studio light',
      ignoreFocusOut: true,
      validateInput: (v) => (!v.trim() ? 'Enter a prompt.' : v.length > LIMITS.promptChars ? `At most ${LIMITS.promptChars} characters.` : null),
    });
    if (!prompt?.trim()) return;
    const d = controller.formDefaults();
    const v = controller.validate({ ...d, prompt, negativePrompt: '', seed: '' });
    if (!v.ok) {
      void vscode.window.showErrorMessage(`PixArt: ${v.errors.map((e) => e.message).join(' ')}`);
      return;
    }
    const job = await controller.enqueue(v.value);
    if (!job) return;
    const targetEditor = editor;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'PixArt', cancellable: true }, (progress, token) =>
      new Promise<void>((resolve) => {
        let reported = 0;
        const subs: vscode.Disposable[] = [];
        const end = () => {
          subs.forEach((s) => s.dispose());
          resolve();
        };
        const waiting = () => {
          if (controller.queue.running?.id === job.id) return;
          const pos = controller.queue.summaries().find((s) => s.id === job.id)?.position;
          const m = controller.modelState.state;
          progress.report({ message: m === 'loading' ? 'loading the model…' : m === 'compiling' ? 'compiling the model…' : pos ? `waiting (${pos} ahead)…` : 'starting…' });
        };
        waiting();
        token.onCancellationRequested(() => controller.cancel(job.id));
        subs.push(controller.onDidChange(waiting));
        subs.push(
          controller.onJobEvent((e) => {
            if (e.jobId !== job.id) return;
            if (e.kind === 'started') progress.report({ message: 'encoding the prompt…' });
            if (e.kind === 'progress') {
              const pct = Math.round((e.step / e.steps) * 100);
              progress.report({ message: `step ${e.step}/${e.steps}${e.etaMs !== null && e.etaMs > 0 ? ` · about ${seconds(e.etaMs)} left` : e.step === e.steps ? ' · decoding…' : ''}`, increment: pct - reported });
              reported = pct;
            }
            if (e.kind === 'done') {
              end();
              const names = e.files.map((f) => path.basename(f)).join(', ');
              void vscode.window.showInformationMessage(`PixArt: saved ${names} (seed ${e.seed}).`, 'Insert at Cursor', 'Open').then(async (pick) => {
                if (pick === 'Open') await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(e.files[0]));
                if (pick === 'Insert at Cursor') {
                  if (targetEditor && !targetEditor.document.isClosed) await vscode.window.showTextDocument(targetEditor.document, targetEditor.viewColumn);
                  for (const f of e.files) await actions.insert(f);
                }
              });
            }
            if (e.kind === 'failed') {
              end();
              if (!e.cancelled) void vscode.window.showErrorMessage(`PixArt: ${e.message}`, 'Show Log').then((p) => p && log.show());
            }
          }),
        );
      }),
    );
  });

  reg(COMMANDS.openGenerator, async () => {
    if (!controller.currentSettings.modelPath) await vscode.commands.executeCommand('pixart.welcome.focus');
    else await vscode.commands.executeCommand('pixart.generator.focus');
  });

  reg(COMMANDS.insertImage, async (arg?: unknown) => {
    // With an image (a Uri, e.g. from the Explorer's context menu or another extension), insert it directly.
    if (arg instanceof vscode.Uri && arg.scheme === 'file') {
      await actions.insert(arg.fsPath);
      return;
    }
    const images = await controller.galleryImages();
    if (images.length === 0) {
      void vscode.window.showInformationMessage('PixArt: no generated images in the output folder yet.');
      return;
    }
    const pick = await vscode.window.showQuickPick(
      images.map((i) => ({
        label: i.file,
        description: i.parameters?.prompt.replace(/\s+/g, ' ').slice(0, 120) ?? '',
        detail: i.parameters ? `seed ${i.parameters.seed} · ${i.parameters.width}×${i.parameters.height} · ${i.parameters.model} · ${new Date(i.mtimeMs).toLocaleString()}` : new Date(i.mtimeMs).toLocaleString(),
        iconPath: vscode.Uri.file(i.path),
        path: i.path,
      })),
      { title: 'PixArt: Insert Image', placeHolder: 'Choose an image to insert at the cursor', matchOnDescription: true, matchOnDetail: true },
    );
    if (pick) await actions.insert(pick.path);
  });

  reg(COMMANDS.cancel, async () => {
    const jobs = controller.queue.summaries();
    if (jobs.length === 0) {
      void vscode.window.showInformationMessage('PixArt: nothing is being generated.');
      return;
    }
    if (jobs.length === 1) {
      controller.cancel();
      return;
    }
    const pick = await vscode.window.showQuickPick(
      [
        { label: '$(close-all) Cancel all', id: '*' },
        ...jobs.map((j) => ({ label: j.status === 'running' ? `$(loading~spin) ${j.prompt.slice(0, 80)}` : `$(clock) ${j.prompt.slice(0, 80)}`, description: j.status === 'running' ? `running${j.step ? ` · step ${j.step}/${j.steps}` : ''}` : `queued #${j.position}`, id: j.id })),
      ],
      { title: 'PixArt: Cancel Generation' },
    );
    if (!pick) return;
    if (pick.id === '*') controller.cancelAll();
    else controller.cancel(pick.id);
  });

  reg(COMMANDS.selectModelFolder, async () => {
    const current = controller.currentSettings.modelPath;
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Use This Model',
      title: 'PixArt: select a model folder (with model_index.json, transformer/, text_encoder/, vae_decoder/…)',
      ...(current ? { defaultUri: vscode.Uri.file(current) } : {}),
    });
    const dir = picked?.[0]?.fsPath;
    if (!dir || !(await confirmModelFolder(dir))) return;
    await useModelFolder(dir);
  });

  /** Makes `dir` the model (where the setting already lives, else for the user) and opens the generator. */
  async function useModelFolder(dir: string): Promise<void> {
    const cfg = vscode.workspace.getConfiguration('pixart');
    const target = cfg.inspect('modelPath')?.workspaceValue !== undefined && vscode.workspace.isTrusted ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await cfg.update('modelPath', dir, target);
    log.info(`model folder set to ${dir}`);
    controller.ensureModel();
    await vscode.commands.executeCommand('pixart.generator.focus');
  }

  reg(COMMANDS.prepareModel, () => prepareModel(context, log, useModelFolder));

  reg(COMMANDS.reuseParameters, async () => {
    const folder = await controller.outputFolder(false);
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { 'PNG images': ['png'] },
      openLabel: 'Reuse Parameters',
      title: 'PixArt: reuse the parameters saved in an image',
      ...(folder ? { defaultUri: vscode.Uri.file(folder) } : {}),
    });
    const file = picked?.[0]?.fsPath;
    if (!file) return;
    const p = await readImageParameters(file).catch(() => undefined);
    if (!p) {
      void vscode.window.showWarningMessage(`PixArt: ${path.basename(file)} has no generation parameters (no "parameters" text chunk).`);
      return;
    }
    view.showForm(configFromParameters(p));
    await vscode.commands.executeCommand('pixart.generator.focus');
  });

  reg(COMMANDS.showLog, () => log.show());

  reg(COMMANDS.reloadModel, () => controller.loadModel());

  reg(COMMANDS.showModelHelp, async () => {
    const readme = vscode.Uri.joinPath(context.extensionUri, 'models', 'README.md');
    if (existsSync(readme.fsPath)) await vscode.commands.executeCommand('markdown.showPreview', readme);
    else void vscode.window.showInformationMessage('A model folder holds a PixArt-α model converted to OpenVINO (model_index.json, scheduler/, tokenizer/, text_encoder/, transformer/, vae_decoder/). The converter in the project\'s models/ folder makes one.');
  });
}
