// `PixArt: Select Model Folder…` and the check every new model folder goes through (also after
// Prepare Model…): a sound folder is used at once; otherwise a modal dialog says what is wrong
// (model-folder-prompt.ts) and offers another folder or Download Model… first, and "Use Anyway"
// last, never as the default.

import * as vscode from 'vscode';
import { dirname } from 'node:path';
import { checkModelFolder } from '../pipeline/model-folder-check';
import { FOLDER_ANSWERS, folderPrompt, type FolderAnswer } from './model-folder-prompt';
import type { Log } from './log';

export type UseFolder = (dir: string) => Promise<void>;

/** The folder dialog; `near` opens it there. */
async function pickFolder(near: string | undefined): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Use This Model',
    title: 'PixArt: select a model folder (with model_index.json, transformer/, text_encoder/, vae_decoder/…)',
    ...(near ? { defaultUri: vscode.Uri.file(near) } : {}),
  });
  return picked?.[0]?.fsPath;
}

/** Checks `dir`: 'use' when it is sound, else the user's answer to the dialog ('cancel' when it was closed). */
export async function askAboutFolder(dir: string, log: Log): Promise<FolderAnswer | 'cancel'> {
  const check = await checkModelFolder(dir);
  const prompt = folderPrompt(dir, check);
  if (!prompt) return 'use';
  log.warn(`model folder ${dir} (${check.verdict}):\n${check.problems.map((p) => `  ${p}`).join('\n')}`);
  const labels = prompt.answers.map((a) => FOLDER_ANSWERS[a]);
  const picked = await vscode.window.showWarningMessage(prompt.message, { modal: true, detail: prompt.detail }, ...labels);
  return prompt.answers[labels.indexOf(picked as (typeof labels)[number])] ?? 'cancel';
}

/**
 * Makes `dir` the model once it passes the check or the user says "Use Anyway"; "Choose Another
 * Folder…" asks for another and checks that one; "Download Model…" starts it. No `dir`: asks for
 * one first (beside `near`). Resolves true when a folder was used.
 */
export async function useCheckedFolder(dir: string | undefined, log: Log, useFolder: UseFolder, near?: string): Promise<boolean> {
  let candidate = dir ?? (await pickFolder(near));
  while (candidate) {
    const answer = await askAboutFolder(candidate, log);
    if (answer === 'use') {
      await useFolder(candidate);
      return true;
    }
    if (answer === 'download') {
      await vscode.commands.executeCommand('pixart.downloadModel');
      return false;
    }
    if (answer !== 'choose') return false;
    candidate = await pickFolder(dirname(candidate));
  }
  return false;
}
