import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proxyEnv } from '../../src/extension/proxy-env';

test("VS Code's http.proxy reaches the CLI as HTTPS_PROXY/HTTP_PROXY, http.noProxy as NO_PROXY", () => {
  assert.deepEqual(proxyEnv(' http://proxy:8080 ', ['localhost', ' 10.0.0.1 ', ''], {}), { HTTPS_PROXY: 'http://proxy:8080', HTTP_PROXY: 'http://proxy:8080', NO_PROXY: 'localhost,10.0.0.1' });
  assert.deepEqual(proxyEnv('http://proxy:8080', [], {}), { HTTPS_PROXY: 'http://proxy:8080', HTTP_PROXY: 'http://proxy:8080' });
});

test('no setting, or a proxy the environment names already: nothing is added', () => {
  assert.deepEqual(proxyEnv('', ['x'], {}), {});
  assert.deepEqual(proxyEnv(undefined, undefined, {}), {});
  assert.deepEqual(proxyEnv(42, undefined, {}), {});
  assert.deepEqual(proxyEnv('http://vscode:1', [], { https_proxy: 'http://env:2' }), {});
  assert.deepEqual(proxyEnv('http://vscode:1', ['a'], { NO_PROXY: 'b' }), { HTTPS_PROXY: 'http://vscode:1', HTTP_PROXY: 'http://vscode:1' }, "the environment's NO_PROXY stays");
});
