// The sidebar form in the workbench as a user meets it: its accessibility tree against a checked-in
// ARIA snapshot, a style from the workspace settings applied to a batch of two (seeds 7 and 8,
// grouped in the gallery), Re-run with Next Seed, the prompt history (its button, the palette
// command, Alt+Up), and the layout in the dark, light and High Contrast themes at sidebar widths of
// 170 px (VS Code's narrowest) and 600 px. Real extension host, worker and OpenVINO, tiny model.
// Screenshots: test-output/vscode/sidebar-*.png. PIXART_UPDATE_ARIA=1 rewrites the snapshot.

import { after, before, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { itWithShot, openWorkbench, type Workbench } from './workbench-session';
import { env, quickOpen, until } from './helpers';
import { readFileParameters } from '../../../src/image/read-metadata';
import { writeSlowModelFolder } from '../../support/slow-models';
// @ts-expect-error plain JS helper shared with the launcher
import { QUIET_WORKBENCH, repoRoot, writeSettings } from '../support/workbench.mjs';

const shots = join(repoRoot, 'test-output', 'vscode');
const ARIA_FILE = join(repoRoot, 'test', 'vscode', 'e2e', 'expected', 'sidebar.aria.yml');
const PROMPT = 'a fox in the snow';
const STYLES = [
  { name: 'Ink', prompt: 'ink drawing of {prompt}', negativePrompt: '{prompt}, colour' },
  { prompt: '{prompt}, oil painting' }, // no name: left out, and the form says why
];
const THEMES = [
  // `theme`: the setting's id; `label`: its name in Preferences: Color Theme.
  { id: 'dark', theme: 'Default Dark Modern', label: 'Dark Modern', body: 'vscode-dark' },
  { id: 'light', theme: 'Default Light Modern', label: 'Light Modern', body: 'vscode-light' },
  { id: 'hc', theme: 'Default High Contrast', label: 'Dark High Contrast', body: 'vscode-high-contrast' },
];

let sandbox: string;
let workspace: string;
let workbench: Workbench | undefined;
let page: Page;

const view = (): FrameLocator => page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
const shot = (name: string) => page.locator('.part.sidebar').screenshot({ path: join(shots, `sidebar-${name}.png`) });
const generated = () => join(workspace, 'assets', 'generated');
const pngs = () => readdirSync(generated()).filter((f) => f.endsWith('.png'));

function userSettings(theme: string, modelPath = env('PIXART_TEST_MODEL')): void {
  writeSettings(sandbox, { ...QUIET_WORKBENCH, 'workbench.colorTheme': theme }, { 'pixart.modelPath': modelPath, 'pixart.openvinoLibraryPath': env('PIXART_TEST_OPENVINO_LIB') });
}

/** Drags the sidebar's sash until the sidebar is `width` px wide (VS Code stops at 170); returns the webview's width. */
async function sidebarWidth(width: number): Promise<number> {
  const box = (await page.locator('.part.sidebar').boundingBox())!;
  const edge = box.x + box.width;
  // The sash of the sidebar's right edge: the vertical one nearest to it.
  const sashes = await page.locator('.monaco-sash.vertical').evaluateAll((els) => els.map((e) => { const r = e.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2, h: r.height }; }));
  const sash = sashes.filter((s) => s.h > 100).sort((a, b) => Math.abs(a.x - edge) - Math.abs(b.x - edge))[0];
  if (!sash || Math.abs(sash.x - edge) > 6) throw new Error(`no sash at the sidebar's edge (${edge}): ${JSON.stringify(sashes)}`);
  const hit = await page.evaluate(([x, y]) => { const e = document.elementFromPoint(x, y); return `${e?.tagName}.${e?.className}`; }, [sash.x, sash.y]);
  if (process.env.PIXART_DEBUG_SASH) console.log(`sash ${JSON.stringify(sash)} edge ${edge} hit ${hit} all ${JSON.stringify(sashes)}`);
  await page.mouse.move(sash.x, sash.y);
  await page.mouse.down();
  await page.mouse.move(sash.x + (box.x + width - edge), sash.y, { steps: 10 });
  await page.mouse.up();
  await page.mouse.move(box.x + width + 300, sash.y); // off the sash: no hover line in the picture
  await new Promise((r) => setTimeout(r, 400));
  return (await page.locator('iframe.webview.ready').boundingBox())!.width;
}

/** The accessibility tree, with what differs between machines (the OpenVINO version) named instead. */
async function ariaTree(): Promise<string> {
  const tree = await view().locator('body').ariaSnapshot();
  return `${tree.replace(/ · OpenVINO [^"\n]*/g, ' · OpenVINO <version>')}\n`;
}

const test = itWithShot('sidebar', () => page, () => sandbox);

describe('PixArt sidebar: layout, themes, accessibility, styles, batches and history', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    mkdirSync(shots, { recursive: true });
    workbench = await openWorkbench({
      prefix: 'pixart-sidebar-',
      user: { 'workbench.colorTheme': THEMES[0].theme },
      machine: { 'pixart.modelPath': env('PIXART_TEST_MODEL'), 'pixart.openvinoLibraryPath': env('PIXART_TEST_OPENVINO_LIB') },
      viewport: { width: 1400, height: 1300 },
      // The team's styles, shared in the workspace's settings.
      prepare: ({ workspace: w }) => {
        mkdirSync(join(w, '.vscode'), { recursive: true });
        writeFileSync(join(w, '.vscode', 'settings.json'), JSON.stringify({ 'pixart.styles': STYLES }, null, 2));
      },
    });
    ({ sandbox, workspace, page } = workbench);
    await page.getByRole('tab', { name: /^PixArt/ }).click();
    await until(() => view().locator('#model-line').innerText(), (t) => /ready on CPU/.test(t), 'the model to be ready', 120_000);
    await until(() => view().locator('#style option').count(), (n) => n === 2, 'the styles from the workspace settings');
  });

  after(async () => {
    await workbench?.close();
  });

  test('the accessibility tree matches the checked-in snapshot, with nothing hidden in it', async () => {
    await sidebarWidth(600);
    await until(() => view().locator('#prompt-tokens').innerText(), (t) => t === 'Up to 120 tokens.', 'the token line');
    const tree = await ariaTree();
    assert.doesNotMatch(tree, /Live preview/, 'the empty preview is not exposed');
    assert.doesNotMatch(tree, /img(?! ")/, 'every image has a name');
    assert.doesNotMatch(tree, /button(?! ")/, 'every button has a name');
    assert.match(tree, /combobox "Size"/);
    if (process.env.PIXART_UPDATE_ARIA) {
      mkdirSync(join(ARIA_FILE, '..'), { recursive: true });
      writeFileSync(ARIA_FILE, tree);
    }
    assert.equal(tree, readFileSync(ARIA_FILE, 'utf8'), `the sidebar's ARIA snapshot changed (PIXART_UPDATE_ARIA=1 rewrites ${ARIA_FILE})`);
    // The disabled Size select (the tiny model has one size) says why, to screen readers too.
    const size = view().locator('#width');
    if (await size.isDisabled()) assert.match(await size.getAttribute('aria-describedby') ?? '', /size-hint/);
    assert.match(await view().locator('#style-problems').innerText(), /^1 style is left out: pixart\.styles\[1\] has no "name"/);
  });

  test('a style applied to a batch of two: seeds 7 and 8, the styled prompt in the files, grouped in the gallery', async () => {
    await view().getByLabel('Prompt', { exact: true }).fill(PROMPT);
    await view().getByLabel('Seed', { exact: true }).fill('7');
    await view().getByLabel('Style', { exact: true }).selectOption('Ink');
    await view().getByLabel('Batches', { exact: true }).selectOption('2');
    assert.equal(await view().locator('#batches-hint').innerText(), '2 jobs in a row, seeds 7, 8');
    assert.match(await view().locator('#style-hint').innerText(), /^Prompt: ink drawing of \{prompt\}/);
    await view().locator('body').evaluate(() => {
      const names: string[] = [];
      (window as unknown as { jobNames: string[] }).jobNames = names;
      new MutationObserver(() => {
        const t = document.getElementById('job-name')?.textContent ?? '';
        if (t && names[names.length - 1] !== t) names.push(t);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await view().getByRole('button', { name: 'Generate', exact: true }).click();
    await until(() => pngs().length, (n) => n === 2, 'two images', 120_000);
    const batch = view().locator('ul.gallery > li.batch');
    await until(() => batch.locator('li.tile').count(), (n) => n === 2, 'the batch grouped in the gallery');
    assert.equal(await batch.locator('p.batch-caption').innerText(), `2 images · ink drawing of ${PROMPT}`);
    assert.deepEqual((await batch.locator('p.meta').allInnerTexts()).map((t) => t.split(' · ')[0]), ['seed 8', 'seed 7']);
    for (const f of pngs()) assert.equal((await readFileParameters(join(generated(), f)))?.parameters.prompt, `ink drawing of ${PROMPT}`, `${f} holds the prompt as it ran`);
    const names = await view().locator('body').evaluate(() => (window as unknown as { jobNames: string[] }).jobNames);
    assert.ok(names.includes(`“${PROMPT}” · 1 of 2`) && names.includes(`“${PROMPT}” · 2 of 2`), `the progress named the job: ${names.join(' | ')}`);
    await until(() => view().locator('p.result').innerText(), (t) => t.startsWith('1 image saved') && t.endsWith('seed 8'), 'the result line');
    await shot('batch-style-600');
  });

  test('Re-run with next seed runs the last job again with seed 9', async () => {
    await view().getByRole('button', { name: 'Re-run with next seed' }).click();
    await until(() => pngs().length, (n) => n === 3, 'the third image', 120_000);
    await until(() => view().locator('ul.gallery p.meta').first().innerText(), (t) => t.startsWith('seed 9'), 'seed 9 first in the gallery');
  });

  test('the prompt history: its button opens a quick pick that fills the form; the palette command; Alt+Up', async () => {
    await view().getByLabel('Prompt', { exact: true }).fill('something else');
    await view().getByRole('button', { name: /^Prompt history/ }).click();
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: PROMPT });
    await row.first().waitFor();
    await page.screenshot({ path: join(shots, 'sidebar-history-pick.png') });
    await row.first().click();
    await until(() => view().getByLabel('Prompt', { exact: true }).inputValue(), (v) => v === PROMPT, 'the picked prompt in the form');
    await quickOpen(page, '>PixArt: Prompt History');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Prompt History' }).first().click();
    await row.first().waitFor();
    await page.keyboard.press('Escape');
    const prompt = view().getByLabel('Prompt', { exact: true });
    await prompt.fill('draft');
    await prompt.press('Alt+ArrowUp');
    assert.equal(await prompt.inputValue(), PROMPT);
    await prompt.press('Alt+ArrowDown');
    assert.equal(await prompt.inputValue(), 'draft');
  });

  test('themes and widths: nothing overflows at 170 px, the form keeps its width at 600 px, an invalid field shows in High Contrast', async () => {
    for (const t of THEMES) {
      await colorTheme(t.label);
      await until(() => view().locator('body').getAttribute('class'), (c) => (c ?? '').includes(t.body), `the ${t.id} theme in the webview`);
      for (const width of [170, 600]) {
        const got = await sidebarWidth(width);
        if (width === 170) {
          assert.ok(got <= 180, `the sidebar at its narrowest: ${got} px`);
          const fit = await view().locator('body').evaluate(() => {
            const right = document.body.clientWidth;
            const over = Array.from(document.querySelectorAll('button, select, input, textarea')).filter((e) => (e as HTMLElement).offsetParent && e.getBoundingClientRect().right > right + 0.5).map((e) => e.id || e.getAttribute('aria-label') || e.textContent);
            return { over, scroll: document.documentElement.scrollWidth - document.documentElement.clientWidth };
          });
          assert.deepEqual(fit, { over: [], scroll: 0 }, `at ${got} px every control fits`);
        } else {
          assert.ok(got >= 590, `the sidebar at 600 px: ${got}`);
          assert.ok((await view().locator('form').boundingBox())!.width <= 640, 'the form keeps a readable width');
          for (const w of await view().locator('ul.gallery li.tile').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width))) assert.ok(w <= 240, `a tile is ${w} px wide`);
        }
        if (t.id === 'hc' && width === 600) await invalidSteps();
        await shot(`${t.id}-${width}`);
      }
    }
    // Windows' contrast themes (forced colours) replace the theme's colours: the invalid field keeps its dashed outline.
    await page.emulateMedia({ forcedColors: 'active' });
    assert.equal(await view().locator('#steps').evaluate((e) => getComputedStyle(e).outlineStyle), 'dashed');
    await shot('forced-colors-600');
    await page.emulateMedia({ forcedColors: 'none' });
  });

  test('a running batch names its job and "n of 10"; cancelling a queued job says so on its own status line, which the rest do not overwrite', async () => {
    // The tiny model runs a job in 0.1 s, before a click could reach the queue: a copy whose steps
    // take about a second (test/support/slow-models.ts).
    userSettings(THEMES[0].theme, writeSlowModelFolder(env('PIXART_TEST_MODEL'), join(sandbox, 'slow-model'), { vaeProducts: 50 }));
    await until(() => view().locator('#model-line').innerText(), (t) => /slow-model.*ready on CPU/.test(t), 'the slow model to be ready', 120_000);
    const before = pngs().length;
    await view().getByLabel('Steps', { exact: true }).fill('2');
    await view().getByLabel('Prompt', { exact: true }).fill('a lighthouse');
    await view().getByLabel('Seed', { exact: true }).fill('100');
    await view().getByLabel('Style', { exact: true }).selectOption('');
    await view().getByLabel('Batches', { exact: true }).selectOption('10');
    await view().getByRole('button', { name: 'Generate', exact: true }).click();
    // The last of the ten, while the first ones run.
    const last = view().getByRole('button', { name: /^Cancel queued job \d+: “a lighthouse” · 10 of 10$/ });
    await last.waitFor();
    assert.match(await view().locator('#job-name').innerText(), /^“a lighthouse” · [1-8] of 10$/);
    await shot('queue-600');
    await last.click();
    await until(() => last.count(), (n) => n === 0, 'the cancelled job to leave the queue', 10_000);
    await until(() => pngs().length, (n) => n === before + 9, 'the nine jobs left', 180_000);
    const note = view().getByRole('status').filter({ hasText: /^Cancelled queued job/ });
    assert.equal(await note.innerText(), 'Cancelled queued job: “a lighthouse” · 10 of 10.', 'said, and still shown after the nine ran');
    await until(() => view().locator('ul.gallery p.meta').first().innerText().then((t) => t.split(' · ')[0]), (t) => t === 'seed 108', 'the ninth job (seed 100 + 8) first in the gallery');
    assert.deepEqual(pngs().filter((f) => f.includes('seed109')), [], 'the cancelled tenth (seed 109) wrote nothing');
    await shot('queue-cancelled-600');
  });
});

/** Preferences: Color Theme, as a user picks one. */
async function colorTheme(name: string): Promise<void> {
  await quickOpen(page, '>Preferences: Color Theme');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Preferences: Color Theme' }).first().click();
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Dark Modern' }).first().waitFor();
  await page.keyboard.type(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** Steps 0 → Generate: the error under Steps does not move Guidance, and the field looks invalid (a dashed outline, kept by HC). */
async function invalidSteps(): Promise<void> {
  const guidanceTop = async () => (await view().locator('#guidanceScale').boundingBox())!.y;
  const before = await guidanceTop();
  await view().getByLabel('Steps', { exact: true }).fill('0');
  await view().getByRole('button', { name: 'Generate', exact: true }).click();
  await until(() => view().locator('#steps-error').innerText(), (t) => /Steps must be/.test(t), 'the steps error');
  assert.equal(await guidanceTop(), before, 'Guidance stays where it was');
  assert.equal(await view().locator('#steps').evaluate((e) => getComputedStyle(e).outlineStyle), 'dashed');
}
