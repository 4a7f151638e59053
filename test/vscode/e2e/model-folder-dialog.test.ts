// Select Model Folder…'s dialog in the workbench (the packaged VSIX in code-server, headless
// chromium), where the integration suite cannot go (VS Code refuses modal dialogs while extension
// tests run): a folder with problems gets a modal that lists them all, whose default button (the
// focused one, what Enter does) is "Choose Another Folder…" and whose "Use Anyway" comes last;
// Enter asks for another folder; an empty one is "not a PixArt model folder", with no "Use Anyway";
// Escape leaves the model setting as it was. Screenshots in test-output/vscode/model-folder-*.png.
// Run by test/vscode/run.mjs (npm run test:e2e), which packages the VSIX first.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { env, quickOpen, until } from './helpers';
import { openWorkbench, pixartLog as sessionLog, type Workbench } from './workbench-session';
// @ts-expect-error plain JS helper shared with the launcher
import { repoRoot } from '../support/workbench.mjs';

const shots = join(repoRoot, 'test-output', 'vscode');

let workbench: Workbench | undefined;
let sandbox: string;
let page: Page;

const pixartLog = (): string => sessionLog(sandbox);
const machineSettings = () => JSON.parse(readFileSync(join(sandbox, 'user-data', 'Machine', 'settings.json'), 'utf8')) as Record<string, unknown>;

/**
 * Types `dir` into the folder dialog (code-server's simple file dialog, a quick input: typing a
 * folder and "/" opens it) and clicks its OK button, "Use This Model".
 */
async function chooseFolder(dir: string): Promise<void> {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'PixArt: select a model folder' }).waitFor({ timeout: 15_000 });
  const input = page.locator('.quick-input-widget input');
  await input.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(`${dir}/`);
  await until(() => input.inputValue(), (v) => v === `${dir}/`, `the folder dialog to read ${dir}/`);
  // The dialog drops an OK while it is busy listing the folder just typed (slow machines), so the
  // click is repeated until the dialog closes.
  const title = page.locator('.quick-input-widget .quick-input-title', { hasText: 'PixArt: select a model folder' });
  const ok = page.locator('.quick-input-widget .monaco-button', { hasText: 'Use This Model' });
  await until(async () => {
    if (await title.isVisible()) await ok.click({ timeout: 2_000 }).catch(() => undefined);
    return title.waitFor({ state: 'hidden', timeout: 2_000 }).then(() => true, () => false);
  }, (closed) => closed, `the folder dialog to accept ${dir}`);
}

/** The open dialog's text, its buttons in order, and the focused one. */
async function dialogState() {
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: 30_000 }).catch((e) => {
    throw new Error(`${e}\nPixArt log:\n${pixartLog().split('\n').slice(-15).join('\n')}`);
  });
  const shown = (await dialog.locator('.dialog-buttons .monaco-button').allInnerTexts()).map((b) => b.trim());
  const focused = (await page.evaluate(() => (document.activeElement as HTMLElement | null)?.innerText ?? '')).trim();
  // The workbench lays the buttons out from the primary one, which sits at the right on Linux and
  // the web (VS Code reverses them there) and at the left elsewhere; `answers` is the extension's
  // order, primary first, without the Cancel VS Code adds.
  const fromPrimary = shown.at(-1) === focused ? [...shown].reverse() : shown;
  return { text: await dialog.innerText(), shown, answers: fromPrimary.filter((b) => b !== 'Cancel'), focused };
}

describe('PixArt: Select Model Folder…\'s dialog in the workbench', { timeout: 5 * 60_000 }, () => {
  let broken: string;
  let empty: string;

  before(async () => {
    workbench = await openWorkbench({
      prefix: 'pixart-e2e-folder-',
      machine: { 'pixart.modelPath': env('PIXART_TEST_MODEL'), 'pixart.openvinoLibraryPath': env('PIXART_TEST_OPENVINO_LIB') },
      prepare: ({ sandbox: box }) => {
        broken = join(box, 'broken-model');
        cpSync(env('PIXART_TEST_MODEL'), broken, { recursive: true, dereference: true });
        rmSync(join(broken, 'scheduler', 'scheduler_config.json'));
        rmSync(join(broken, 'tokenizer', 'tokenizer.json'));
        empty = join(box, 'empty-folder');
        mkdirSync(empty);
      },
    });
    ({ sandbox, page } = workbench);
    await until(pixartLog, (l) => l.includes('PixArt Studio activated'), 'the extension to activate', 60_000);
  });

  after(async () => {
    await workbench?.close();
  });

  it('lists every problem, defaults to Choose Another Folder…, puts Use Anyway last; an empty folder is "not a PixArt model folder"', async () => {
    try {
      await quickOpen(page, '>PixArt: Select Model Folder');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'PixArt: Select Model Folder…' }).first().click();
      await chooseFolder(broken);

      const first = await dialogState();
      await page.screenshot({ path: join(shots, 'model-folder-broken.png') });
      assert.match(first.text, /is not a usable model folder \(2 problems\)\./);
      assert.match(first.text, /scheduler: .*scheduler_config\.json is missing/);
      assert.match(first.text, /tokenizer: .*tokenizer\.json is missing/);
      assert.deepEqual(first.answers, ['Choose Another Folder…', 'Download Model…', 'Use Anyway'], `Use Anyway farthest from the default (as shown: ${first.shown.join(' | ')})`);
      assert.equal(first.focused, 'Choose Another Folder…', `the default (focused) button (as shown: ${first.shown.join(' | ')})`);

      // Enter runs the default: the folder dialog again, where the empty folder is chosen.
      await page.keyboard.press('Enter');
      await chooseFolder(empty);
      const second = await dialogState();
      await page.screenshot({ path: join(shots, 'model-folder-empty.png') });
      assert.match(second.text, /empty-folder is not a PixArt model folder\./);
      assert.match(second.text, /empty-folder is empty\./);
      assert.match(second.text, /Download Model… gets one from Hugging Face/);
      assert.doesNotMatch(second.text, /scheduler_config\.json is missing/);
      assert.deepEqual(second.answers, ['Download Model…', 'Choose Another Folder…'], `no Use Anyway (as shown: ${second.shown.join(' | ')})`);
      assert.equal(second.focused, 'Download Model…');
      assert.notEqual(second.focused, 'Use Anyway');

      await page.keyboard.press('Escape');
      await page.locator('.monaco-dialog-box').waitFor({ state: 'detached', timeout: 10_000 });
      assert.equal(machineSettings()['pixart.modelPath'], env('PIXART_TEST_MODEL'), 'the model setting is unchanged');
      assert.match(pixartLog(), /model folder .*broken-model \(broken\):/, 'the log lists the problems');
    } catch (e) {
      await page?.screenshot({ path: join(shots, 'failed-model-folder-dialog.png') }).catch(() => undefined);
      throw e;
    }
  });

  it('with no model folder, the Get Started view names PixArt-α and PixArt-Σ and Download Model…; "Learn about model folders" opens the user page', async () => {
    try {
      // No model folder: the machine settings without pixart.modelPath (VS Code reads the file again).
      const machine = machineSettings();
      delete machine['pixart.modelPath'];
      writeFileSync(join(sandbox, 'user-data', 'Machine', 'settings.json'), JSON.stringify(machine, null, 2));
      await page.getByRole('tab', { name: /^PixArt/ }).click();
      const download = page.getByRole('button', { name: 'Download Model…' });
      await download.waitFor({ timeout: 30_000 });
      const welcome = page.locator('.welcome-view-content', { has: download });
      const text = await welcome.innerText();
      await page.screenshot({ path: join(shots, 'model-folder-welcome.png') });
      assert.match(text, /PixArt-α or PixArt-Σ/);
      assert.doesNotMatch(text, /PixArt-α model converted to OpenVINO/);
      const buttons = (await welcome.locator('.monaco-button').allInnerTexts()).map((b) => b.trim());
      assert.deepEqual(buttons, ['Download Model…', 'Select Model Folder…'], 'two buttons, Download Model… first (the rest are links)');

      await welcome.getByText('Learn about model folders', { exact: true }).click();
      await page.locator('.tabs-container .tab', { hasText: 'Preview model-folders.md' }).waitFor({ timeout: 20_000 });
      const preview = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
      await preview.locator('h1', { hasText: 'Model folders' }).waitFor({ timeout: 20_000 });
      await preview.locator('h2', { hasText: 'Remote windows' }).waitFor();
      await page.screenshot({ path: join(shots, 'model-folder-help.png') });
    } catch (e) {
      await page?.screenshot({ path: join(shots, 'failed-model-folder-welcome.png') }).catch(() => undefined);
      throw e;
    }
  });
});
