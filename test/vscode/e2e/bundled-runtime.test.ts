// The platform VSIX on a machine where nothing else provides OpenVINO: the linux-x64 package
// (with its runtime inside) installed into code-server, no pixart.openvinoLibraryPath, no
// PIXART_OPENVINO_LIB, PIXART_PYTHON naming no interpreter, openvino-node absent. A user opens the
// sidebar and generates; the model line names the bundled runtime, the image is saved, and the
// worker process has loaded OpenVINO from the extension's own folder and from nowhere else.
// Screenshot: test-output/vscode/09-bundled-runtime.png. Run by test/vscode/run.mjs on linux-x64.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { env, until } from './helpers';
import { openWorkbench, pixartLog, type Workbench } from './workbench-session';
// @ts-expect-error plain JS helper shared with the launcher
import { repoRoot } from '../support/workbench.mjs';

const vsix = process.env.PIXART_TEST_VSIX_BUNDLED;
const shots = join(repoRoot, 'test-output', 'vscode');
let workbench: Workbench | undefined;
let sandbox: string;
let workspace: string;
let page: Page;

const view = (): FrameLocator => page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');

/** The shared libraries named like OpenVINO's that this sandbox's processes whose command line matches have mapped. */
function openvinoLibrariesMapped(cmdline: (c: string) => boolean): string[] {
  const paths = new Set<string>();
  let found = false;
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (!cmdline(readFileSync(`/proc/${pid}/cmdline`, 'utf8')) || !readFileSync(`/proc/${pid}/environ`, 'utf8').includes(sandbox)) continue;
      found = true;
      for (const l of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
        const p = l.split(/\s+/).slice(5).join(' ');
        if (/\/lib(openvino|tbb)[^/]*\.so/.test(p)) paths.add(p);
      }
    } catch { /* gone */ }
  }
  if (!found) throw new Error('no such process for this sandbox');
  return [...paths];
}

describe('the linux-x64 VSIX generates with its bundled OpenVINO alone', { skip: vsix ? false : 'only on linux-x64 (no PIXART_TEST_VSIX_BUNDLED)', timeout: 5 * 60_000 }, () => {
  before(async () => {
    mkdirSync(shots, { recursive: true });
    const noOpenVino: Record<string, string> = { PIXART_OPENVINO_LIB: '' };
    workbench = await openWorkbench({
      prefix: 'pixart-bundled-',
      vsix,
      user: { 'workbench.colorTheme': 'Default Light Modern' },
      machine: { 'pixart.modelPath': env('PIXART_TEST_MODEL') },
      env: noOpenVino,
      prepare: ({ sandbox: dir }) => void (noOpenVino.PIXART_PYTHON = join(dir, 'no-python-here')),
    });
    ({ page, sandbox, workspace } = workbench);
  });

  after(async () => {
    // The extension's own log (PixArt output channel), for a failure's story.
    if (workbench) console.log(`--- PixArt.log\n${pixartLog(workbench.sandbox)}`);
    await workbench?.close();
  });

  it('names the bundled runtime, saves the image, and maps OpenVINO only from the extension', async () => {
    try {
      await page.getByRole('tab', { name: /^PixArt/ }).click();
      const line = await until(() => view().locator('#model-line').innerText(), (t) => /ready on CPU/.test(t) || /could not/i.test(t), 'the model to load', 120_000);
      assert.match(line, /pixart-tiny · LCM · ready on CPU · OpenVINO 2026\.4\.1 \(bundled\)/);
      await view().getByLabel('Prompt', { exact: true }).fill('a lighthouse on a cliff at dawn');
      await view().getByLabel('Seed', { exact: true }).fill('77');
      await view().getByRole('button', { name: 'Generate', exact: true }).click();
      await until(() => view().locator('ul.gallery li').count(), (n) => n > 0, 'the image in the gallery', 120_000);
      await page.screenshot({ path: join(shots, '09-bundled-runtime.png') });
      const out = join(workspace, 'assets', 'generated');
      assert.ok(existsSync(out) && readdirSync(out).some((f) => f.includes('seed77') && f.endsWith('.png')), 'the PNG is in assets/generated');
      // The model runs in the worker process (dist/worker.js); the extension host loads no OpenVINO.
      const mapped = openvinoLibrariesMapped((c) => c.includes('dist/worker.js'));
      const extensions = join(sandbox, 'extensions');
      assert.ok(mapped.some((p) => /\/openvino\/libs\/libopenvino\.so/.test(p)), `libopenvino mapped: ${mapped.join(', ')}`);
      assert.deepEqual(mapped.filter((p) => !p.startsWith(extensions)), [], 'no OpenVINO or TBB library from outside the installed extension');
      assert.deepEqual(openvinoLibrariesMapped((c) => c.includes('--type=extensionHost')), [], 'the extension host itself maps no OpenVINO');
    } catch (e) {
      await page?.screenshot({ path: join(shots, 'failed-bundled-runtime.png') }).catch(() => undefined);
      throw e;
    }
  });
});
