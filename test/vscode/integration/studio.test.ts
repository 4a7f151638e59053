// The studio and the Markdown hover in the real VS Code extension host, on the real worker and
// OpenVINO: the hover on an image link (picture, prompt and parameters, exactly the three command
// links, text from the file escaped), no hover elsewhere or outside the workspace; Open in Studio
// opens one editor-area panel; Regenerate queues the same seed and makes the same image;
// Variations queues the next seeds.

import * as assert from 'node:assert/strict';
import { before, describe, it } from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Controller } from '../../../src/extension/controller';
import type { JobEvent } from '../../../src/extension/job-runner';
import { readImageParameters } from '../../../src/extension/image-reader';
import { encodePng } from '../../../src/image/png';
import { toParameters } from '../../../src/image/parameters';
import { outputDir, until, workspaceRoot } from './helpers';
import { generate, readyExtension, withEvents } from './jobs';
import { params } from './params';

let controller: Controller;

/**
 * The Markdown of our hover at `line`:`character` of `doc`, as VS Code's hover request gives it back
 * (appendText's &nbsp; read as spaces); undefined when none of the hovers is ours.
 */
async function hoverAt(doc: vscode.TextDocument, line: number, character: number): Promise<string | undefined> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, character));
  const texts = hovers.flatMap((h) => h.contents).map((c) => (c instanceof vscode.MarkdownString ? c.value.replace(/&nbsp;/g, ' ') : ''));
  return texts.find((t) => t.includes('pixart.openStudio') || t.includes('No generation parameters'));
}

async function markdown(name: string, text: string): Promise<vscode.TextDocument> {
  const file = path.join(workspaceRoot(), 'docs', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return vscode.workspace.openTextDocument(file);
}

const studioTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('pixart.studio'));

/** The command links of a hover's Markdown: [command, its argument list]. */
function commandLinks(md: string): [string, unknown][] {
  return [...md.matchAll(/\]\(command:([\w.]+)\?([^ )]*)/g)].map((m) => [m[1], JSON.parse(decodeURIComponent(m[2]))]);
}

describe('studio and Markdown hover in a real VS Code', () => {
  let image = '';
  const prompt = 'a glass lighthouse on a basalt cliff';
  before(async function () {
    this.timeout(120_000);
    ({ controller } = await readyExtension());
    image = await generate(controller, params({ prompt, seed: '31337', steps: 2 }));
  });

  it('hover on ![…](…png): the picture, prompt and parameters, and exactly Regenerate, Variations and Open in Studio', async () => {
    const rel = path.relative(path.join(workspaceRoot(), 'docs'), image).split(path.sep).join('/');
    const doc = await markdown('hover.md', `# Pictures\n\nText ![the lighthouse](${rel} "title") after.\n<img alt="x" src="${rel}">\nno image here\n`);
    const md = await hoverAt(doc, 2, 10);
    assert.ok(md, 'a PixArt hover on the Markdown image');
    assert.ok(md.includes(vscode.Uri.file(image).toString()), 'the picture');
    assert.ok(md.includes(prompt) && md.includes('31337') && md.includes('Steps: 2') && md.includes('Size: 128×128'), md);
    assert.deepEqual(commandLinks(md), [
      ['pixart.regenerateImage', [image]],
      ['pixart.imageVariations', [image]],
      ['pixart.openStudio', [image]],
    ]);
    const html = await hoverAt(doc, 3, 6);
    assert.ok(html?.includes('pixart.regenerateImage'), 'the <img src> link too');
    assert.equal(await hoverAt(doc, 4, 3), undefined, 'no hover on plain text');
  });

  it('hover: a prompt carrying Markdown and command links is shown as text; a file outside the workspace is not read', async () => {
    const hostile = path.join(outputDir(), 'hostile.png');
    const evil = 'x](command:workbench.action.terminal.new) [y](command:pixart.regenerateImage?%5B%22%2Fetc%2Fpasswd.png%22%5D) <b>bold</b> $(zap)';
    fs.writeFileSync(hostile, encodePng(new Uint8Array(4 * 4 * 3), 4, 4, { parameters: toParameters({ prompt: evil, negativePrompt: '', seed: '5', steps: 2, sampler: 'LCM', guidanceScale: 0, width: 4, height: 4, model: 'm' }) }));
    const doc = await markdown('hostile.md', '![a](../assets/generated/hostile.png)\n![b](/../../../../etc/x.png)\n');
    const md = await hoverAt(doc, 0, 3);
    assert.ok(md);
    assert.deepEqual(commandLinks(md).map(([c, a]) => [c, a]), [
      ['pixart.regenerateImage', [hostile]],
      ['pixart.imageVariations', [hostile]],
      ['pixart.openStudio', [hostile]],
    ], `only our three links: ${md}`);
    assert.ok(!md.includes('<b>') && !md.includes(' $(zap)'), 'HTML and icons in the prompt escaped');
    const away = await hoverAt(doc, 1, 3);
    assert.match(away ?? '', /outside the workspace/);
    fs.rmSync(hostile);
  });

  it('Open in Studio: one editor-area panel, revealed again for the next image', async () => {
    for (const t of studioTabs()) await vscode.window.tabGroups.close(t);
    await vscode.commands.executeCommand('pixart.openStudio', image);
    await until('the studio tab', () => studioTabs().length === 1, 10_000);
    assert.equal(studioTabs()[0].label, 'PixArt Studio');
    assert.ok(studioTabs()[0].isActive);
    await vscode.commands.executeCommand('pixart.openStudio');
    assert.equal(studioTabs().length, 1, 'opened again: the same panel');
    await vscode.window.tabGroups.close(studioTabs());
  });

  it('Regenerate queues the same seed and makes the same image; Variations queues the next three seeds', async function () {
    this.timeout(120_000);
    const before = await readImageParameters(image);
    const done = await withEvents(controller, async (rec) => {
      await vscode.commands.executeCommand('pixart.regenerateImage', image);
      await until('the regenerated image', () => rec.events.some((e) => e.kind === 'done' || e.kind === 'failed'), 60_000);
      return rec.events.find((e): e is Extract<JobEvent, { kind: 'done' }> => e.kind === 'done');
    });
    assert.ok(done, 'the job was done');
    assert.equal(done.seed, '31337');
    const again = await readImageParameters(done.files[0]);
    assert.deepEqual({ ...again, extra: undefined }, { ...before, extra: undefined });
    const pixels = (f: string) => fs.readFileSync(f).subarray(fs.readFileSync(f).indexOf('IDAT'));
    assert.ok(pixels(done.files[0]).equals(pixels(image)), 'the same pixels');

    const seeds = await withEvents(controller, async (rec) => {
      await vscode.commands.executeCommand('pixart.imageVariations', image);
      await until('three variations', () => rec.events.filter((e) => e.kind === 'done' || e.kind === 'failed').length === 3, 90_000);
      return rec.events.filter((e): e is Extract<JobEvent, { kind: 'done' }> => e.kind === 'done').map((e) => e.seed);
    });
    assert.deepEqual(seeds, ['31338', '31339', '31340']);
  });
});
