// Studio end-to-end (issue 14): a workspace whose output folder holds 5,000 images (40 single
// images, then 1,240 runs of 4 images per prompt). PixArt: Open Studio shows them all in a
// virtualised history (a screenful of tiles in the DOM), grouped by run; search, keyboard
// navigation, compare and favourites; the studio's ARIA snapshot against the checked-in
// expectation; a sidebar thumbnail opening in the studio; the Markdown hover on an image link and
// its Open in Studio link; screenshots in dark, light and High Contrast. Real code-server, VSIX,
// chromium, keyboard and mouse.

import { after, before, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { encodePng } from '../../../src/image/png';
import { toParameters } from '../../../src/image/parameters';
import { env, openFile, quickOpen, until } from './helpers';
import { itWithShot, openWorkbench, type Workbench } from './workbench-session';
// @ts-expect-error plain JS helper shared with the launcher
import { repoRoot } from '../support/workbench.mjs';

const COUNT = 5000;
const SINGLES = 40; // the newest 40 stand alone; the rest are runs of 4
const RUNS = (COUNT - SINGLES) / 4;
const shots = join(repoRoot, 'test-output', 'vscode');
const expectedAria = join(repoRoot, 'test', 'vscode', 'e2e', 'expected', 'studio.aria.yml');
const name = (n: number) => `img-${String(n).padStart(4, '0')}.png`;
/** Image n's prompt: singles "picture n of a harbour at dawn", runs "forest r in fog" (r = n / 4). */
const prompt = (n: number) => (n >= COUNT - SINGLES ? `picture ${n} of a harbour at dawn` : `forest ${Math.floor(n / 4)} in fog`);
/** A fixed clock (2026-01-01 UTC, a minute apart), so the snapshot's dates are the same every run. */
const T0 = Date.UTC(2026, 0, 1) / 1000;

let workbench: Workbench | undefined;
let page: Page;

function writeImages(folder: string): void {
  mkdirSync(folder, { recursive: true });
  for (let n = 0; n < COUNT; n++) {
    const run = n < COUNT - SINGLES;
    const rgb = new Uint8Array(16 * 16 * 3).map((_, i) => (i % 3 === 0 ? n % 256 : i % 3 === 1 ? (n * 7) % 256 : 128));
    const extra: Record<string, string> = run ? { 'Batch size': '4', 'Batch pos': String(n % 4), Version: 'PixArt Studio' } : { Version: 'PixArt Studio' };
    const text = toParameters({ prompt: prompt(n), negativePrompt: run ? 'blurry' : '', seed: String(run ? 1000 + Math.floor(n / 4) : n), steps: 4, sampler: 'LCM', guidanceScale: 0, width: 16, height: 16, model: 'pixart-tiny', extra });
    const file = join(folder, name(n));
    writeFileSync(file, encodePng(rgb, 16, 16, { parameters: text }));
    utimesSync(file, T0 + n * 60, T0 + n * 60);
  }
}

/** The studio's webview document (the one whose heading says PixArt Studio). */
async function studio(): Promise<Frame> {
  return until(
    async () => {
      for (const f of page.frames()) if (await f.locator('#app > header h1', { hasText: 'PixArt Studio' }).count().catch(() => 0)) return f;
      return undefined;
    },
    (f) => f !== undefined,
    'the studio webview',
  ) as Promise<Frame>;
}

/** The history's tiles (not the Sort list's options). */
const tilesIn = (f: Frame) => f.getByRole('listbox', { name: 'Image history' }).getByRole('option');
const caption = async () => (await studio()).locator('.viewer .side h2.caption').innerText();
const countLine = async () => (await studio()).locator('#count').innerText();

async function shot(label: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 300)); // let the last change paint
  await page.screenshot({ path: join(shots, `studio-${label}.png`) });
}

const test = itWithShot('studio', () => page, () => workbench?.sandbox);

/** The theme picker's label of each theme, and the class the workbench then wears. */
const THEMES = { dark: ['Dark Modern', 'vs-dark'], light: ['Light Modern', 'vs'], 'high-contrast': ['Dark High Contrast', 'hc-black'] } as const;
/** Picks a colour theme as a user does (Preferences: Color Theme) and waits for the workbench to wear it. */
async function setTheme(theme: keyof typeof THEMES): Promise<void> {
  const [label, cls] = THEMES[theme];
  await runCommand('Preferences: Color Theme');
  await page.keyboard.type(label);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator(`.monaco-workbench.${cls}`).waitFor({ timeout: 20_000 });
}

/** Runs a palette command; the palette is opened again while the extension's commands are not listed yet (the workbench still starting). */
async function runCommand(title: string): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await until(
    async () => {
      await quickOpen(page, `>${title}`);
      if (await row.waitFor({ timeout: 3000 }).then(() => true, () => false)) return true;
      await page.keyboard.press('Escape');
      return false;
    },
    (found) => found,
    `${title} in the palette`,
    60_000,
  );
  await row.click();
}

describe(`PixArt Studio with ${COUNT} images`, { timeout: 8 * 60_000 }, () => {
  before(async () => {
    mkdirSync(shots, { recursive: true });
    workbench = await openWorkbench({
      prefix: 'pixart-e2e-studio-',
      user: { 'workbench.colorTheme': 'Default Dark Modern' },
      machine: { 'pixart.modelPath': env('PIXART_TEST_MODEL'), 'pixart.openvinoLibraryPath': env('PIXART_TEST_OPENVINO_LIB') },
      prepare: ({ workspace: w }) => {
        writeImages(join(w, 'assets', 'generated'));
        writeFileSync(join(w, 'docs', 'studio.md'), `![the newest harbour](../assets/generated/${name(COUNT - 1)})\n\nSome text.\n`);
      },
    });
    ({ page } = workbench);
  });

  after(async () => {
    await workbench?.close();
  });

  test('opens from the palette with every image, a screenful of them in the DOM, runs grouped', async () => {
    const t0 = Date.now();
    await runCommand('PixArt: Open Studio');
    await until(countLine, (t) => t.startsWith(`${COUNT} images in assets/generated`), 'the count line', 60_000);
    const listedMs = Date.now() - t0;
    await until(countLine, (t) => t === `${COUNT} images in assets/generated · ${RUNS} runs`, 'every run found (all parameters read)', 120_000);
    const readMs = Date.now() - t0;
    const f = await studio();
    assert.equal(await caption(), prompt(COUNT - 1), 'the newest image large');
    const options = await tilesIn(f).count();
    console.log(`studio of ${COUNT}: listed in ${listedMs} ms, every parameter read and the runs found in ${readMs} ms; ${options} tiles in the DOM`);
    assert.ok(options > 0 && options < 120, `${options} tiles in the DOM`);
    // Scroll to the middle: new rows in, old ones out, still a screenful.
    const t1 = Date.now();
    await f.locator('.grid').evaluate((g) => (g.scrollTop = g.scrollHeight / 2));
    await until(async () => f.locator('.run-header').first().innerText(), (t) => /^4 images · seed \d+ · forest \d+ in fog$/.test(t), 'a run header in the middle');
    console.log(`studio of ${COUNT}: scrolled to the middle and drawn in ${Date.now() - t1} ms`);
    assert.ok((await tilesIn(f).count()) < 120);
    await shot('01-history-dark');
    await f.locator('.grid').evaluate((g) => (g.scrollTop = 0));
  });

  test('ARIA snapshot: every control with a role and a name, the hidden run headers absent', async () => {
    const f = await studio();
    const snapshot = (await f.locator('#app').ariaSnapshot()).replace(/(- definition: )\d{1,2}\/\d{1,2}\/\d{4}, [\d:]+ [AP]M/g, '$1<date>');
    for (const line of snapshot.split('\n')) {
      const m = /^\s*- (button|checkbox|searchbox|textbox|combobox|option|listbox|toolbar|search|region|img)\b(.*)$/.exec(line);
      if (m) assert.match(m[2], /^ "[^"]+"|^ \/.+\//, `a ${m[1]} without a name: ${line}`);
    }
    assert.ok(!snapshot.includes('images · seed'), 'the run headers (aria-hidden) are not exposed');
    // PIXART_UPDATE_ARIA=1 writes the expectation anew (then read it, and commit it); a missing one is written and fails.
    if (process.env.PIXART_UPDATE_ARIA || !existsSync(expectedAria)) {
      const missing = !existsSync(expectedAria);
      writeFileSync(expectedAria, `${snapshot}\n`);
      if (missing) assert.fail(`wrote ${expectedAria}: check it, then commit it`);
      console.log(`studio: wrote ${expectedAria}`);
    }
    assert.equal(snapshot, readFileSync(expectedAria, 'utf8').trimEnd());
  });

  test('search by prompt narrows the history; clearing it brings every image back', async () => {
    const f = await studio();
    await f.getByRole('searchbox', { name: 'Search prompts' }).fill('FOREST 1239');
    await until(countLine, (t) => t === `4 of ${COUNT} images in assets/generated · 1 run`, 'one run found');
    assert.deepEqual(await tilesIn(f).evaluateAll((o) => o.map((x) => x.getAttribute('aria-label'))), [3, 2, 1, 0].map((k) => `forest 1239 in fog, seed 2239, image ${4 - k} of 4 in one run`));
    await shot('02-search-dark');
    await f.getByRole('searchbox', { name: 'Search prompts' }).fill('');
    await until(countLine, (t) => t.startsWith(`${COUNT} images`), 'everything back');
  });

  test('keyboard: arrows move through the grid by tile and by row, Enter shows the image, End reaches the oldest', async () => {
    const f = await studio();
    await tilesIn(f).first().click();
    const active = () => f.locator('.grid').evaluate((g) => Number(document.getElementById(g.getAttribute('aria-activedescendant') ?? '')?.getAttribute('aria-posinset')));
    const columns = await f.locator('.row.tiles').first().locator('[role=option]').count();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await active(), 3);
    await page.keyboard.press('ArrowDown');
    assert.equal(await active(), 3 + columns);
    await page.keyboard.press('Enter');
    await until(caption, (c) => c === prompt(COUNT - (3 + columns)), 'the image under the cursor, large');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await until(caption, (c) => c === prompt(0), 'the oldest image');
    assert.equal(await active(), COUNT);
    await shot('03-keyboard-end-dark');
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    await until(caption, (c) => c === prompt(COUNT - 1), 'back to the newest');
  });

  test('compare: two images side by side, what differs marked; Escape leaves', async () => {
    const f = await studio();
    await f.getByRole('button', { name: 'Compare…' }).click();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await f.getByRole('figure', { name: `Right: ${name(COUNT - 2)}` }).waitFor();
    assert.ok(await f.getByRole('figure', { name: `Left: ${name(COUNT - 1)}` }).isVisible());
    assert.equal(await f.locator('.panes dt.differs').count(), 4, 'prompt and seed differ, on either side');
    await shot('04-compare-dark');
    await page.keyboard.press('Escape');
    await until(caption, (c) => c === prompt(COUNT - 1), 'one image again');
  });

  test('favourites: marked, filtered to, and kept for the workspace', async () => {
    const f = await studio();
    await f.getByRole('button', { name: 'Favourite', exact: true, pressed: false }).click();
    await f.getByRole('button', { name: 'Favourite', exact: true, pressed: true }).waitFor();
    await f.getByRole('checkbox', { name: 'Favourites only' }).check();
    await until(countLine, (t) => t === `1 of ${COUNT} images in assets/generated`, 'the favourite alone');
    await f.getByRole('checkbox', { name: 'Favourites only' }).uncheck();
    await until(countLine, (t) => t.startsWith(`${COUNT} images`), 'everything back');
  });

  test('a sidebar thumbnail opens its image in the studio', async () => {
    await page.getByRole('tab', { name: 'PixArt', exact: true }).click();
    const sidebar = page.frameLocator('iframe.webview.ready[src*="purpose=webviewView"]').frameLocator('iframe#active-frame');
    const second = sidebar.locator('ul.gallery > li').nth(1).locator('button.thumb');
    await second.click();
    await until(caption, (c) => c === prompt(COUNT - 2), 'the clicked image in the studio');
  });

  test('Markdown hover on an image link: the picture, prompt, parameters and links; Open in Studio shows it', async () => {
    await openFile(page, 'docs/studio.md');
    const line = page.locator('.editor-group-container.active .monaco-editor .view-lines > .view-line').first();
    const box = (await line.boundingBox())!;
    await page.mouse.move(box.x + 60, box.y + box.height / 2);
    const hover = page.locator('.monaco-hover:visible', { hasText: 'Open in Studio' });
    await hover.waitFor({ timeout: 20_000 });
    const text = (await hover.innerText()).replace(/\u00a0/g, ' '); // appendText keeps spaces as &nbsp;
    assert.match(text, new RegExp(`Prompt: ${prompt(COUNT - 1)}`));
    assert.match(text, new RegExp(`Seed: ${COUNT - 1} · Steps: 4 · Guidance: 0 · Size: 16×16 · Model: pixart-tiny · Scheduler: LCM`));
    assert.match(text, /Regenerate · .*Variations · .*Open in Studio/s);
    await until(() => hover.locator('img').first().evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth === 16).catch(() => false), (ok) => ok, 'the picture in the hover');
    await shot('05-hover-dark');
    await hover.getByRole('link', { name: /Open in Studio/ }).click();
    await until(caption, (c) => c === prompt(COUNT - 1), 'the hovered image in the studio');
  });

  test('light and High Contrast themes', async () => {
    for (const theme of ['light', 'high-contrast'] as const) {
      await setTheme(theme);
      await runCommand('PixArt: Open Studio');
      const f = await studio();
      await f.locator('.viewer .side').waitFor();
      await shot(`06-history-${theme}`);
      await f.getByRole('button', { name: 'Compare…' }).click();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Enter');
      await f.locator('.panes figure').nth(1).waitFor();
      await shot(`07-compare-${theme}`);
      await page.keyboard.press('Escape');
      await page.locator('.tabs-container .tab', { hasText: 'studio.md' }).click(); // open since the hover test
      await page.locator('.tabs-container .tab.active[aria-label^="studio.md"]').waitFor();
      const line = page.locator('.editor-group-container.active .monaco-editor .view-lines > .view-line').first();
      // The editor draws its lines again after the switch: a line's box can be null for a moment.
      const box = (await until(() => line.boundingBox(), (b) => b !== null, 'the first line of studio.md drawn'))!;
      // The editor shows a hover only for a pointer that comes to rest on the link: move away and back
      // until it shows (right after a theme switch, the first rest can pass unseen).
      const hover = page.locator('.monaco-hover:visible', { hasText: 'Open in Studio' });
      await until(
        async () => {
          await page.mouse.move(box.x + 200, box.y + 200);
          await page.mouse.move(box.x + 60, box.y + box.height / 2);
          return hover.waitFor({ timeout: 4000 }).then(() => true, () => false);
        },
        (shown) => shown,
        `the hover in the ${theme} theme`,
        40_000,
      );
      await shot(`08-hover-${theme}`);
      await page.keyboard.press('Escape');
    }
  });

  test('a window reload brings the studio back, listing the history again', async () => {
    await runCommand('PixArt: Open Studio');
    await until(countLine, (t) => t.startsWith(`${COUNT} images`), 'the studio listed');
    await page.reload();
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
    await page.locator('.tabs-container .tab', { hasText: 'PixArt Studio' }).first().click({ timeout: 60_000 });
    await until(countLine, (t) => t.startsWith(`${COUNT} images`), 'the restored studio listed', 90_000);
    await shot('09-restored-after-reload');
  });
});
