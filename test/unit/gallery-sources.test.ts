// What the generator webview may load for the gallery (src/extension/gallery-sources.ts): the
// output folder as a root only inside the workspace, data: URIs of thumbnails anywhere else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { InlineThumbnails, PLACEHOLDER_URI, servableRoot } from '../../src/extension/gallery-sources';
import type { StoredImage } from '../../src/extension/asset-store';
import { encodePng } from '../../src/image/png';
import { inTempFolder } from '../support/temp-folder';

function stored(file: string): StoredImage {
  const st = statSync(file);
  return { file: path.basename(file), path: file, mtimeMs: st.mtimeMs, size: st.size };
}

test('the output folder is a webview root only when it really lies inside a workspace folder', () => inTempFolder(async (tmp) => {
  const ws = path.join(tmp, 'ws');
  mkdirSync(path.join(ws, 'assets'), { recursive: true });
  symlinkSync(tmp, path.join(ws, 'up'));
  assert.equal(await servableRoot(path.join(ws, 'assets', 'generated'), [ws]), path.join(ws, 'assets', 'generated'), 'not created yet: still inside');
  assert.equal(await servableRoot(path.join(ws, 'assets'), [path.join(tmp, 'other'), ws]), path.join(ws, 'assets'), 'any workspace folder');
  for (const folder of ['/', tmp, path.join(ws, 'up'), path.join(ws, 'up', 'elsewhere')]) assert.equal(await servableRoot(folder, [ws]), undefined, folder);
  assert.equal(await servableRoot(path.join(ws, 'assets'), []), undefined, 'no workspace open');
}));

test('outside the workspace: small WebP thumbnails as data: URIs, a placeholder for what is not an image', () => inTempFolder(async (folder) => {
  const big = path.join(folder, 'big.png');
  writeFileSync(big, encodePng(new Uint8Array(600 * 400 * 3).fill(200), 600, 400));
  const broken = path.join(folder, 'broken.png');
  writeFileSync(broken, 'not a png');
  const inline = new InlineThumbnails();
  const uris = await inline.uris([stored(big), stored(broken)]);
  const thumb = uris.get(big) ?? '';
  assert.match(thumb, /^data:image\/webp;base64,/);
  const meta = await sharp(Buffer.from(thumb.slice(thumb.indexOf(',') + 1), 'base64')).metadata();
  assert.deepEqual([meta.width, meta.height], [256, 171]);
  assert.equal(uris.get(broken), PLACEHOLDER_URI);
  assert.equal((await inline.uris([stored(big)])).get(big), thumb, 'cached while the file is unchanged');
}));

test('without sharp: the file itself when it is small, a placeholder when it is large', () => inTempFolder(async (folder) => {
  const small = path.join(folder, 'small.png');
  writeFileSync(small, encodePng(new Uint8Array(3 * 4), 2, 2));
  const large = path.join(folder, 'large.jpg');
  writeFileSync(large, Buffer.alloc(2 * 1024 * 1024));
  const uris = await new InlineThumbnails(() => null).uris([stored(small), stored(large)]);
  assert.equal(uris.get(small), `data:image/png;base64,${encodePng(new Uint8Array(3 * 4), 2, 2).toString('base64')}`);
  assert.equal(uris.get(large), PLACEHOLDER_URI);
}));
