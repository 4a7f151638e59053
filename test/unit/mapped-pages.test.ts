// Which mappings the engine may drop from memory (src/engine/mapped-pages.ts): only shared,
// read-only mappings of files under the model's folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { droppable, parseMaps } from '../../src/engine/mapped-pages';

const MAPS = `7f0000000000-7f0100000000 r--s 00000000 fd:01 123 /models/pixart/text_encoder/openvino_model.bin
7f0100000000-7f0100001000 rw-s 00000000 fd:01 124 /models/pixart/transformer/openvino_model.bin
7f0100001000-7f0100002000 r--p 00000000 fd:01 125 /models/pixart/vae_decoder/openvino_model.bin
7f0100002000-7f0100003000 r--s 00000000 fd:01 126 /models/pixart-other/x.bin
7f0100003000-7f0100004000 r--s 00000000 fd:01 127 /cache/f32/abc.blob
7f0100004000-7f0100005000 r-xs 00000000 fd:01 128 /cache/f32/code.blob
7f0100005000-7f0100006000 ---p 00000000 00:00 0
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
`;

test('parseMaps reads address range, permissions and path', () => {
  const m = parseMaps(MAPS);
  assert.equal(m.length, 8);
  assert.deepEqual(m[0], { start: 0x7f0000000000n, end: 0x7f0100000000n, perms: 'r--s', path: '/models/pixart/text_encoder/openvino_model.bin' });
  assert.equal(m[6].path, '');
  assert.equal(m[7].path, '[stack]');
});

test('only shared read-only mappings of files under the folders are droppable', () => {
  const paths = droppable(parseMaps(MAPS), ['/models/pixart', '/cache/f32/']).map((m) => m.path);
  // not: writable, private (could hold copy-on-write pages), a sibling folder sharing the prefix, executable
  assert.deepEqual(paths, ['/models/pixart/text_encoder/openvino_model.bin', '/cache/f32/abc.blob']);
  assert.deepEqual(droppable(parseMaps(MAPS), []), []);
});
