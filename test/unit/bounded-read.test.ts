// The hover's reading (src/extension/studio/bounded-read.ts) through the real reading thread:
// parameters of a workspace image; refusals of links, files outside the workspace and oversized
// files without reading them; a reading thread that hangs given up within the time limit while the
// host's event loop stays free.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { MetadataWorker } from '../../src/extension/metadata-worker';
import { BoundedReader, MAX_BYTES } from '../../src/extension/studio/bounded-read';
import { toParameters } from '../../src/image/parameters';
import { metadataWorkerFromSource } from '../support/metadata-thread';
import { freezePng, parametersPng, sampleParameters } from '../support/crafted-images';

test('bounded reads for the hover', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pixart-hover-'));
  const ws = path.join(dir, 'ws');
  const outside = path.join(dir, 'outside');
  for (const d of [ws, outside]) mkdirSync(d);
  const thread = metadataWorkerFromSource();
  t.after(() => {
    thread.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const reader = new BoundedReader(thread, () => [ws], 2000);
  const good = path.join(ws, 'good.png');
  writeFileSync(good, parametersPng(toParameters({ ...sampleParameters, seed: '4242' })));
  const away = path.join(outside, 'away.png');
  writeFileSync(away, parametersPng());
  symlinkSync(away, path.join(ws, 'link.png'));
  const huge = path.join(ws, 'huge.png');
  writeFileSync(huge, parametersPng());
  truncateSync(huge, MAX_BYTES + 1); // sparse: no 64 MB written

  await thread.read([good]); // the thread from source compiles with tsx first (seconds); dist/metadata-thread.js starts at once
  const read = await reader.read(good);
  assert.equal(read.parameters?.seed, '4242');
  assert.equal(read.parameters?.prompt, sampleParameters.prompt);
  assert.match((await reader.read(away)).why, /outside the workspace/);
  assert.match((await reader.read(path.join(ws, 'link.png'))).why, /not a regular file/);
  assert.match((await reader.read(huge)).why, /larger than 64 MB/);
  assert.match((await reader.read(path.join(ws, 'none.png'))).why, /does not exist/);
  assert.equal(await reader.inWorkspace(path.join(ws, 'link.png')), false, 'a link out of the workspace is outside it');

  // A crafted file the real parser still reads at once (the issue-16 freeze PNG, bounded now)…
  const freeze = path.join(ws, 'freeze.png');
  writeFileSync(freeze, freezePng(3_000_000));
  const t1 = performance.now();
  assert.match((await reader.read(freeze)).why, /no generation parameters/);
  t.diagnostic(`freeze PNG (3 MB of spaces in zTXt): ${(performance.now() - t1).toFixed(0)} ms`);
  // …and a reading thread that never answers, as a file hanging the parser would leave it: the
  // hover gives up at its time limit, the event loop free meanwhile.
  const hung = new MetadataWorker(() => new Worker('setInterval(() => {}, 1000);', { eval: true }));
  t.after(() => hung.stop());
  const slow = new BoundedReader(hung, () => [ws], 300);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const t0 = performance.now();
  const late = await slow.read(good);
  const ms = performance.now() - t0;
  delay.disable();
  t.diagnostic(`hung thread: answered in ${ms.toFixed(0)} ms (${late.why}); event loop delay max ${(delay.max / 1e6).toFixed(1)} ms`);
  assert.match(late.why, /took too long/);
  assert.equal(late.parameters, undefined);
  assert.ok(ms >= 290 && ms < 300 + 500, `answered in ${ms.toFixed(0)} ms`);
  // Scheduling noise on a shared 2-core machine reaches ~90 ms; a read on this thread would be the whole parse.
  assert.ok(delay.max / 1e6 < 150, `event loop stalled ${(delay.max / 1e6).toFixed(1)} ms`);
});
