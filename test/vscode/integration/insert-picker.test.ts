// Insert Image…'s picker on 500 images in the real VS Code extension host: it is shown before the
// folder is even listed (busy, empty), the files come in with the listing, and their prompts as
// the gallery's thread reads them. The order is asserted, not a time (the times are logged: the
// picker's three generations — wait for every prompt, wait for the listing, show at once — each
// measured on a folder of its own, with a cold cache and the real metadata thread).

import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Controller } from '../../../src/extension/controller';
import { GalleryFeed } from '../../../src/extension/gallery';
import { openImagePicker } from '../../../src/extension/gallery-pick';
import { Gallery } from '../../../src/extension/image-reader';
import { MetadataWorker } from '../../../src/extension/metadata-worker';
import { OutputFolder } from '../../../src/extension/output-folder';
import { encodePng } from '../../../src/image/png';
import { toParameters } from '../../../src/image/parameters';
import { EXTENSION_ID, activateExtension, env } from './helpers';
import { log } from './log';

const COUNT = 500;
const prompt = (n: number) => `picture ${n} of a lighthouse in fog`;
let controller: Controller;
let root: string;

/** COUNT small PNGs with their parameters, one minute apart (img-0499.png is the newest). */
function writeImages(folder: string): void {
  fs.mkdirSync(folder, { recursive: true });
  const t0 = Date.now() / 1000 - COUNT * 60;
  for (let n = 0; n < COUNT; n++) {
    const text = toParameters({ prompt: prompt(n), negativePrompt: '', seed: String(n), steps: 4, sampler: 'LCM', guidanceScale: 0, width: 16, height: 16, model: 'pixart-tiny' });
    const file = path.join(folder, `img-${String(n).padStart(4, '0')}.png`);
    fs.writeFileSync(file, encodePng(new Uint8Array(16 * 16 * 3).fill(n % 256), 16, 16, { parameters: text }));
    fs.utimesSync(file, t0 + n * 60, t0 + n * 60);
  }
}

/** A gallery feed of `folder` with a cache of its own (cold) and the extension's real metadata thread. */
function coldFeed(folder: string): { feed: GalleryFeed; reader: MetadataWorker; channel: vscode.LogOutputChannel } {
  const script = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'metadata-thread.js');
  assert.ok(fs.existsSync(script), `${script} is built`);
  const reader = MetadataWorker.fromScript(script);
  const output = new OutputFolder(() => ({ ...controller.currentSettings, outputFolder: folder }), () => undefined);
  const channel = vscode.window.createOutputChannel('PixArt picker test', { log: true });
  return { feed: new GalleryFeed(output, channel, new Gallery(reader)), reader, channel };
}

const since = (t: number) => Math.round(performance.now() - t);

describe('Insert Image…\'s picker on 500 images in a real VS Code', () => {
  before(async function () {
    this.timeout(120_000);
    ({ controller } = await activateExtension());
    root = path.join(env('PIXART_TEST_SANDBOX'), 'picker-images');
    fs.rmSync(root, { recursive: true, force: true });
    for (const name of ['old', 'listing', 'now']) writeImages(path.join(root, name));
  });

  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('shows at once, busy and empty; lists all 500 before any prompt is read; then fills in every prompt', async function () {
    this.timeout(120_000);
    // Before (until 393dbab): every prompt read, then the picker shown.
    const old = coldFeed(path.join(root, 'old'));
    let t = performance.now();
    const all = await old.feed.images();
    const oldMs = since(t);
    assert.equal(all.filter((i) => i.parameters?.prompt).length, COUNT);
    // Until now: the folder listed (no prompts), then the picker shown.
    const listing = coldFeed(path.join(root, 'listing'));
    t = performance.now();
    assert.equal((await listing.feed.listing()).length, COUNT);
    const listingMs = since(t);

    // Now: shown first.
    const now = coldFeed(path.join(root, 'now'));
    t = performance.now();
    const picker = openImagePicker(now.feed);
    const shownMs = since(t);
    assert.equal(picker.pick.busy, true, 'busy while the folder is listed');
    assert.equal(picker.pick.items.length, 0, 'shown before the listing is in');
    assert.equal(await picker.listed, COUNT);
    const listedMs = since(t);
    assert.equal(picker.pick.items.length, COUNT, 'every image is listed');
    assert.equal(picker.pick.title, `PixArt: Insert Image (${COUNT})`);
    assert.ok(picker.pick.items.every((i) => i.description === ''), 'listed before any prompt was read');
    assert.equal(picker.pick.busy, true, 'still busy while the prompts are read');
    await picker.filled;
    const filledMs = since(t);
    assert.equal(picker.pick.busy, false);
    const byName = new Map(picker.pick.items.map((i) => [i.label, i.description]));
    for (let n = 0; n < COUNT; n++) assert.equal(byName.get(`img-${String(n).padStart(4, '0')}.png`), prompt(n));
    assert.equal(picker.pick.items[0].label, 'img-0499.png', 'newest first');
    log(`Insert Image… on ${COUNT} images: shown after ${shownMs} ms (listed at ${listedMs} ms, every prompt at ${filledMs} ms); before: shown after the listing, ${listingMs} ms; originally: after every prompt, ${oldMs} ms`);
    picker.pick.hide();
    assert.equal(await picker.chosen, undefined, 'closing picks nothing');
    for (const f of [old, listing, now]) {
      f.reader.stop();
      f.channel.dispose();
    }
  });
});
