// `PixArt: Download Model…`: a model from a Hugging Face repo id (or a diffusers folder on this
// machine), downloaded into the Hugging Face cache and built into an OpenVINO model folder without
// Python. The work runs in the CLI bundle as a child process (`pixart build-model --from …`), with
// its progress in a notification the user can cancel; cancelled downloads resume next time.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './cli-process';
import type { Log } from './log';
import { HUB_MODELS, WEIGHT_CHOICES, parseRepoInput, type ModelSource } from './model-sources';

async function pickSource(): Promise<ModelSource | undefined> {
  const other = { label: 'Another Hugging Face repository…', detail: 'A repo id (owner/name), optionally @revision.', pick: 'repo' as const };
  const local = { label: 'A diffusers folder on this machine…', detail: 'A folder PixArtAlphaPipeline.save_pretrained() wrote, or a Hugging Face snapshot.', pick: 'folder' as const };
  const picked = await vscode.window.showQuickPick<vscode.QuickPickItem & { pick: 'hub' | 'repo' | 'folder'; repo?: string }>(
    [...HUB_MODELS.map((m) => ({ label: m.label, description: m.repo, detail: m.detail, pick: 'hub' as const, repo: m.repo })), other, local],
    { title: 'PixArt: Download Model (1/2): which model?', ignoreFocusOut: true },
  );
  if (!picked) return undefined;
  if (picked.pick === 'hub') return { from: picked.repo!, name: picked.label };
  if (picked.pick === 'folder') {
    const dir = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Build From This Folder' });
    return dir?.[0] ? { from: dir[0].fsPath, name: dir[0].path.split('/').filter(Boolean).pop() ?? 'model' } : undefined;
  }
  const typed = await vscode.window.showInputBox({
    title: 'PixArt: Download Model: repository', prompt: 'owner/name, optionally @revision', placeHolder: 'PixArt-alpha/PixArt-XL-2-1024-MS', ignoreFocusOut: true,
    validateInput: (t) => { const r = parseRepoInput(t); return typeof r === 'string' ? r : undefined; },
  });
  const r = typed === undefined ? undefined : parseRepoInput(typed);
  if (!r || typeof r === 'string') return undefined;
  return { from: r.repo, revision: r.revision, name: `${r.repo.split('/')[1]}${r.revision ? `-${r.revision.slice(0, 12)}` : ''}` };
}

export async function downloadModel(context: vscode.ExtensionContext, log: Log, useFolder: (dir: string) => Promise<void>): Promise<void> {
  const source = await pickSource();
  if (!source) return;
  const choice = await vscode.window.showQuickPick(WEIGHT_CHOICES.map((c) => ({ ...c, description: c.weights.replace(',', ', ') })), {
    title: 'PixArt: Download Model (2/2): weight precision', ignoreFocusOut: true,
  });
  if (!choice) return;
  const out = join(context.globalStorageUri.fsPath, 'models', `${source.name.replace(/[^\w.-]+/g, '-')}-${choice.id}`);
  if (existsSync(out)) {
    const use = await vscode.window.showInformationMessage(`PixArt: ${source.name} (${choice.label}) is already built in ${out}.`, 'Use It');
    if (use) await useFolder(out);
    return;
  }
  const args = ['build-model', '--from', source.from, '--out', out, '--weights', choice.weights, ...(source.revision ? ['--revision', source.revision] : [])];
  log.info(`download model: pixart ${args.join(' ')}`);
  const run = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `PixArt: ${source.name}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      let reported = 0;
      return runCli(context.extensionUri.fsPath, args, {
        signal: abort.signal,
        onText: (line) => log.info(`build-model: ${line}`),
        onEvent: (e) => {
          if (e.type !== 'progress' || typeof e.message !== 'string') return;
          const message = e.message;
          const fraction = typeof e.fraction === 'number' ? Math.min(1, Math.max(0, e.fraction)) : undefined;
          const increment = fraction === undefined ? undefined : Math.max(0, fraction * 100 - reported);
          if (increment !== undefined) reported += increment;
          progress.report({ message, increment });
        },
      });
    },
  );
  if (run.cancelled) {
    void vscode.window.showInformationMessage(`PixArt: stopped. What was downloaded is kept in the Hugging Face cache; Download Model again to resume.`);
    return;
  }
  if (run.exitCode !== 0) {
    log.error(`download model: ${run.error ?? `exit code ${run.exitCode}`}`);
    void vscode.window.showErrorMessage(`PixArt: ${run.error ?? `building the model failed (exit code ${run.exitCode}).`}`, 'Show Log').then((p) => p && log.show());
    return;
  }
  await useFolder(run.stdout.split('\n').pop() || out);
  void vscode.window.showInformationMessage(`PixArt: ${source.name} is ready.`);
}
