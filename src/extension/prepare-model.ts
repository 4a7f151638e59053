// `PixArt: Prepare Model…`: walks the user through converting PixArt-α with the converter in
// models/ — model, precision (with disk/RAM estimates), destination — and runs it as a VS Code
// task (visible progress in the terminal, cancellable); on success the folder becomes the model.
// The converted folder goes through the same check as Select Model Folder… (model-folder-dialog.ts).

import * as vscode from 'vscode';
import { existsSync, mkdirSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MODEL_CHOICES, PRECISION_CHOICES, planConversion, conversionCommand } from './convert-plan';
import type { Log } from './log';
import { downloadModel } from './download-model';
import { useCheckedFolder } from './model-folder-dialog';

/** Free space at `dir` (or its nearest existing parent), GB; undefined when it cannot be read. */
function freeGb(dir: string): number | undefined {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  try {
    const s = statfsSync(d);
    return (s.bavail * s.bsize) / 1e9;
  } catch {
    return undefined;
  }
}

/** The destination of the conversion running now: one at a time (each needs most of the RAM). */
let converting: string | undefined;

/** Says so and returns true when a conversion is running. */
function busy(): boolean {
  if (converting) void vscode.window.showInformationMessage(`PixArt: a conversion into ${converting} is running. Wait for it to finish, or stop it in its terminal, before starting another.`);
  return converting !== undefined;
}

export async function prepareModel(context: vscode.ExtensionContext, log: Log, useFolder: (dir: string) => Promise<void>): Promise<void> {
  if (busy()) return;
  const download = { label: '$(cloud-download) Download and build, without Python (recommended)', detail: 'PixArt: Download Model…: a Hugging Face repo or a diffusers folder, built into an OpenVINO model in minutes, in under 1 GB of memory.', choice: undefined };
  const model = await vscode.window.showQuickPick([download, ...MODEL_CHOICES.map((m) => ({ label: m.label, detail: `With the Python converter (torch): ${m.detail}`, choice: m }))], {
    title: 'PixArt: Prepare Model (1/3): which model?',
    ignoreFocusOut: true,
  });
  if (!model) return;
  if (!model.choice) return downloadModel(context, log, useFolder);
  const precision = await vscode.window.showQuickPick(PRECISION_CHOICES.map((p) => ({ label: p.label, description: `~${p.diskGb} GB`, detail: p.detail, choice: p })), {
    title: 'PixArt: Prepare Model (2/3): weight precision',
    ignoreFocusOut: true,
  });
  if (!precision) return;
  const storage = join(context.globalStorageUri.fsPath, 'models', `${model.choice.folderName}-${precision.choice.id}`);
  const where = await vscode.window.showQuickPick([
    { label: 'Extension storage', description: '(recommended)', detail: storage, dir: storage },
    { label: 'Choose a folder…', detail: 'An empty folder, or a new one', dir: '' },
  ], { title: 'PixArt: Prepare Model (3/3): where to put it', ignoreFocusOut: true });
  if (!where) return;
  let out = where.dir;
  if (!out) {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Convert Into This Folder' });
    if (!picked?.[0]) return;
    out = join(picked[0].fsPath, `${model.choice.folderName}-${precision.choice.id}`);
  }
  if (existsSync(out)) {
    void vscode.window.showErrorMessage(`PixArt: ${out} already exists. Choose another folder, or remove it first (the converter never overwrites a model).`);
    return;
  }

  const plan = planConversion(model.choice, precision.choice, out);
  const free = freeGb(dirname(out));
  const ok = await vscode.window.showInformationMessage(
    'PixArt: convert the model now?',
    {
      modal: true,
      detail: `${plan.summary}\n${free === undefined ? '' : `Free disk at the destination: ${free.toFixed(1)} GB${free < plan.diskGb ? ' — NOT ENOUGH' : ''}.\n`}It runs in a terminal and can take from minutes to an hour. A Python 3.10–3.13 is needed; its packages go into a virtual environment in the extension's storage.`,
    },
    'Convert',
  );
  if (ok !== 'Convert' || busy()) return;
  converting = out;
  let done: boolean;
  try {
    done = await runConversion(context, log, plan, out, `Convert ${model.choice.label} (${precision.choice.id})`);
  } finally {
    converting = undefined;
  }
  if (!done || !(await useCheckedFolder(out, log, useFolder))) return;
  void vscode.window.showInformationMessage(`PixArt: ${model.choice.label} is ready (${out}).`);
}

/** Runs the converter as a VS Code task; resolves with whether it succeeded (a failure is reported and logged). */
async function runConversion(context: vscode.ExtensionContext, log: Log, plan: ReturnType<typeof planConversion>, out: string, title: string): Promise<boolean> {
  mkdirSync(dirname(out), { recursive: true });
  const python = process.env.PIXART_PYTHON || (process.platform === 'win32' ? 'py' : 'python3');
  const command = conversionCommand(plan, {
    basePython: python,
    venv: join(context.globalStorageUri.fsPath, 'converter-venv'),
    modelsDir: vscode.Uri.joinPath(context.extensionUri, 'models').fsPath,
  }, process.platform);
  log.info(`prepare model: ${command}`);
  // The destination in the definition keeps tasks apart: VS Code treats equal definitions as one task.
  const task = new vscode.Task({ type: 'pixart.convert', out }, vscode.TaskScope.Global, title, 'PixArt', new vscode.ShellExecution(command));
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };
  const execution = await vscode.tasks.executeTask(task);
  const exit = await new Promise<number | undefined>((resolve) => {
    const sub = vscode.tasks.onDidEndTaskProcess((e) => {
      if (e.execution !== execution) return;
      sub.dispose();
      resolve(e.exitCode);
    });
  });
  if (exit !== 0) {
    log.error(`prepare model: the converter exited with ${exit ?? 'no code (stopped)'}`);
    void vscode.window.showErrorMessage(`PixArt: the conversion did not finish (exit code ${exit ?? 'none: stopped'}). Its terminal says why; nothing was left in ${out}.`, 'Show Log').then((p) => p && log.show());
  }
  return exit === 0;
}
