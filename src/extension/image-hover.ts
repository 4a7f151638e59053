// The Markdown hover on an image link (`![…](….png)`, `<img src="….webp">`): the picture when the
// file is in the workspace, its prompt and parameters, and links to Regenerate (same seed),
// Variations (the next seeds) and Open in Studio. The hover trusts exactly those three commands;
// every text from the file or the document goes in escaped. The file is read by BoundedReader
// (off the host's thread, size and time capped), so a hostile file cannot stall the editor.

import * as vscode from 'vscode';
import * as path from 'node:path';
import { imageLinkAt, resolveImageTarget } from './studio/image-links';
import type { BoundedReader } from './studio/bounded-read';
import type { ImageParameters } from '../image/parameters';
import { VARIATIONS } from './studio/regenerate';

export const HOVER_COMMANDS = {
  regenerate: 'pixart.regenerateImage',
  variations: 'pixart.imageVariations',
  openStudio: 'pixart.openStudio',
} as const;

/** Longest prompt shown in a hover (the rest is cut with an ellipsis). */
const PROMPT_CHARS = 500;
/** The picture comes last and this wide, so that the text and links above it stay in the hover's height. */
const PICTURE_WIDTH = 160;

function commandLink(label: string, command: string, file: string, title: string): string {
  return `[${label}](command:${command}?${encodeURIComponent(JSON.stringify([file]))} "${title}")`;
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);

function parameterLines(p: ImageParameters): string[] {
  const size = p.width ? `${p.width}×${p.height}` : '';
  return [
    ['Seed', p.seed],
    ['Steps', p.steps === undefined ? '' : String(p.steps)],
    ['Guidance', p.guidanceScale === undefined ? '' : String(p.guidanceScale)],
    ['Size', size],
    ['Model', p.model],
    ['Scheduler', p.sampler],
  ]
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}: ${v}`);
}

export class ImageHoverProvider implements vscode.HoverProvider {
  constructor(private readonly reader: BoundedReader) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    if (doc.uri.scheme !== 'file') return undefined;
    const link = imageLinkAt(doc.lineAt(pos.line).text, pos.character);
    if (!link) return undefined;
    const root = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const file = resolveImageTarget(link.target, path.dirname(doc.uri.fsPath), root);
    const inWorkspace = await this.reader.inWorkspace(file);
    const read = inWorkspace ? await this.reader.read(file) : { why: 'it lies outside the workspace (or does not exist).' };
    if (token.isCancellationRequested) return undefined;
    const range = new vscode.Range(pos.line, link.start, pos.line, link.end);
    return new vscode.Hover(this.contents(file, inWorkspace, read.parameters, read.why), range);
  }

  private contents(file: string, inWorkspace: boolean, p: ImageParameters | undefined, why: string): vscode.MarkdownString {
    const md = new vscode.MarkdownString('', true);
    md.isTrusted = { enabledCommands: Object.values(HOVER_COMMANDS) };
    md.supportHtml = false;
    md.appendMarkdown('**');
    md.appendText(path.basename(file));
    md.appendMarkdown('**\n\n');
    const picture = () => inWorkspace && md.appendMarkdown(`\n\n![](${vscode.Uri.file(file).toString()}|width=${PICTURE_WIDTH})`);
    if (!p) {
      md.appendText(`No generation parameters: ${why}`);
      picture();
      return md;
    }
    md.appendMarkdown('*Prompt:* ');
    md.appendText(cut(p.prompt.replace(/\s+/g, ' '), PROMPT_CHARS));
    md.appendMarkdown('\n\n');
    if (p.negativePrompt) {
      md.appendMarkdown('*Negative:* ');
      md.appendText(cut(p.negativePrompt.replace(/\s+/g, ' '), PROMPT_CHARS));
      md.appendMarkdown('\n\n');
    }
    md.appendText(parameterLines(p).join(' · '));
    md.appendMarkdown('\n\n');
    md.appendMarkdown(
      [
        commandLink('$(refresh) Regenerate', HOVER_COMMANDS.regenerate, file, 'Generate again with the same seed'),
        commandLink('$(versions) Variations', HOVER_COMMANDS.variations, file, `Generate ${VARIATIONS} images with the next seeds`),
        commandLink('$(preview) Open in Studio', HOVER_COMMANDS.openStudio, file, 'Show it in PixArt Studio'),
      ].join(' · '),
    );
    picture();
    return md;
  }
}
