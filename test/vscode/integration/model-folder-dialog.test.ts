// PixArt: Select Model Folder… in the real VS Code extension host, with a folder as its argument
// (as the Explorer's context menu passes one): a sound folder is used without a question; any other
// gets the modal warning, which names what kind of folder it is. VS Code refuses modal dialogs
// while extension tests run and rejects with "refused to show dialog in tests. Contents: <message>";
// a notification (the old non-modal warning) would not be refused, so the rejection shows that the
// dialog is modal and what it says. Its buttons and their order are unit-tested
// (test/unit/model-folder-check.test.ts); nothing here is mocked.

import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, env } from './helpers';
import { log } from './log';

const modelPath = () => vscode.workspace.getConfiguration('pixart').get<string>('modelPath');

/** How the command ended: 'resolved', or the rejection's message. */
async function select(dir: string): Promise<string> {
  try {
    await vscode.commands.executeCommand('pixart.selectModelFolder', vscode.Uri.file(dir));
    return 'resolved';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const refused = (message: string) => new RegExp(`refused to show dialog in tests\\. Contents: ${escape(message)}`);

describe('PixArt: Select Model Folder… checks the folder in a real VS Code', () => {
  let scratch: string;

  before(async function () {
    this.timeout(60_000);
    await activateExtension();
    assert.equal(modelPath(), env('PIXART_TEST_MODEL'));
    scratch = path.join(env('PIXART_TEST_SANDBOX'), 'model-folder-dialog');
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.mkdirSync(scratch, { recursive: true });
  });

  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('an empty folder: a modal "is not a PixArt model folder", and the model setting is untouched', async () => {
    const empty = path.join(scratch, 'empty');
    fs.mkdirSync(empty);
    const out = await select(empty);
    log(`select an empty folder: ${out}`);
    assert.match(out, refused(`PixArt: ${empty} is not a PixArt model folder.`));
    assert.doesNotMatch(out, /scheduler_config\.json/);
    assert.equal(modelPath(), env('PIXART_TEST_MODEL'));
  });

  it('a model folder with two files missing: a modal naming the count of problems', async () => {
    const broken = path.join(scratch, 'broken');
    fs.cpSync(env('PIXART_TEST_MODEL'), broken, { recursive: true, dereference: true });
    fs.rmSync(path.join(broken, 'scheduler', 'scheduler_config.json'));
    fs.rmSync(path.join(broken, 'tokenizer', 'tokenizer.json'));
    const out = await select(broken);
    assert.match(out, refused(`PixArt: ${broken} is not a usable model folder (2 problems).`));
    assert.equal(modelPath(), env('PIXART_TEST_MODEL'));
  });

  it('a diffusers checkpoint: a modal saying so (Download Model… builds it)', async () => {
    const checkpoint = path.join(path.dirname(env('PIXART_TEST_MODEL')), 'pixart-tiny-diffusers');
    const out = await select(checkpoint);
    assert.match(out, refused(`PixArt: ${checkpoint} is a diffusers checkpoint, not yet a model folder PixArt can run.`));
    assert.equal(modelPath(), env('PIXART_TEST_MODEL'));
  });

  it('a sound model folder is used without a dialog', async () => {
    const out = await select(env('PIXART_TEST_MODEL'));
    assert.equal(out, 'resolved');
    assert.equal(modelPath(), env('PIXART_TEST_MODEL'));
  });

  it('Learn About Model Folders opens the user page docs/model-folders.md, which the extension ships', async function () {
    this.timeout(20_000);
    const ext = vscode.extensions.getExtension('pixart-studio.pixart-studio')!;
    const page = vscode.Uri.joinPath(ext.extensionUri, 'docs', 'model-folders.md');
    assert.ok(fs.existsSync(page.fsPath), `${page.fsPath} exists`);
    assert.doesNotMatch(fs.readFileSync(page.fsPath, 'utf8'), /DESIGN\.md|models\/README/, 'a user page, not the developer docs');
    await vscode.commands.executeCommand('pixart.showModelHelp');
    const deadline = Date.now() + 10_000;
    let label = '';
    while (Date.now() < deadline) {
      label = vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label).find((l) => /model-folders\.md/.test(l)) ?? '';
      if (label) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(label, /^Preview model-folders\.md$/, `a Markdown preview tab of the page (tabs: ${vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label).join(', ')})`);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('PixArt: Open Settings opens the Settings editor (in this remote window: the Remote tab)', async function () {
    this.timeout(20_000);
    log(`vscode.env.remoteName: ${vscode.env.remoteName ?? '(none)'}`);
    await vscode.commands.executeCommand('pixart.openSettings');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.label === 'Settings')) await new Promise((r) => setTimeout(r, 100));
    assert.ok(vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.label === 'Settings'), 'a Settings tab is open');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
