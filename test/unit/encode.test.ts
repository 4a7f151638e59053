// The worker's image encoding: every format's bytes reach the host the way the worker sends them,
// through a child process's IPC channel as forkWorker opens it ('advanced' serialization). sharp's
// own Buffers live in memory libvips allocated (between threads Node ≥ 22 refused to move them:
// "Cannot transfer object of unsupported type", which broke WebP/JPEG in VS Code's extension
// host); `npm run test:node22` runs this on the extension host's Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeImage } from '../../src/image/encode';
import { forkWorker } from '../../src/extension/worker-process';

const image = { width: 4, height: 2, rgb: Uint8Array.from({ length: 24 }, (_, i) => i * 10), parameters: 'a red fox\nSteps: 4, Seed: 7' };

/** A child that sends back what it is sent, started as the worker is. */
function echoChild() {
  const script = join(mkdtempSync(join(tmpdir(), 'pixart-echo-')), 'echo.cjs');
  writeFileSync(script, "process.on('message', (m) => process.send(m)); process.on('disconnect', () => process.exit(0));\n");
  return forkWorker(script);
}

for (const format of ['png', 'webp', 'jpeg'] as const) {
  test(`${format}: the encoded bytes arrive whole through the worker's IPC channel`, async () => {
    const bytes = await encodeImage(image, format);
    const magic = { png: [0x89, 0x50, 0x4e, 0x47], webp: [0x52, 0x49, 0x46, 0x46], jpeg: [0xff, 0xd8, 0xff] }[format];
    assert.deepEqual(Array.from(bytes.subarray(0, magic.length)), magic);
    const child = echoChild();
    try {
      const received = new Promise<{ bytes: Uint8Array }>((resolve) => child.once('message', (m) => resolve(m as { bytes: Uint8Array })));
      child.send({ bytes });
      const back = (await received).bytes;
      assert.ok(back instanceof Uint8Array, `a Uint8Array came back, not ${Object.prototype.toString.call(back)}`);
      assert.deepEqual(Array.from(back), Array.from(bytes));
    } finally {
      child.kill();
    }
  });
}
