// PixArt-Σ in the workbench, as a user sees it: the packaged VSIX in code-server with
// pixart.modelPath on the tiny Σ model (built from test/fixtures/sigma/ by the project's builder
// before code-server starts). The form starts at Σ's defaults (20 steps, guidance 4.5) and the
// token counter counts against 300: a 289-token prompt is within it, a longer one is warned about.
// Screenshots: test-output/vscode/sigma-*.png. Run by test/vscode/run.mjs (npm run test:e2e).

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { buildModel } from '../../../src/builder/build-model';
import { readNpy } from '../../support/npy';
import { env, until } from './helpers';
import { openWorkbench, type Workbench } from './workbench-session';
// @ts-expect-error plain JS helper shared with the launcher
import { repoRoot } from '../support/workbench.mjs';

const shots = join(repoRoot, 'test-output', 'vscode');
const sigmaFixtures = join(repoRoot, 'test', 'fixtures', 'sigma');
const longCase = join(sigmaFixtures, 'cases', 'sigma_dpm_4step_long_prompt_200_tokens');

let workbench: Workbench | undefined;
let page: Page;

const view = (): FrameLocator => page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`) });

describe('PixArt-Σ in the workbench', { timeout: 5 * 60_000 }, () => {
  before(async () => {
    mkdirSync(shots, { recursive: true });
    const machine: Record<string, string> = { 'pixart.openvinoLibraryPath': env('PIXART_TEST_OPENVINO_LIB') };
    workbench = await openWorkbench({
      prefix: 'pixart-e2e-sigma-',
      user: { 'workbench.colorTheme': 'Default Dark Modern' },
      machine,
      prepare: async ({ sandbox }) => {
        machine['pixart.modelPath'] = join(sandbox, 'PixArt-Sigma-tiny');
        await buildModel({ from: join(sigmaFixtures, 'pixart-sigma-tiny-diffusers'), out: machine['pixart.modelPath'], weights: { text_encoder: 'f32', transformer: 'f32' }, source: { repo: 'fixtures/PixArt-Sigma-tiny' } });
      },
    });
    page = workbench.page;
  });

  after(async () => {
    await workbench?.close();
  });

  it('the form starts at Σ\'s defaults and counts a long prompt against 300 tokens', async () => {
    try {
      await page.getByRole('tab', { name: /^PixArt/ }).click();
      await until(() => view().locator('#model-line').innerText(), (t) => /ready on CPU/.test(t), 'the Σ model to be ready', 120_000);
      assert.match(await view().locator('#model-line').innerText(), /PixArt-Sigma-tiny · DPM\+\+ 2M · ready on CPU/);
      assert.equal(await view().locator('#steps').inputValue(), '20', 'PixArtSigmaPipeline\'s default steps');
      assert.equal(await view().locator('#guidanceScale').inputValue(), '4.5', 'PixArtSigmaPipeline\'s default guidance');

      const long = JSON.parse(readFileSync(join(longCase, 'case.json'), 'utf8')).prompt as string;
      const used = Array.from(readNpy(join(longCase, 'text_encoder_0_attention_mask.npy')).data, Number).reduce((a, b) => a + b, 0);
      assert.ok(used > 120 && used <= 300, `the case's prompt takes ${used} tokens`);
      await view().getByLabel('Prompt', { exact: true }).fill(long);
      await until(() => view().locator('#prompt-tokens').innerText(), (t) => t === `${used} / 300 tokens`, 'the count against 300');
      assert.equal(await view().locator('#prompt-tokens.warning').count(), 0, 'within the limit: no warning');
      await shot('sigma-01-300-token-counter');

      await view().getByLabel('Prompt', { exact: true }).fill(`${long} ${long}`);
      const over = await until(() => view().locator('#prompt-tokens').innerText(), (t) => /over the limit/.test(t), 'the warning past 300');
      assert.match(over, /^\d+ \/ 300 tokens — over the limit: words past token 300 are ignored\.$/);
      await shot('sigma-02-over-300-tokens');
    } catch (e) {
      await page?.screenshot({ path: join(shots, 'failed-sigma-token-counter.png') }).catch(() => undefined);
      throw e;
    }
  });
});
