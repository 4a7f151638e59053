// `PixArt: Prepare Model…` end to end, where the integration suite cannot go: VS Code refuses modal
// dialogs while extension tests run, so only here (the packaged VSIX in code-server, driven through
// the workbench in headless chromium) can the confirmation be answered "Convert" and the real
// conversion task run. The task cannot succeed in a test (a real conversion downloads ~22 GB and
// needs torch), so it is made to fail early and the test checks what the user gets then: the task
// ran the converter's command line for the chosen model, precision and folder, it failed with a
// non-zero exit code, the user is told so, the log has the command and the exit code, nothing is
// left in the destination and pixart.modelPath is unchanged.
// How it fails: PIP_NO_INDEX=1 (and no PIP_FIND_LINKS) in code-server's environment, which the
// task's shell inherits, makes the command's `pip install -r models/requirements.txt` fail at once
// ("No matching distribution found", exit 1). Without it, pip here does reach PyPI (through the
// machine's proxy) and starts downloading torch with its CUDA wheels, gigabytes, before failing
// about two minutes later. The command line is the extension's own, unchanged; a real venv is made
// in the sandbox.
// Run by test/vscode/run.mjs (npm run test:e2e), which packages the VSIX first.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { EXTENSION_ID, env, quickOpen, until } from './helpers';
import { openWorkbench, pixartLog as sessionLog, type Workbench } from './workbench-session';
// @ts-expect-error plain JS helper shared with the launcher
import { repoRoot } from '../support/workbench.mjs';

const shots = join(repoRoot, 'test-output', 'vscode');

let workbench: Workbench | undefined;
let sandbox: string;
let page: Page;

/** The pixart.* settings in the user and machine settings files (VS Code migrates other keys on its own). */
const pixartSettings = () =>
  ['User', 'Machine'].map((dir) => Object.entries(JSON.parse(readFileSync(join(sandbox, 'user-data', dir, 'settings.json'), 'utf8')) as Record<string, unknown>).filter(([k]) => k.startsWith('pixart.')));
const pixartLog = (): string => sessionLog(sandbox);

/** Waits for the quick pick titled `title`, then clicks its item `label`. */
async function pick(title: string, label: string): Promise<void> {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ timeout: 15_000 });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().click();
}

describe('PixArt: Prepare Model… in the workbench', { timeout: 5 * 60_000 }, () => {
  before(async () => {
    workbench = await openWorkbench({
      prefix: 'pixart-e2e-prepare-',
      machine: { 'pixart.modelPath': env('PIXART_TEST_MODEL'), 'pixart.openvinoLibraryPath': env('PIXART_TEST_OPENVINO_LIB') },
      env: { PIP_NO_INDEX: '1', PIP_FIND_LINKS: '' },
    });
    ({ page, sandbox } = workbench);
    // The palette lists the extension's commands only once the extension host has registered it.
    await until(pixartLog, (l) => l.includes('PixArt Studio activated'), 'the extension to activate', 60_000);
  });

  after(async () => {
    if (workbench) console.log(`--- PixArt.log\n${pixartLog()}`);
    await workbench?.close();
  });

  it('Random weights, int8, extension storage, Convert: the converter runs as a task, fails here, and the user is told; the model is unchanged', async () => {
    const settingsBefore = pixartSettings();
    assert.deepEqual(settingsBefore[1], [['pixart.modelPath', env('PIXART_TEST_MODEL')], ['pixart.openvinoLibraryPath', env('PIXART_TEST_OPENVINO_LIB')]]);
    const out = join(sandbox, 'user-data', 'User', 'globalStorage', EXTENSION_ID, 'models', 'PixArt-random-weights-int8');
    try {
      await quickOpen(page, '>PixArt: Prepare Model');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'PixArt: Prepare Model…' }).first().click();
      await pick('PixArt: Prepare Model (1/3): which model?', 'Random weights (real size)');
      await pick('PixArt: Prepare Model (2/3): weight precision', 'int8 weights');
      await pick('PixArt: Prepare Model (3/3): where to put it', 'Extension storage');

      // The confirmation states the plan; nothing is made before it is answered.
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 15_000 });
      const text = await dialog.innerText();
      assert.match(text, /PixArt: convert the model now\?/);
      assert.match(text, /Random weights \(real size\), int8 weights: ~5\.5 GB on disk; converting needs ~20 GB of RAM\./);
      assert.match(text, /Free disk at the destination: \d+\.\d GB/);
      assert.equal(existsSync(out), false);
      await page.screenshot({ path: join(shots, 'prepare-model-confirm.png') });
      await dialog.getByRole('button', { name: 'Convert' }).click();

      // The task runs in its own terminal, named after the choice.
      await page.locator('.panel', { hasText: 'Convert Random weights (real size) (int8)' }).first().waitFor({ timeout: 30_000 });

      // It fails here (no package index): the user is told, with the exit code.
      const toast = page.locator('.notification-toast', { hasText: 'the conversion did not finish' });
      await toast.waitFor({ timeout: 120_000 });
      const message = await toast.innerText();
      await page.screenshot({ path: join(shots, 'prepare-model-failed.png') });
      const code = /exit code (\d+)/.exec(message)?.[1];
      assert.ok(code && code !== '0', `a non-zero exit code is reported: ${message}`);
      assert.match(message, new RegExp(`nothing was left in ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

      // The log has the command line the task ran, and its exit code.
      const log = await until(pixartLog, (l) => l.includes('prepare model: the converter exited'), 'the failure in the PixArt log', 10_000);
      const command = /\[info\] prepare model: (.*)/.exec(log)?.[1] ?? '';
      assert.match(command, /'python3' -m venv '[^']*\/globalStorage\/pixart-studio\.pixart-studio\/converter-venv'/, command);
      assert.match(command, /converter-venv\/bin\/python' -m pip install --disable-pip-version-check -r '[^']*\/models\/requirements\.txt'/);
      assert.ok(command.endsWith(`/models/convert.py' '--random-weights' '--weights' 'int8' '--out' '${out}'`), command);
      assert.match(log, new RegExp(`\\[error\\] prepare model: the converter exited with ${code}\\b`));

      // Nothing left behind, and the model setting is unchanged.
      assert.equal(existsSync(out), false, 'no model folder');
      assert.deepEqual(pixartSettings(), settingsBefore, 'pixart settings unchanged (pixart.modelPath is still the tiny model)');
    } catch (e) {
      await page?.screenshot({ path: join(shots, 'failed-prepare-model.png') }).catch(() => undefined);
      throw e;
    }
  });
});
