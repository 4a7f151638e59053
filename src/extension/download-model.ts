// `PixArt: Download Model…`: a model from a Hugging Face repo id (or a diffusers folder on this
// machine), downloaded into the Hugging Face cache and built into an OpenVINO model folder without
// Python. The work runs in the CLI bundle as a child process (`pixart build-model --from …`), with
// its progress in a notification the user can cancel; cancelled downloads resume next time.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './cli-process';
import { proxyEnv } from './proxy-env';
import type { Log } from './log';
import { HUB_MODELS, WEIGHT_CHOICES, buildModelArgs, parseRepoInput, type ModelSource } from './model-sources';

async function pickSource(): Promise<ModelSource | undefined> {
  const other = { label: 'Another Hugging Face repository…', detail: 'A repo id (owner/name), optionally @revision; for a repo holding only a transformer, "owner/name + base/name".', pick: 'repo' as const };
  const local = { label: 'A diffusers folder on this machine…', detail: 'A folder PixArtAlphaPipeline.save_pretrained() wrote, or a Hugging Face snapshot.', pick: 'folder' as const };
  const picked = await vscode.window.showQuickPick<vscode.QuickPickItem & { pick: 'hub' | 'repo' | 'folder'; repo?: string; base?: string }>(
    [...HUB_MODELS.map((m) => ({ label: m.label, description: m.repo, detail: m.detail, pick: 'hub' as const, repo: m.repo, base: m.base })), other, local],
    { title: 'PixArt: Download Model (1/2): which model?', ignoreFocusOut: true },
  );
  if (!picked) return undefined;
  if (picked.pick === 'hub') return { from: picked.repo!, kind: 'repo', name: picked.label, title: picked.repo!, ...(picked.base ? { base: picked.base } : {}) };
  if (picked.pick === 'folder') {
    const dir = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Build From This Folder' });
    const name = dir?.[0]?.path.split('/').filter(Boolean).pop() ?? 'model';
    return dir?.[0] ? { from: dir[0].fsPath, kind: 'folder', name, title: name } : undefined;
  }
  const typed = await vscode.window.showInputBox({
    title: 'PixArt: Download Model: repository', prompt: 'owner/name, optionally @revision; "+ base/name" for a repo holding only a transformer', placeHolder: 'PixArt-alpha/PixArt-XL-2-1024-MS', ignoreFocusOut: true,
    validateInput: (t) => { const r = parseRepoInput(t); return typeof r === 'string' ? r : undefined; },
  });
  const r = typed === undefined ? undefined : parseRepoInput(typed);
  if (!r || typeof r === 'string') return undefined;
  const name = `${r.repo.split('/')[1]}${r.revision ? `-${r.revision.slice(0, 12)}` : ''}`;
  return { from: r.repo, kind: 'repo', revision: r.revision, name, title: r.revision ? `${r.repo}@${r.revision}` : r.repo, ...(r.base ? { base: r.base } : {}) };
}

type UseFolder = (dir: string) => Promise<void>;
type WeightChoice = (typeof WEIGHT_CHOICES)[number];

export async function downloadModel(context: vscode.ExtensionContext, log: Log, useFolder: UseFolder): Promise<void> {
  const source = await pickSource();
  if (!source) return;
  const choice = await vscode.window.showQuickPick(WEIGHT_CHOICES.map((c) => ({ ...c, description: c.weights.replace(',', ', ') })), {
    title: 'PixArt: Download Model (2/2): weight precision', ignoreFocusOut: true,
  });
  if (!choice) return;
  const out = join(context.globalStorageUri.fsPath, 'models', `${source.name.replace(/[^\w.-]+/g, '-')}-${choice.id}`);
  if (existsSync(out)) {
    const use = await vscode.window.showInformationMessage(`PixArt: ${source.title} (${choice.label}) is already built in ${out}.`, 'Use It');
    if (use) await useFolder(out);
    return;
  }
  await build(context, log, useFolder, source, choice, out);
}

/** Runs `pixart build-model` with its progress in a cancellable notification; a cancelled run can be resumed from its message. */
async function build(context: vscode.ExtensionContext, log: Log, useFolder: UseFolder, source: ModelSource, choice: WeightChoice, out: string): Promise<void> {
  const args = buildModelArgs(source, out, choice.weights);
  log.info(`download model: pixart ${args.join(' ')}`);
  const run = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `PixArt: ${source.title}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      let reported = 0;
      const http = vscode.workspace.getConfiguration('http');
      return runCli(context.extensionUri.fsPath, args, {
        signal: abort.signal,
        env: proxyEnv(http.get('proxy'), http.get('noProxy'), process.env),
        onText: (line) => log.info(`build-model: ${line}`),
        onEvent: (e) => {
          if (e.type !== 'progress' || typeof e.message !== 'string') return;
          // The title names the repo already: "Downloading owner/name[ and base/name]: 12 MB / …" → "Downloading: 12 MB / …".
          const message = e.message.replace(`Downloading ${source.from}${source.base ? ` and ${source.base}` : ''}: `, 'Downloading: ');
          const fraction = typeof e.fraction === 'number' ? Math.min(1, Math.max(0, e.fraction)) : undefined;
          const increment = fraction === undefined ? undefined : Math.max(0, fraction * 100 - reported);
          if (increment !== undefined) reported += increment;
          progress.report({ message, increment });
        },
      });
    },
  );
  if (run.cancelled) {
    const kept = source.kind === 'repo' ? 'What was downloaded is kept in the Hugging Face cache; Resume goes on from there.' : 'Nothing was written.';
    const again = source.kind === 'repo' ? 'Resume' : 'Build Again';
    log.info(`download model: ${source.title} stopped by the user`);
    void vscode.window.showInformationMessage(`PixArt: ${source.title} stopped. ${kept}`, again).then((a) => a && build(context, log, useFolder, source, choice, out));
    return;
  }
  if (run.exitCode !== 0) {
    log.error(`download model: ${run.error ?? `exit code ${run.exitCode}`}`);
    void vscode.window.showErrorMessage(`PixArt: ${run.error ?? `building the model failed (exit code ${run.exitCode}).`}`, 'Show Log').then((p) => p && log.show());
    return;
  }
  await useFolder(run.stdout.split('\n').pop() || out);
  void vscode.window.showInformationMessage(`PixArt: ${source.title} is ready.`);
}
