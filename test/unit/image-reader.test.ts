// Reading images' parameters for the extension: one file, and the output folder's gallery (on this
// thread and through the gallery's reading thread). Moved here from asset-store.test.ts.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { saveUnique } from '../../src/extension/asset-store';
import { Gallery, readImageParameters, sameThreadReader } from '../../src/extension/image-reader';
import { encodePng } from '../../src/image/png';
import { toParameters } from '../../src/image/parameters';
import { encodeImage } from '../../src/image/encode';
import { MetadataWorker } from '../../src/extension/metadata-worker';
import { metadataWorkerFromSource } from '../support/metadata-thread';
import { freezePng } from '../support/crafted-images';

function tempFolder(t: TestContext): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'pixart-reader-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

const params = { prompt: 'a small cactus', negativePrompt: 'blurry', steps: 4, sampler: 'LCM', guidanceScale: 0, seed: '42', width: 2, height: 1, model: 'PixArt-LCM-XL-2-1024-MS' };
const png = () => encodePng(new Uint8Array([255, 0, 0, 0, 255, 0]), 2, 1, { parameters: toParameters(params) });

test('metadata written is read back', async (t) => {
  const folder = tempFolder(t);
  const p = await saveUnique(folder, 'cactus.png', png());
  const back = await readImageParameters(p);
  assert.deepEqual(back, params);
  assert.equal(await readImageParameters(path.join(folder, 'nope.webp')), undefined);
});

test('WebP and JPEG parameters (EXIF ImageDescription) are read back too', async (t) => {
  const folder = tempFolder(t);
  for (const format of ['webp', 'jpeg'] as const) {
    const bytes = await encodeImage({ width: 2, height: 1, rgb: new Uint8Array(6), parameters: toParameters(params) }, format);
    const file = await saveUnique(folder, `cactus.${format}`, bytes);
    assert.deepEqual(await readImageParameters(file), params, format);
  }
});

async function galleryListsNewestFirst(t: TestContext, g: Gallery): Promise<void> {
  const folder = tempFolder(t);
  const old = await saveUnique(folder, 'old.png', png());
  const fresh = await saveUnique(folder, 'new.png', png());
  writeFileSync(path.join(folder, 'notes.txt'), 'x');
  writeFileSync(path.join(folder, '.pixart-abc.tmp'), 'x');
  writeFileSync(path.join(folder, 'plain.png'), 'not a png');
  writeFileSync(path.join(folder, 'freeze.png'), freezePng());
  utimesSync(old, new Date(2020, 0, 1), new Date(2020, 0, 1));
  utimesSync(fresh, new Date(2026, 0, 1), new Date(2026, 0, 1));
  utimesSync(path.join(folder, 'plain.png'), new Date(2023, 0, 1), new Date(2023, 0, 1));
  utimesSync(path.join(folder, 'freeze.png'), new Date(2022, 0, 1), new Date(2022, 0, 1));
  const items = await g.list(folder);
  assert.deepEqual(items.map((i) => i.file), ['new.png', 'plain.png', 'freeze.png', 'old.png']);
  assert.equal(items.find((i) => i.file === 'plain.png')?.parameters, undefined);
  assert.equal(items.find((i) => i.file === 'freeze.png')?.parameters, undefined);
  assert.equal(items[0].parameters?.seed, '42');
  assert.deepEqual(items[3].parameters, params);
  assert.equal((await g.list(folder, 1)).length, 1);
  assert.deepEqual(await g.list(path.join(folder, 'missing')), []);
}

test('gallery lists images newest first with their parameters, skipping others', (t) => galleryListsNewestFirst(t, new Gallery(sameThreadReader)));

test('the gallery reading thread gives the same listing, and a stuck batch only loses its own parameters', async (t) => {
  const worker = metadataWorkerFromSource();
  t.after(() => worker.stop());
  await galleryListsNewestFirst(t, new Gallery(worker));
  // A thread that never answers: the batch times out, the thread is replaced, the list still comes back.
  const silent = new MetadataWorker(() => new Worker('setInterval(() => {}, 1000)', { eval: true }), 300);
  t.after(() => silent.stop());
  const folder = tempFolder(t);
  await saveUnique(folder, 'a.png', png());
  const items = await new Gallery(silent).list(folder);
  assert.deepEqual(items.map((i) => [i.file, i.parameters]), [['a.png', undefined]]);
});

const bundle = path.join(__dirname, '..', '..', 'dist', 'metadata-thread.js');

test('the bundled reading thread (dist/metadata-thread.js, what VS Code runs) reads parameters', { skip: !existsSync(bundle) && 'not built' }, async (t) => {
  const worker = MetadataWorker.fromScript(bundle);
  t.after(() => worker.stop());
  const folder = tempFolder(t);
  const file = await saveUnique(folder, 'a.png', png());
  assert.deepEqual(await worker.read([file, path.join(folder, 'missing.png')]), [params, undefined]);
});

test('the gallery lists no symbolic links, and its readers do not read through one', async (t) => {
  const folder = tempFolder(t);
  const outside = tempFolder(t);
  const secret = await saveUnique(outside, 'private.png', png()); // an image of the user's, elsewhere
  writeFileSync(path.join(outside, 'id_rsa'), 'not for the webview');
  await saveUnique(folder, 'mine.png', png());
  symlinkSync(secret, path.join(folder, 'linked.png'));
  symlinkSync(path.join(outside, 'id_rsa'), path.join(folder, 'key.png'));
  symlinkSync(path.join(outside, 'gone.png'), path.join(folder, 'dangling.png'));
  symlinkSync(outside, path.join(folder, 'dir.png'));
  const worker = metadataWorkerFromSource();
  t.after(() => worker.stop());
  for (const [name, reader] of [['this thread', sameThreadReader], ['the reading thread', worker]] as const) {
    assert.deepEqual((await new Gallery(reader).list(folder)).map((i) => i.file), ['mine.png'], name);
    // A file swapped for a link after it was listed: the reader refuses the link.
    assert.deepEqual(await reader.read([path.join(folder, 'linked.png'), path.join(folder, 'mine.png')]), [undefined, params], name);
  }
  assert.deepEqual(await readImageParameters(path.join(folder, 'linked.png')), params, 'a file the user picks (Explorer) may be a link');
});
