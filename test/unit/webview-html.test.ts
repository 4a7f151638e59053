import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, makeNonce, webviewHtml } from '../../src/extension/webview-html';

const source = 'https://file+.vscode-resource.vscode-cdn.net';

test('nonces are fresh and alphanumeric', () => {
  const a = makeNonce();
  assert.match(a, /^[A-Za-z0-9]{16,}$/);
  assert.notEqual(a, makeNonce());
});

test('the policy allows nothing remote and scripts only with the nonce', () => {
  const csp = contentSecurityPolicy(source, 'abcdefghijklmnop1234');
  assert.match(csp, /^default-src 'none'/);
  assert.match(csp, /script-src 'nonce-abcdefghijklmnop1234'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*|https?:\/\/(?!file\+)/);
});

test('the page carries the policy, the nonce on its one script, and escapes URIs', () => {
  const nonce = makeNonce();
  const html = webviewHtml({ cspSource: source, nonce, scriptUri: `${source}/dist/webview.js?a="b"`, styleUri: `${source}/dist/webview.css` });
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'/);
  assert.equal(html.match(/<script/g)?.length, 1);
  assert.ok(html.includes(`<script nonce="${nonce}" src="${source}/dist/webview.js?a=&quot;b&quot;">`));
  assert.throws(() => webviewHtml({ cspSource: source, nonce: 'short', scriptUri: 'x', styleUri: 'y' }));
});
