// `PixArt: Generate Image`: asks for a prompt (the selection, if any), queues it with the
// generator's current settings, and follows the job in a cancellable notification that ends by
// offering to insert or open the images.

import * as vscode from 'vscode';
import * as path from 'node:path';
import { LIMITS } from '../protocol/generation';
import type { Controller } from './controller';
import type { GalleryActions } from './gallery-actions';
import type { Job } from './queue';
import type { JobEvent, JobRequest } from './job-runner';
import type { Log } from './log';

function seconds(ms: number): string {
  return ms < 60_000 ? `${Math.max(1, Math.round(ms / 1000))} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** `remember`: puts the prompt into the prompt history, as the form's Generate does. */
export async function generateFromPrompt(controller: Controller, actions: GalleryActions, log: Log, remember: (prompt: string) => Promise<void>): Promise<void> {
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
  const v = controller.model.validate({ ...controller.model.formDefaults(), prompt, negativePrompt: '', seed: '' });
  if (!v.ok) {
    void vscode.window.showErrorMessage(`PixArt: ${v.errors.map((e) => e.message).join(' ')}`);
    return;
  }
  const job = await controller.jobs.enqueue(v.value);
  if (!job) return;
  await remember(v.value.prompt);
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'PixArt', cancellable: true }, (progress, token) =>
    followJob(controller, job, progress, token, (e) => {
      if (e.kind === 'done') offerResult(e.files, e.seed, editor, actions);
      else if (!e.cancelled && !e.unsaved) void vscode.window.showErrorMessage(`PixArt: ${e.message}`, 'Show Log').then((p) => p && log.show());
    }),
  );
}

type Progress = vscode.Progress<{ message?: string; increment?: number }>;

/** Reports the job's state until it ends, then calls `ended` with its done or failed event. */
function followJob(controller: Controller, job: Job<JobRequest>, progress: Progress, token: vscode.CancellationToken, ended: (e: Extract<JobEvent, { kind: 'done' | 'failed' }>) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let reported = 0;
    const waiting = () => {
      if (controller.jobs.queue.running?.id === job.id) return;
      const pos = controller.jobs.queue.summaries().find((s) => s.id === job.id)?.position;
      const m = controller.model.state.state;
      progress.report({ message: m === 'loading' ? 'loading the model…' : m === 'compiling' ? 'compiling the model…' : pos ? `waiting (${pos} ahead)…` : 'starting…' });
    };
    waiting();
    token.onCancellationRequested(() => controller.jobs.cancel(job.id));
    const subs = [
      controller.onDidChange(waiting),
      controller.jobs.onJobEvent((e) => {
        if (e.jobId !== job.id) return;
        if (e.kind === 'started') progress.report({ message: 'encoding the prompt…' });
        if (e.kind === 'phase' && e.phase === 'decoding') progress.report({ message: `decoding… · ${seconds(e.elapsedMs)} elapsed${e.etaMs !== null && e.etaMs > 0 ? ` · about ${seconds(e.etaMs)} left` : ''}` });
        if (e.kind === 'progress') {
          const pct = Math.round((e.step / e.steps) * 100);
          progress.report({ message: `step ${e.step}/${e.steps}${e.etaMs !== null && e.etaMs > 0 ? ` · about ${seconds(e.etaMs)} left` : e.step === e.steps ? ' · decoding…' : ''}`, increment: pct - reported });
          reported = pct;
        }
        if (e.kind === 'done' || e.kind === 'failed') {
          subs.forEach((s) => s.dispose());
          resolve();
          ended(e);
        }
      }),
    ];
  });
}

/** "Saved …": insert the images where the prompt came from, or open the first. */
function offerResult(files: string[], seed: string, editor: vscode.TextEditor | undefined, actions: GalleryActions): void {
  const names = files.map((f) => path.basename(f)).join(', ');
  void vscode.window.showInformationMessage(`PixArt: saved ${names} (seed ${seed}).`, 'Insert at Cursor', 'Open').then(async (pick) => {
    if (pick === 'Open') await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(files[0]));
    if (pick === 'Insert at Cursor') {
      if (editor && !editor.document.isClosed) await vscode.window.showTextDocument(editor.document, editor.viewColumn);
      for (const f of files) await actions.insert(f);
    }
  });
}
