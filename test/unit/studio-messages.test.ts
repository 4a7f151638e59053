// The studio's messages from its webview (src/protocol/studio-messages.ts) and the sidebar's
// openInStudio (validate.ts): what is accepted as it came, and what is refused with a line naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STUDIO_THUMBNAILS_MAX, parseStudioMessage } from '../../src/protocol/studio-messages';
import { parseWebviewMessage } from '../../src/protocol/validate';

test('accepted as they came', () => {
  for (const m of [
    { type: 'ready' },
    { type: 'refresh' },
    { type: 'galleryAction', action: 'rerun', file: 'a b.png' },
    { type: 'favourite', file: 'x.webp', on: false },
    { type: 'thumbnails', files: Array.from({ length: STUDIO_THUMBNAILS_MAX }, (_, i) => `f${i}.png`) },
  ]) assert.deepEqual(parseStudioMessage(m), { ok: true, message: m });
  assert.deepEqual(parseStudioMessage({ type: 'ready', extra: 1 }), { ok: true, message: { type: 'ready' } }, 'extra fields dropped');
});

test('refused, naming the message and the problem', () => {
  const refusals: [unknown, RegExp][] = [
    [null, /without a type/],
    [{ type: 'galleryAction', action: 'format', file: 'a.png' }, /^galleryAction: unknown action/],
    [{ type: 'galleryAction', action: 'delete', file: '../a.png' }, /^galleryAction: bad file name/],
    [{ type: 'favourite', file: 'a/b.png', on: true }, /^favourite: bad file name/],
    [{ type: 'favourite', file: 'a.png', on: 'yes' }, /^favourite: on must be/],
    [{ type: 'thumbnails', files: 'a.png' }, /^thumbnails: files must be a list/],
    [{ type: 'thumbnails', files: Array.from({ length: STUDIO_THUMBNAILS_MAX + 1 }, () => 'a.png') }, /^thumbnails: files must be a list of at most 200/],
    [{ type: 'thumbnails', files: ['a.png', '.hidden.png'] }, /^thumbnails: bad file name/],
    [{ type: 'openInStudio', file: 'a.png' }, /unknown message type "openInStudio"/],
  ];
  for (const [raw, why] of refusals) {
    const got = parseStudioMessage(raw);
    assert.equal(got.ok, false, JSON.stringify(raw));
    if (!got.ok) assert.match(got.error, why);
  }
});

test('the sidebar asks for an image in the studio by a plain file name', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'openInStudio', file: 'img-0001.png' }), { ok: true, message: { type: 'openInStudio', file: 'img-0001.png' } });
  for (const file of ['../x.png', '', '.x.png', 'a\\b.png', 7, 'x'.repeat(256)]) assert.equal(parseWebviewMessage({ type: 'openInStudio', file }).ok, false, String(file));
});
