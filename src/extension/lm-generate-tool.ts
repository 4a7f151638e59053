// The `pixart_generate_image` language-model tool (#pixart): a chat agent's request for images,
// checked like the form's (lm-tool-input.ts), confirmed by the user (prepareInvocation), run as an
// ordinary job of the queue (the sidebar shows it and can cancel it; the tool's token cancels it
// too), and answered with the saved files' workspace-relative paths, a snippet for the active
// document and the seed used. In Restricted Mode it refuses: an agent reading untrusted files
// should not be able to write into them.

import * as vscode from 'vscode';
import * as path from 'node:path';
import type { GenerationConfig } from '../protocol/generation';
import type { ModelSummary } from '../protocol/messages';
import type { Controller } from './controller';
import { UnsafePathError, altFromPrompt, imageSnippet, relativeImagePath, snippetKindFor } from './insertion';
import { parseGenerateInput, resolveTargetFolder, type GenerateImageInput, type ModelLimits } from './lm-tool-input';
import type { Log } from './log';
import { realPathOf } from './settings';

export const RESTRICTED_MODE_MESSAGE =
  'PixArt does not generate images for chat agents in Restricted Mode: an agent reading untrusted files could otherwise write into this workspace. Trust the workspace (Manage Workspace Trust) to use this tool, or generate from the PixArt sidebar.';
export const NO_MODEL_MESSAGE = 'No PixArt model folder is set: the user must run "PixArt: Select Model Folder…" (setting pixart.modelPath) first.';

/** What a successful call returns, as JSON in the tool result's second part. */
export interface GenerateImageResult {
  /** Workspace-relative paths of the saved images (absolute when outside the workspace). */
  files: string[];
  seed: string;
  width: number;
  height: number;
  steps: number;
  /** The text to insert for the images into `snippetFor` (one line per image); '' when its syntax cannot carry the path. */
  snippet: string;
  /** The document the snippet is written for (workspace-relative), or null: Markdown relative to the workspace root. */
  snippetFor: string | null;
}

export class GenerateImageTool implements vscode.LanguageModelTool<GenerateImageInput> {
  constructor(private readonly controller: Controller, private readonly log: Log) {}

  /** What will be generated and where, for the user to confirm; bad input fails here, before the question. */
  async prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<GenerateImageInput>): Promise<vscode.PreparedToolInvocation> {
    refuseUntrusted();
    const { config, folder } = parseGenerateInput(options.input, this.limits(this.controller.model.state.model));
    const target = await this.target(folder);
    const n = config.imagesPerPrompt;
    const message = new vscode.MarkdownString();
    message.appendMarkdown('**Prompt:** ').appendText(oneLine(config.prompt, 400));
    if (config.negativePrompt) message.appendMarkdown('\n\n**Negative prompt:** ').appendText(oneLine(config.negativePrompt, 200));
    message.appendMarkdown(`\n\n${n} image${n > 1 ? 's' : ''}, ${this.sizeAndSteps(config, options.input)}, seed ${config.seed || 'random'}`);
    message.appendMarkdown('\n\n**Saved as new files in** ').appendText(vscode.workspace.asRelativePath(target) || target);
    return {
      invocationMessage: `Generating ${n > 1 ? `${n} images` : 'an image'} of “${oneLine(config.prompt, 60)}” with PixArt`,
      confirmationMessages: { title: `Generate ${n > 1 ? `${n} images` : 'an image'} with PixArt?`, message },
    };
  }

  async invoke(options: vscode.LanguageModelToolInvocationOptions<GenerateImageInput>, token: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
    refuseUntrusted();
    const model = await modelReady(this.controller, token);
    const { config, folder } = parseGenerateInput(options.input, this.limits(model));
    const target = await this.target(folder);
    if (token.isCancellationRequested) throw new vscode.CancellationError();
    const job = this.controller.jobs.enqueueIn(config, { folder: target, real: (await realPathOf(target)) ?? target });
    this.log.info(`${job.id}: asked for by a chat tool call, into ${target}`);
    const done = await jobResult(this.controller, job.id, token);
    const result = this.result(config, done.files, done.seed);
    const summary = `Saved ${result.files.join(', ')} (seed ${result.seed}, ${result.width}×${result.height}, ${result.steps} steps).${result.snippet ? ` Reference from ${result.snippetFor ?? 'the workspace root'}:\n${result.snippet}` : ''}`;
    return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(summary), new vscode.LanguageModelTextPart(JSON.stringify(result))]);
  }

  /** The size and steps as they will run; before the model has loaded, what the agent left out is the model's to decide. */
  private sizeAndSteps(config: GenerationConfig, input: GenerateImageInput): string {
    const loaded = this.controller.model.state.model !== undefined;
    const size = loaded || input.size ? `${config.width}×${config.height}` : input.aspectRatio ? `the model's size nearest ${input.aspectRatio}` : "the model's default size";
    return `${size}, ${loaded || input.steps !== undefined ? `${config.steps} steps` : "the model's default steps"}`;
  }

  private limits(model: ModelSummary | undefined): ModelLimits {
    return { supportedSizes: model?.supportedSizes ?? [], maxSteps: model?.maxSteps, defaults: this.controller.model.formDefaults() };
  }

  private async target(folder: string | undefined): Promise<string> {
    const roots = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    return resolveTargetFolder(folder, { workspaceFolders: roots, workspaceRoot: this.controller.output.workspaceRoot(), outputFolder: await this.controller.output.resolve(false) });
  }

  /** The paths and the snippet for the document the agent is most likely editing: the active editor, else a visible one. */
  private result(config: GenerationConfig, files: string[], seed: string): GenerateImageResult {
    const doc = (vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0])?.document;
    const docPath = doc && doc.uri.scheme === 'file' && !doc.isUntitled ? doc.uri.fsPath : undefined;
    const language = docPath ? doc!.languageId : 'markdown';
    let snippet = '';
    try {
      snippet = files.map((f) => imageSnippet(language, relativeImagePath(f, docPath, this.controller.output.workspaceRoot()), altFromPrompt(config.prompt))).join('\n');
    } catch (err) {
      if (!(err instanceof UnsafePathError)) throw err;
      this.log.warn(`no ${snippetKindFor(language)} snippet for ${path.basename(files[0])}: ${err.message}`);
    }
    return {
      files: files.map((f) => vscode.workspace.asRelativePath(f)),
      seed,
      width: config.width,
      height: config.height,
      steps: config.steps,
      snippet,
      snippetFor: docPath ? vscode.workspace.asRelativePath(docPath) : null,
    };
  }
}

function refuseUntrusted(): void {
  if (!vscode.workspace.isTrusted) throw new Error(RESTRICTED_MODE_MESSAGE);
}

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** Resolves with the model once it is ready (loading it when needed); rejects with why it cannot load, or on cancel. */
function modelReady(controller: Controller, token: vscode.CancellationToken): Promise<ModelSummary> {
  if (!controller.currentSettings.modelPath) return Promise.reject(new Error(NO_MODEL_MESSAGE));
  controller.model.ensure();
  return new Promise((resolve, reject) => {
    const subs: vscode.Disposable[] = [];
    const end = (settle: () => void) => {
      subs.forEach((d) => d.dispose());
      settle();
    };
    const check = () => {
      const m = controller.model.state;
      if (m.state === 'ready' && m.model) end(() => resolve(m.model!));
      else if (m.state === 'error') end(() => reject(new Error(`The PixArt model could not be loaded: ${m.error ?? 'see the PixArt log'}`)));
      else if (m.state === 'unset') end(() => reject(new Error(NO_MODEL_MESSAGE)));
    };
    subs.push(controller.onDidChange(check), token.onCancellationRequested(() => end(() => reject(new vscode.CancellationError()))));
    check();
  });
}

/** Resolves with the job's files and seed when it is done; the token cancels it; a failure rejects with the job's message. */
function jobResult(controller: Controller, jobId: string, token: vscode.CancellationToken): Promise<{ files: string[]; seed: string }> {
  return new Promise((resolve, reject) => {
    const subs = [
      controller.jobs.onJobEvent((e) => {
        if (e.jobId !== jobId || (e.kind !== 'done' && e.kind !== 'failed')) return;
        subs.forEach((d) => d.dispose());
        if (e.kind === 'done') resolve(e);
        else reject(e.cancelled ? new vscode.CancellationError() : new Error(e.message));
      }),
      token.onCancellationRequested(() => controller.jobs.cancel(jobId)),
    ];
  });
}
