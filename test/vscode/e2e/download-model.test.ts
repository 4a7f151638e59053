// `PixArt: Download Model…` end to end: the packaged VSIX in code-server with HF_ENDPOINT naming a
// local hub on 127.0.0.1 (test/support/hub-server.ts, serving the tiny checkpoint under the
// hub's URL scheme) and no model set. The user picks PixArt-LCM-XL-2-1024-MS and "Balanced"; the
// notification shows the download, then the build; the model loads and generates from the
// sidebar. Then a typed repo (`tiny/other`) is cancelled mid-file from the notification, and
// downloaded again: the second run fetches only the bytes the first did not.
// To hold each state on screen: the hub holds a file mid-transfer (the download), and the build
// (~0.1 s for the tiny model) is run in slices of a few ms with SIGSTOP/SIGCONT until the
// notification shows it. Screenshots: test-output/vscode/download-*.png.
// Run by test/vscode/run.mjs (npm run test:e2e), which packages the VSIX first.

import { after, before, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { HubServer } from '../../support/hub-server';
import { DUPLICATES, tinyDiffusersDir, tinyPipelineFiles, tinyPixArtRepo } from '../../support/hub-repo';
import { readFileParameters } from '../../../src/image/read-metadata';
import { EXTENSION_ID, env, quickOpen, until } from './helpers';
import { itWithShot, openWorkbench, pixartLog as sessionLog, type Workbench } from './workbench-session';
// @ts-expect-error plain JS helper shared with the launcher
import { repoRoot } from '../support/workbench.mjs';

const LCM = 'PixArt-alpha/PixArt-LCM-XL-2-1024-MS';
const OTHER = 'tiny/other';
/** The largest file of the checkpoint: held mid-transfer, so the download is on screen. */
const HELD = 'text_encoder/model-00001-of-00002.safetensors';
const shots = join(repoRoot, 'test-output', 'vscode');
const t0 = Date.now();

let hub: HubServer;
let workbench: Workbench | undefined;
let sandbox: string;
let workspace: string;
let page: Page;

const view = (): FrameLocator => page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
const models = () => join(sandbox, 'user-data', 'User', 'globalStorage', EXTENSION_ID, 'models');
const hfCache = () => join(sandbox, 'hf-cache');
const toast = (text: string | RegExp): Locator => page.locator('.notifications-toasts .notification-toast', { hasText: text });
/** A toast that has finished sliding in (for a screenshot). */
const shownToast = (text: string | RegExp): Locator => page.locator('.notifications-toasts .notification-toast.notification-fade-in-done', { hasText: text });
const pixartLog = (): string => sessionLog(sandbox);
const fileSize = (path: string) => statSync(join(tinyDiffusersDir, path)).size;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

/** Runs `PixArt: Download Model…` and answers its first quick pick with `label`. */
async function startDownload(label: string): Promise<void> {
  await quickOpen(page, '>PixArt: Download Model');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'PixArt: Download Model…' }).first().click();
  await pick('PixArt: Download Model (1/2): which model?', label);
}

/** Waits for the quick pick titled `title`, then clicks its item `label`. */
async function pick(title: string, label: string): Promise<void> {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ timeout: 15_000 });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().click();
}

/** The `pixart build-model` child process of this sandbox's extension host. */
function buildModelPid(): number {
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args.some((a) => a.endsWith('/dist/cli.js')) && args.includes('build-model') && readFileSync(`/proc/${pid}/environ`, 'utf8').includes(sandbox)) return Number(pid);
    } catch { /* gone */ }
  }
  throw new Error('no pixart build-model process for this sandbox');
}

/**
 * Lets the stopped process `pid` run a few ms at a time until `ok()` (checked once what it wrote
 * has reached the workbench): slows a build that takes ~0.1 s enough to see it on screen.
 */
async function stepUntil(pid: number, ok: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      process.kill(pid, 'SIGCONT');
      await sleep(3);
      process.kill(pid, 'SIGSTOP');
    } catch {
      throw new Error(`build-model ended before ${what}`);
    }
    await sleep(100);
    if (await ok()) return void console.log(`build-model reached ${what} after ${i + 1} steps of 3 ms`);
  }
  throw new Error(`build-model did not reach ${what} in 300 steps`);
}

/** Every file the pipeline reads has been served in full, but `except`. */
async function servedAllBut(repo: string, except: string): Promise<void> {
  const others = tinyPipelineFiles().filter((f) => f !== except);
  await until(() => others.filter((f) => hub.bytesServed(repo, f) < fileSize(f)), (left) => left.length === 0, `the files of ${repo} but ${except}`);
}

/** Resolves to true once `p` settles, for until(). */
function settled(p: Promise<void>): () => boolean {
  let done = false;
  void p.then(() => (done = true));
  return () => done;
}

/** The PixArt sidebar's model line once it matches `ready` (or says it could not load). */
async function modelLine(ready: RegExp): Promise<string> {
  // Download Model focuses the generator; the tab is clicked only if the sidebar is closed (a click on the open one closes it).
  if (!(await page.locator('.part.sidebar').isVisible())) await page.getByRole('tab', { name: /^PixArt/ }).click();
  return until(() => view().locator('#model-line').innerText(), (t) => ready.test(t) || /could not/i.test(t), 'the model to load', 120_000);
}

const test = itWithShot('download', () => page, () => sandbox);

/** The built folder: made from the hub's commit with the preset's precisions, and now the model setting. */
function checkBuilt(out: string, repo: string): void {
  const manifest = JSON.parse(readFileSync(join(out, 'pixart-manifest.json'), 'utf8'));
  assert.deepEqual([manifest.source.repo, manifest.source.revision, manifest.source.commit], [repo, 'main', hub.commitOf(repo)]);
  assert.deepEqual([manifest.components.text_encoder.precision, manifest.components.transformer.precision], ['int8', 'fp16'], 'Balanced: T5 int8, transformer f16');
  const settings = ['User', 'Machine'].map((d) => JSON.parse(readFileSync(join(sandbox, 'user-data', d, 'settings.json'), 'utf8'))['pixart.modelPath']);
  assert.ok(settings.includes(out), `pixart.modelPath is ${out}: ${JSON.stringify(settings)}`);
}

/** The Hugging Face cache holds the pipeline's files as the hub has them, and none of the duplicates; each was served once. */
function checkCache(repo: string): void {
  const repoCache = join(hfCache(), `models--${repo.replace('/', '--')}`);
  const commit = hub.commitOf(repo);
  assert.equal(readFileSync(join(repoCache, 'refs', 'main'), 'utf8').trim(), commit);
  const snapshot = join(repoCache, 'snapshots', commit);
  for (const f of tinyPipelineFiles()) {
    assert.equal(sha256(join(snapshot, f)), sha256(join(tinyDiffusersDir, f)), `${f} in the cache`);
    assert.equal(hub.bytesServed(repo, f), fileSize(f), `${f} served once`);
  }
  for (const d of DUPLICATES) assert.equal(existsSync(join(snapshot, d.path)) || hub.bytesServed(repo, d.path) > 0, false, `${d.path} not fetched`);
}

/** Generates from the sidebar's form and waits for the thumbnail; returns the PNG saved in assets/generated. */
async function generate(prompt: string, seed: number): Promise<string> {
  await view().getByLabel('Prompt', { exact: true }).fill(prompt);
  await view().getByLabel('Seed', { exact: true }).fill(String(seed));
  await view().getByRole('button', { name: 'Generate', exact: true }).click();
  const thumb = view().locator('ul.gallery > li').first().locator('img');
  await until(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0).catch(() => false), (ok) => ok, 'the thumbnail in the gallery', 120_000);
  const generated = join(workspace, 'assets', 'generated');
  const png = readdirSync(generated).find((f) => f.includes(`seed${seed}`) && f.endsWith('.png'));
  assert.ok(png, `the PNG is in assets/generated: ${readdirSync(generated).join(', ')}`);
  return join(generated, png);
}

async function downloadBuildGenerate(): Promise<void> {
  await page.getByRole('tab', { name: /^PixArt/ }).click();
  await page.getByRole('button', { name: 'Download Model…' }).waitFor({ timeout: 30_000 }); // the welcome view: no model yet
  const at = 150_000;
  const held = hub.holdOnce(LCM, HELD, at);
  await startDownload('PixArt-LCM-XL-2-1024-MS');
  await pick('PixArt: Download Model (2/2): weight precision', 'Balanced (recommended)');

  // Downloading: everything but the held file is in, so the share done is known.
  await until(settled(held.reached), (r) => r, 'the hub to hold the transfer');
  await servedAllBut(LCM, HELD);
  const total = tinyPipelineFiles().reduce((n, f) => n + fileSize(f), 0);
  const pct = Math.floor((100 * (total - fileSize(HELD) + at)) / total);
  const progress = toast(`PixArt: ${LCM}`);
  // The rate (and so the time left) shows once a second of transfer has been measured.
  const shown = (t: string) => t.includes(`PixArt: ${LCM}: Downloading: `) && t.includes(`(${pct} %), `) && /\d (B|kB|MB)\/s, \d+ s left/.test(t);
  await until(() => progress.innerText(), shown, `the download at ${pct} %, with its rate and time left, in the notification`);
  await shot('download-01-downloading');

  // Building: the child process is stopped, the transfer released, and the build run a few ms at a time.
  const pid = buildModelPid();
  process.kill(pid, 'SIGSTOP');
  held.release();
  try {
    await stepUntil(pid, async () => /Building the /.test(await progress.innerText().catch(() => '')), 'a "Building the …" message in the notification');
    await shot('download-02-building');
  } finally {
    try { process.kill(pid, 'SIGCONT'); } catch { /* ended */ }
  }

  // Ready: the model loads from the folder built; the cache is Python's layout; it generates.
  await toast(`PixArt: ${LCM} is ready.`).waitFor({ timeout: 60_000 });
  assert.match(await modelLine(/ready on CPU/), /^PixArt-LCM-XL-2-1024-MS · LCM · ready on CPU/);
  checkBuilt(join(models(), 'PixArt-LCM-XL-2-1024-MS-int8'), LCM);
  checkCache(LCM);
  const png = await generate('a paper boat on a pond', 4242);
  await shot('download-03-generated');
  assert.equal((await readFileParameters(png)).parameters.model, 'PixArt-LCM-XL-2-1024-MS', 'the image names the downloaded model');
}

/** Starts a download of `tiny/other` typed in, cancels it from the notification while the hub holds a file at byte `at`. */
async function typeAndCancel(at: number): Promise<Locator> {
  const held = hub.holdOnce(OTHER, HELD, at);
  await startDownload('Another Hugging Face repository…');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'PixArt: Download Model: repository' }).waitFor();
  await page.keyboard.type(OTHER);
  await page.keyboard.press('Enter');
  await pick('PixArt: Download Model (2/2): weight precision', 'Balanced (recommended)');
  await until(settled(held.reached), (r) => r, 'the hub to hold the transfer');
  await servedAllBut(OTHER, HELD);
  const progress = toast(`PixArt: ${OTHER}`);
  await until(() => progress.innerText(), (t) => t.includes(`PixArt: ${OTHER}: Downloading: `), 'the download in the notification');
  await progress.getByRole('button', { name: 'Cancel' }).click();
  const stopped = shownToast(`PixArt: ${OTHER} stopped.`);
  await stopped.waitFor({ timeout: 30_000 });
  held.release();
  return stopped;
}

async function cancelAndResume(): Promise<void> {
  await quickOpen(page, '>Notifications: Clear All Notifications');
  await page.keyboard.press('Enter');
  hub.resetCounts();
  const at = 100_000;
  const stopped = await typeAndCancel(at);
  assert.match(await stopped.innerText(), /What was downloaded is kept in the Hugging Face cache; Resume goes on from there\./);
  await shot('download-04-cancelled');

  // Nothing was built or set; the fetched bytes are kept for the resume.
  assert.deepEqual((existsSync(models()) ? readdirSync(models()) : []).filter((f) => f.startsWith('other')), [], 'no model folder (or staging folder) for tiny/other');
  const blob = join(hfCache(), 'models--tiny--other', 'blobs', hub.hostedFile(OTHER, HELD).sha256);
  assert.equal(statSync(`${blob}.incomplete`).size, at, 'the partial file is kept');
  assert.match(await view().locator('#model-line').innerText(), /^PixArt-LCM-XL-2-1024-MS · LCM · ready on CPU/, 'the model is unchanged');
  const first = hub.servedFiles(OTHER);
  hub.resetCounts();

  // Resumed from the message: it completes, fetching only what the first run did not.
  await stopped.getByRole('button', { name: 'Resume' }).click();
  await shownToast(`PixArt: ${OTHER} is ready.`).waitFor({ timeout: 60_000 });
  assert.match(await modelLine(/^other · /), /^other · LCM · ready on CPU/);
  await until(() => view().locator('#prompt-tokens').innerText(), (t) => /^\d+ \/ 120 tokens$/.test(t), 'the prompt counted by the new model\'s tokenizer');
  await page.mouse.move(700, 300); // off the toast: no tooltip in the screenshot
  await shot('download-05-resumed');
  const second = hub.servedFiles(OTHER);
  for (const f of tinyPipelineFiles()) assert.equal((first.get(f) ?? 0) + (second.get(f) ?? 0), fileSize(f), `${f}: served ${first.get(f) ?? 0} + ${second.get(f) ?? 0} bytes`);
  assert.equal(second.get(HELD), fileSize(HELD) - at);
  assert.ok(hub.requests.some((r) => r.url.startsWith('cdn:') && r.range === `bytes=${at}-`), 'the held file was resumed with a Range request');
  assert.ok(existsSync(blob) && !existsSync(`${blob}.incomplete`), 'the partial file became the blob');
  checkBuilt(join(models(), 'other-int8'), OTHER);
}

describe('PixArt: Download Model… from a hub at HF_ENDPOINT', { timeout: 8 * 60_000 }, () => {
  before(async () => {
    mkdirSync(shots, { recursive: true });
    hub = await HubServer.start([tinyPixArtRepo(LCM), tinyPixArtRepo(OTHER)]);
    // The local hub and a cache in the sandbox; no token or offline switch from the developer's environment.
    const hubEnv: Record<string, string> = { HF_ENDPOINT: hub.endpoint, HF_HOME: '', HF_TOKEN: '', HUGGING_FACE_HUB_TOKEN: '', HF_TOKEN_PATH: '', HF_HUB_OFFLINE: '' };
    workbench = await openWorkbench({
      prefix: 'pixart-e2e-download-',
      user: { 'workbench.colorTheme': 'Default Dark Modern' },
      machine: { 'pixart.openvinoLibraryPath': env('PIXART_TEST_OPENVINO_LIB') },
      env: hubEnv,
      prepare: ({ sandbox: dir }) => void (hubEnv.HF_HUB_CACHE = join(dir, 'hf-cache')),
    });
    ({ page, sandbox, workspace } = workbench);
    await until(pixartLog, (l) => l.includes('PixArt Studio activated'), 'the extension to activate', 60_000);
  });

  after(async () => {
    if (workbench) console.log(`--- PixArt.log\n${pixartLog()}`);
    await workbench?.close();
    await hub?.close();
    console.log(`download-model e2e: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  test('downloads PixArt-LCM-XL-2-1024-MS, builds it, and generates with it', downloadBuildGenerate);
  test('a typed repo cancelled mid-file keeps what it fetched, builds nothing, and resumes without fetching a byte twice', cancelAndResume);
});
