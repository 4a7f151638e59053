// Which mappings the engine may drop from memory (src/engine/mapped-pages.ts): only clean,
// read-only file mappings under the model's folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { droppable, parseSmaps } from '../../src/engine/mapped-pages';

const SMAPS = `7f0000000000-7f0100000000 r--p 00000000 fd:01 123 /models/pixart/text_encoder/openvino_model.bin
Size:            4194304 kB
Rss:             2097152 kB
Anonymous:             0 kB
7f0100000000-7f0100001000 rw-p 00000000 fd:01 124 /models/pixart/transformer/openvino_model.bin
Size:                  4 kB
Rss:                   4 kB
Anonymous:             0 kB
7f0100001000-7f0100002000 r--p 00000000 fd:01 125 /models/pixart/vae_decoder/openvino_model.bin
Rss:                   4 kB
Anonymous:             4 kB
7f0100002000-7f0100003000 r--p 00000000 fd:01 126 /models/pixart-other/x.bin
Rss:                   4 kB
Anonymous:             0 kB
7f0100003000-7f0100004000 r--s 00000000 fd:01 127 /cache/f32/abc.blob
Rss:                   8 kB
Anonymous:             0 kB
7f0100004000-7f0100005000 r--p 00000000 fd:01 128 /cache/f32/empty.blob
Rss:                   0 kB
Anonymous:             0 kB
7f0100005000-7f0100006000 ---p 00000000 00:00 0
Rss:                   0 kB
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
Rss:                  12 kB
Anonymous:            12 kB
`;

test('parseSmaps reads address range, permissions, path, resident and anonymous kB', () => {
  const m = parseSmaps(SMAPS);
  assert.equal(m.length, 8);
  assert.deepEqual(m[0], { start: 0x7f0000000000n, end: 0x7f0100000000n, perms: 'r--p', path: '/models/pixart/text_encoder/openvino_model.bin', rssKb: 2097152, anonymousKb: 0 });
  assert.equal(m[6].path, '');
  assert.equal(m[7].path, '[stack]');
  assert.equal(m[7].anonymousKb, 12);
});

test('only readable, unwritable, clean, resident mappings under the folders are droppable', () => {
  const paths = droppable(parseSmaps(SMAPS), ['/models/pixart', '/cache/f32/']).map((m) => m.path);
  // not: writable, with copy-on-write pages, a sibling folder sharing the prefix, nothing resident, anonymous
  assert.deepEqual(paths, ['/models/pixart/text_encoder/openvino_model.bin', '/cache/f32/abc.blob']);
  assert.deepEqual(droppable(parseSmaps(SMAPS), []), []);
});
