// The sidebar's new webview messages, checked on the host (src/protocol/validate.ts); the property
// tests (test/support/validator-properties.ts) cover them on arbitrary input too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWebviewMessage } from '../../src/protocol/validate';

test('generate with a style and batches', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'generate', params: {}, style: 'Ink', batches: 3 }), { ok: true, message: { type: 'generate', params: {}, style: 'Ink', batches: 3 } });
  assert.deepEqual(parseWebviewMessage({ type: 'generate', params: {}, style: '' }), { ok: true, message: { type: 'generate', params: {} } }, "'' is no style");
  for (const batches of [0, 11, 1.5, '2', NaN, null]) assert.equal(parseWebviewMessage({ type: 'generate', params: {}, batches }).ok, false, `batches ${batches}`);
  for (const style of [3, 'x'.repeat(61), {}]) assert.equal(parseWebviewMessage({ type: 'generate', params: {}, style }).ok, false, `style ${JSON.stringify(style)}`);
});

test('rerunNextSeed takes a job id or a gallery file name, one of them', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'rerunNextSeed', jobId: 'job-3' }), { ok: true, message: { type: 'rerunNextSeed', jobId: 'job-3' } });
  assert.deepEqual(parseWebviewMessage({ type: 'rerunNextSeed', file: 'fox.png' }), { ok: true, message: { type: 'rerunNextSeed', file: 'fox.png' } });
  for (const bad of [{}, { jobId: 'a b' }, { file: '../x.png' }, { file: '.hidden.png' }, { jobId: 'j', file: 'x.png' }]) {
    const r = parseWebviewMessage({ type: 'rerunNextSeed', ...bad });
    assert.ok(!r.ok && r.error.startsWith('rerunNextSeed:'), JSON.stringify(bad));
  }
});

test('promptHistory is a bare request', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'promptHistory', prompt: 'ignored' }), { ok: true, message: { type: 'promptHistory' } });
});
