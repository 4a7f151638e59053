// UI end-to-end: the packaged VSIX installed into code-server, driven through the workbench in
// headless chromium as a user would: the PixArt sidebar, the form, progress and previews, the
// gallery, insertion into Markdown, reuse of parameters, the command palette, bad input.
// Real extension host, worker and OpenVINO, tiny fixture model. Screenshots: test-output/vscode/.
// Run by test/vscode/run.mjs (npm run test:e2e), which packages the VSIX first.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Frame, FrameLocator, Page } from 'playwright-core';
import { env, openFile as openFileIn, quickOpen, until } from './helpers';
import { T5Tokenizer } from '../../../src/pipeline/tokenizer';
import { pixartLog } from './workbench-session';
// @ts-expect-error plain JS helper shared with the launcher
import { QUIET_WORKBENCH, installVsix, launchBrowser, makeSandbox, removeSandbox, repoRoot, startCodeServer, tools, workbenchUrl, writeSettings } from '../support/workbench.mjs';
// @ts-expect-error plain JS helper
import { watchMemory } from '../support/memory.mjs';

const shots = join(repoRoot, 'test-output', 'vscode');
const PROMPT = 'a red fox in the snow, watercolor';
let promptTokens = '';

let sandbox: string;
let workspace: string;
let server: { url: string; process: { pid: number }; stop(): Promise<void> };
let browser: BrowserContext;
let page: Page;
let memory: { stop(): { treeMb: number; extensionHostMb: number } };
const t0 = Date.now();

/** The generator webview: two nested iframes in the workbench. */
const view = (): FrameLocator => page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');

/** The webview's document as a Frame (to watch it with a MutationObserver). */
async function viewFrame(): Promise<Frame> {
  const outer = await (await page.locator('iframe.webview.ready').elementHandle())!.contentFrame();
  const inner = await (await outer!.locator('iframe#active-frame').elementHandle())!.contentFrame();
  return inner!;
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

/** The extension host process (its pid), found among code-server's children. */
function extensionHostPid(): number {
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=extensionHost') && readFileSync(`/proc/${pid}/environ`, 'utf8').includes(sandbox)) return Number(pid);
    } catch { /* gone */ }
  }
  throw new Error('no extension host process');
}

/** A test that leaves a screenshot behind when it fails (test-output/vscode/failed-*.png). */
function test(name: string, body: () => Promise<void>): void {
  it(name, async () => {
    try {
      await body();
    } catch (e) {
      await page?.screenshot({ path: join(shots, `failed-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`) }).catch(() => undefined);
      throw e;
    }
  });
}

async function runCommand(title: string): Promise<void> {
  await quickOpen(page, `>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().click();
}

/** Whether the command palette lists `title` now (its `when` clause holds), read while the palette is open. */
async function paletteOffers(title: string): Promise<boolean> {
  await quickOpen(page, `>${title}`);
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor();
  const offered = (await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).count()) > 0;
  await page.keyboard.press('Escape');
  return offered;
}

const openFile = (relPath: string) => openFileIn(page, relPath);

/** The text of the active editor, as shown. */
async function editorText(): Promise<string> {
  return (await page.locator('.editor-group-container.active .monaco-editor .view-lines').innerText()).replace(/\u00a0/g, ' ');
}

describe('PixArt Studio UI in the workbench', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    mkdirSync(shots, { recursive: true });
    const t = tools();
    sandbox = makeSandbox('pixart-e2e-');
    workspace = join(sandbox, 'workspace');
    cpSync(join(repoRoot, 'test', 'vscode', 'fixtures', 'workspace'), workspace, { recursive: true });
    installVsix(t, sandbox, env('PIXART_TEST_VSIX'));
    writeSettings(
      sandbox,
      { ...QUIET_WORKBENCH, 'workbench.colorTheme': 'Default Dark Modern' },
      { 'pixart.modelPath': env('PIXART_TEST_MODEL'), 'pixart.openvinoLibraryPath': env('PIXART_TEST_OPENVINO_LIB') },
    );
    memory = watchMemory(process.pid);
    server = await startCodeServer(t, sandbox, { log: (l: string) => process.env.PIXART_VSCODE_VERBOSE && console.log(`code-server: ${l}`) });
    browser = await launchBrowser(t, sandbox);
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
    await page.goto(workbenchUrl(server, workspace));
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (memory) {
      const peak = memory.stop();
      console.log(`e2e cold run (code-server start → UI flows → shutdown): ${((Date.now() - t0) / 1000).toFixed(1)} s; peak memory ${peak.treeMb} MB (code-server + extension host + chromium, PSS), extension host ${peak.extensionHostMb} MB (RSS)`);
    }
    // The extension's own log (PixArt output channel): load and job timings, the event-loop stall.
    console.log(`--- PixArt.log\n${pixartLog(sandbox)}`);
    if (sandbox) removeSandbox(sandbox);
  });

  test('opens the PixArt sidebar from the activity bar, with the model loaded', async () => {
    await page.getByRole('tab', { name: /^PixArt/ }).click();
    await until(() => view().locator('#model-line').innerText(), (t) => /ready on CPU/.test(t), 'the model to be ready');
    assert.match(await view().locator('#model-line').innerText(), /pixart-tiny · LCM · ready on CPU/);
    assert.equal(await view().locator('#steps').inputValue(), '4', 'LCM model default: 4 steps');
    assert.equal(await view().locator('#guidanceScale').inputValue(), '0', 'LCM model default: no guidance');
    await shot('01-sidebar');
  });

  test('generates from the form, showing progress and previews, then the image in the gallery', async () => {
    await view().getByLabel('Prompt', { exact: true }).fill(PROMPT);
    await view().getByLabel('Seed', { exact: true }).fill('1234');
    await view().getByLabel('Steps', { exact: true }).fill('40');
    // The live T5 token counter (counted by the worker's tokenizer).
    // Against the tokenizer's own count: the line shows the last reply, which can be an earlier text's for a moment.
    promptTokens = `${T5Tokenizer.fromFolder(join(env('PIXART_TEST_MODEL'), 'tokenizer')).count(PROMPT)} / 120 tokens`;
    await until(() => view().locator('#prompt-tokens').innerText(), (t) => t === promptTokens, 'the token count');
    // Record what the view shows while the job runs; pause the extension host (so the worker and the
    // messages stop) at the first step with a preview, long enough for a screenshot. (That pause is
    // why this job's logged event-loop delay is ~0.4 s; the palette job below shows the real one.)
    const frame = await viewFrame();
    let paused = false;
    let pid = 0;
    await page.exposeFunction('pixartPauseForScreenshot', () => {
      if (paused) return;
      paused = true;
      pid = extensionHostPid();
      process.kill(pid, 'SIGSTOP');
    }).catch(() => undefined);
    await frame.evaluate(() => {
      const seen = { progress: [] as string[], previews: 0 };
      (window as unknown as { seen: typeof seen }).seen = seen;
      new MutationObserver(() => {
        const text = document.querySelector('section.progress:not([hidden]) p.hint')?.textContent ?? '';
        if (text && text !== seen.progress[seen.progress.length - 1]) seen.progress.push(text);
        const canvas = document.querySelector('.previews:not([hidden]) canvas');
        if (canvas) seen.previews++;
        if (canvas && /^Step \d+\/40/.test(text)) (window as unknown as { pixartPauseForScreenshot?: () => void }).pixartPauseForScreenshot?.();
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await view().getByRole('button', { name: 'Generate', exact: true }).click();
    await until(async () => paused, (p) => p, 'a step with a preview');
    await new Promise((r) => setTimeout(r, 300)); // let the frozen state paint
    await shot('02-generating');
    // The palette offers Cancel Generation while a job runs (the pixart.running context key, set as it was queued).
    const offeredWhileRunning = await paletteOffers('PixArt: Cancel Generation');
    process.kill(pid, 'SIGCONT');
    await until(() => view().locator('p.result').innerText(), (t) => /^1 image saved in /.test(t), 'the job to finish');
    assert.equal(offeredWhileRunning, true, 'Cancel Generation is in the palette while a job runs');
    assert.equal(await paletteOffers('PixArt: Cancel Generation'), false, 'and not when nothing runs');
    const seen = await frame.evaluate(() => (window as unknown as { seen: { progress: string[]; previews: number } }).seen);
    assert.ok(seen.progress.some((p) => /^Step \d+\/40 · .* elapsed/.test(p)), `progress shown: ${seen.progress.join(' | ')}`);
    assert.ok(seen.previews > 0, 'a live preview was shown');
    assert.match(await view().locator('p.result').innerText(), /seed 1234/);
    const first = view().locator('ul.gallery > li').first();
    await first.waitFor();
    assert.match(await first.locator('p.caption').innerText(), /red fox in the snow/);
    assert.match(await first.locator('p.meta').innerText(), /seed 1234 · 128×128 · 40 steps/);
    assert.ok(await first.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth === 128), 'the thumbnail loads');
    await shot('03-gallery');
  });

  test('inserts the image into a Markdown file at the cursor', async () => {
    await openFile('docs/notes.md');
    await quickOpen(page, ':4'); // go to line 4, the empty line after "A picture of the garden:"
    await page.keyboard.press('Enter');
    await view().locator('ul.gallery > li').first().getByRole('button', { name: /^Insert at the cursor/ }).click();
    await until(editorText, (t) => t.includes('![a red fox in the snow, watercolor](../assets/generated/'), 'the image link in the editor');
    await shot('04-inserted');
    // Saved as the user would, the file has the link on line 4, relative to docs/.
    await page.keyboard.press('Control+S');
    const file = join(workspace, 'docs', 'notes.md');
    const lines = (await until(() => readFileSync(file, 'utf8'), (t) => t.includes('!['), 'notes.md to be saved')).split('\n');
    assert.equal(lines[2], 'A picture of the garden:');
    assert.match(lines[3], /^!\[a red fox in the snow, watercolor\]\(\.\.\/assets\/generated\/\d{4}-\d\d-\d\d-\d{6}-seed1234-red-fox-in-snow-watercolor\.png\)$/);
    assert.ok(existsSync(join(workspace, 'docs', decodeURIComponent(lines[3].slice(lines[3].indexOf('](') + 2, -1)))), 'the link resolves');
  });

  test('puts an image\'s parameters back into the form', async () => {
    await view().getByLabel('Prompt', { exact: true }).fill('something else');
    await view().getByLabel('Seed', { exact: true }).fill('');
    await view().getByLabel('Steps', { exact: true }).fill('2');
    await view().locator('ul.gallery > li').first().getByRole('button', { name: /^Put its parameters into the form/ }).click();
    await until(() => view().getByLabel('Prompt', { exact: true }).inputValue(), (v) => v === PROMPT, 'the prompt to come back');
    assert.equal(await view().getByLabel('Seed', { exact: true }).inputValue(), '1234');
    assert.equal(await view().getByLabel('Steps', { exact: true }).inputValue(), '40');
    await until(() => view().locator('#prompt-tokens').innerText(), (t) => t === promptTokens, 'the token count of the reused prompt');
    await shot('05-reused');
  });

  test('shows a visible message for bad input', async () => {
    await view().getByLabel('Prompt', { exact: true }).fill('');
    await view().getByLabel('Steps', { exact: true }).fill('0');
    await view().getByLabel('Seed', { exact: true }).fill('abc');
    await view().getByRole('button', { name: 'Generate', exact: true }).click();
    await until(() => view().locator('#prompt-error').innerText(), (t) => t === 'Enter a prompt.', 'the prompt error');
    assert.match(await view().locator('#steps-error').innerText(), /Steps must be a whole number from 1 to/);
    assert.match(await view().locator('#seed-error').innerText(), /The seed must be a whole number/);
    for (const id of ['#prompt-error', '#steps-error', '#seed-error']) assert.ok(await view().locator(id).isVisible(), `${id} visible`);
    await shot('06-bad-input');
    await view().getByLabel('Prompt', { exact: true }).fill(PROMPT);
    await view().getByLabel('Steps', { exact: true }).fill('4');
    await view().getByLabel('Seed', { exact: true }).fill('');
  });

  test('generates from the command palette with PixArt: Generate Image', async () => {
    await openFile('README.md');
    await runCommand('PixArt: Generate Image');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill('a lighthouse at dusk');
    await shot('07-palette-prompt');
    await page.keyboard.press('Enter');
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'PixArt: saved' });
    await toast.waitFor({ timeout: 60_000 });
    assert.match(await toast.innerText(), /lighthouse-at-dusk\.png \(seed \d+\)/);
    // The cancellable progress notification closes when the job is done.
    await until(() => page.locator('.notification-toast', { hasText: 'PixArt: step' }).count(), (n) => n === 0, 'the progress notification to close');
    await shot('08-palette-done');
    await toast.getByRole('button', { name: 'Insert at Cursor' }).click();
    await until(editorText, (t) => t.includes('![a lighthouse at dusk](assets/generated/'), 'the palette image inserted into README.md');
    assert.equal(readdirSync(join(workspace, 'assets', 'generated')).filter((f) => f.endsWith('.png')).length, 2);
    // The palette's prompt is in the prompt history, as the form's are.
    await runCommand('PixArt: Prompt History…');
    await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'a lighthouse at dusk' }).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('Escape');
  });

  test('turns Generate off, saying why, while the model cannot load, and on again when it loads', async () => {
    const broken = join(sandbox, 'model-that-fails');
    cpSync(env('PIXART_TEST_MODEL'), broken, { recursive: true });
    writeFileSync(join(broken, 'transformer', 'openvino_model.xml'), 'this is not an OpenVINO IR\n');
    const machine = (modelPath: string) => writeSettings(sandbox, { ...QUIET_WORKBENCH, 'workbench.colorTheme': 'Default Dark Modern' }, { 'pixart.modelPath': modelPath, 'pixart.openvinoLibraryPath': env('PIXART_TEST_OPENVINO_LIB') });
    const generate = view().getByRole('button', { name: 'Generate', exact: true });
    machine(broken);
    await until(() => view().locator('#model-error').innerText(), (t) => /transformer/.test(t), 'the load error');
    await until(() => generate.isDisabled(), (d) => d, 'Generate to be off');
    assert.match(await view().locator('#generate-blocked').innerText(), /^Generate is off until the model loads/);
    assert.equal(await generate.getAttribute('aria-describedby'), 'generate-blocked', 'the reason is the button\'s description');
    assert.ok(await view().getByRole('button', { name: 'Reload Model' }).isVisible(), 'Reload Model is offered');
    await shot('09-model-error');
    machine(env('PIXART_TEST_MODEL'));
    await until(() => view().locator('#model-line').innerText(), (t) => /ready on CPU/.test(t), 'the good model to load');
    assert.equal(await generate.isDisabled(), false, 'Generate is on again');
    assert.equal(await view().locator('#generate-blocked').isHidden(), true);
  });
});
