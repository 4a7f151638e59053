// The worker's image encoding: every format's bytes go to the host thread the way the worker posts
// them (transferring what can be moved). sharp's own Buffers cannot be (Node ≥ 22 refuses external
// memory: "Cannot transfer object of unsupported type"), which broke WebP/JPEG in VS Code's
// extension host; `npm run test:node22` runs this on the extension host's Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeImage } from '../../src/image/encode';
import { transferable } from '../../src/worker/service';

const image = { width: 4, height: 2, rgb: Uint8Array.from({ length: 24 }, (_, i) => i * 10), parameters: 'a red fox\nSteps: 4, Seed: 7' };

for (const format of ['png', 'webp', 'jpeg'] as const) {
  test(`${format}: the encoded bytes can be posted to another thread as the worker posts them`, async () => {
    const bytes = await encodeImage(image, format);
    const magic = { png: [0x89, 0x50, 0x4e, 0x47], webp: [0x52, 0x49, 0x46, 0x46], jpeg: [0xff, 0xd8, 0xff] }[format];
    assert.deepEqual(Array.from(bytes.subarray(0, magic.length)), magic);
    const before = Array.from(bytes);
    const received = structuredClone(bytes, { transfer: transferable([bytes]) });
    assert.deepEqual(Array.from(received), before);
  });
}
