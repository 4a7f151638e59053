// PixArt's language-model tools for chat agents, registered with vscode.lm (their schemas are in
// package.json `contributes.languageModelTools`): `pixart_generate_image` (lm-generate-tool.ts)
// and `pixart_list_images`, the images already in the output folder (prompt, seed, path), so an
// agent can reuse one instead of generating it again. Listing only reads, so it also runs in
// Restricted Mode.

import * as vscode from 'vscode';
import type { StoredImage } from './asset-store';
import type { Controller } from './controller';
import { GenerateImageTool } from './lm-generate-tool';
import { GENERATE_TOOL, LIST_TOOL, parseListInput, type ListImagesInput } from './lm-tool-input';
import type { Log } from './log';

const PROMPT_CHARS = 300;

/** One listed image, as the list tool returns it. */
export interface ListedImage {
  /** Workspace-relative (absolute when the output folder lies outside the workspace). */
  path: string;
  prompt: string | null;
  seed: string | null;
  size: string | null;
  model: string | null;
  created: string;
}

export class ListImagesTool implements vscode.LanguageModelTool<ListImagesInput> {
  constructor(private readonly controller: Controller) {}

  prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<ListImagesInput>): vscode.PreparedToolInvocation {
    const { query } = parseListInput(options.input);
    return { invocationMessage: query ? `Looking for PixArt images of “${query}”` : 'Listing the PixArt images already generated' };
  }

  async invoke(options: vscode.LanguageModelToolInvocationOptions<ListImagesInput>): Promise<vscode.LanguageModelToolResult> {
    const { query, limit } = parseListInput(options.input);
    const folder = await this.controller.output.resolve(false);
    const all = await this.controller.gallery.images();
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const matching = all.filter((i) => words.every((w) => (i.parameters?.prompt ?? i.file).toLowerCase().includes(w)));
    const images = matching.slice(0, limit).map(listed);
    const where = folder ? vscode.workspace.asRelativePath(folder) : 'no output folder (no folder is open)';
    const summary = `${matching.length} image${matching.length === 1 ? '' : 's'}${query ? ` matching “${query}”` : ''} in ${where}, newest first${matching.length > images.length ? `; the first ${images.length} are listed` : ''}.`;
    return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(summary), new vscode.LanguageModelTextPart(JSON.stringify({ total: matching.length, images }))]);
  }
}

function listed(i: StoredImage): ListedImage {
  const p = i.parameters;
  const prompt = p ? (p.prompt.length > PROMPT_CHARS ? `${p.prompt.slice(0, PROMPT_CHARS - 1)}…` : p.prompt) : null;
  return {
    path: vscode.workspace.asRelativePath(i.path),
    prompt,
    seed: p?.seed ?? null,
    size: p?.width && p.height ? `${p.width}x${p.height}` : null,
    model: p?.model ?? null,
    created: new Date(i.mtimeMs).toISOString(),
  };
}

/** Registers both tools; returns them (the real-VS-Code tests call prepareInvocation directly) and their registrations. */
export function registerLanguageModelTools(controller: Controller, log: Log): { generate: GenerateImageTool; list: ListImagesTool; disposables: vscode.Disposable[] } {
  const generate = new GenerateImageTool(controller, log);
  const list = new ListImagesTool(controller);
  return { generate, list, disposables: [vscode.lm.registerTool(GENERATE_TOOL, generate), vscode.lm.registerTool(LIST_TOOL, list)] };
}
