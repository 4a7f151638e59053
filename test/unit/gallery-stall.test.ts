// Issue 16: listing a gallery of 1,000 images, some of them crafted (the freeze PNG, decompression
// bombs, corrupt and truncated chunks), never stalls the host's event loop for 50 ms: through the
// gallery's reading thread, and on the host's own thread (the fallback) with bounded reads.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gallery, sameThreadReader } from '../../src/extension/image-reader';
import type { ParametersReader } from '../../src/extension/metadata-worker';
import { toParameters } from '../../src/image/parameters';
import { metadataWorkerFromSource } from '../support/metadata-thread';
import { bombPng, freezePng, parametersPng, pngWith, sampleParameters, tEXt, zTXt, zTXtRaw } from '../support/crafted-images';

const COUNT = 1000;

/** 1,000 PNGs: every 50th one crafted. */
function galleryOf1000(t: TestContext): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'pixart-stall-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const crafted = [
    () => freezePng(),
    () => bombPng(1_500_000),
    () => pngWith(zTXtRaw('parameters', Buffer.from('not deflate')), tEXt('parameters', toParameters(sampleParameters))),
    () => pngWith(zTXt('parameters', `p\nSteps: 1,${' '.repeat(15_000)}Seed: 3`)),
    () => parametersPng().subarray(0, 60),
  ];
  const bomb = bombPng(3_000_000);
  for (let i = 0; i < COUNT; i++) {
    const kind = i % 50 === 0 ? (i / 50) % (crafted.length + 1) : -1;
    const bytes = kind < 0 ? parametersPng(toParameters({ ...sampleParameters, seed: String(i) })) : kind === crafted.length ? bomb : crafted[kind]();
    writeFileSync(path.join(folder, `image-${String(i).padStart(4, '0')}.png`), bytes);
  }
  return folder;
}

async function assertNoStall(t: TestContext, reader: ParametersReader): Promise<void> {
  const folder = galleryOf1000(t);
  const gallery = new Gallery(reader);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const t0 = performance.now();
  const items = await gallery.list(folder, COUNT);
  const ms = performance.now() - t0;
  delay.disable();
  const maxMs = delay.max / 1e6;
  t.diagnostic(`listed ${items.length} images in ${ms.toFixed(0)} ms; event loop delay max ${maxMs.toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms`);
  assert.equal(items.length, COUNT);
  assert.ok(items.filter((i) => i.parameters).length >= COUNT - 20 - 10, 'the ordinary images have their parameters');
  assert.equal(items.find((i) => i.file === 'image-0001.png')?.parameters?.seed, '1');
  assert.ok(maxMs < 50, `the event loop stalled for ${maxMs.toFixed(1)} ms`);
}

test('listing 1,000 images through the gallery thread keeps the event loop responsive (< 50 ms)', async (t) => {
  const worker = metadataWorkerFromSource();
  t.after(() => worker.stop());
  // Not measured: starting a thread that compiles TypeScript (VS Code runs the bundle).
  await worker.read([path.join(__dirname, '..', 'fixtures', 'missing.png')]);
  await assertNoStall(t, worker);
});

test('listing 1,000 images on the host thread (the fallback) also keeps it responsive (< 50 ms)', (t) => assertNoStall(t, sameThreadReader));
