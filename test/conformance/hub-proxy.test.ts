// downloadSnapshot through a forward proxy named by the environment (HTTP_PROXY / HTTPS_PROXY /
// NO_PROXY), against the local hub: the files arrive through the proxy, NO_PROXY bypasses it, a
// proxy's credentials are sent and never shown, and a refused or misnamed proxy says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadSnapshot, HubError, type DownloadOptions } from '../../src/hub';
import { proxySettings } from '../../src/hub/proxy';
import { HubServer } from '../support/hub-server';
import { tinyPixArtRepo } from '../support/hub-repo';
import { assertSnapshotIsFixture } from '../support/hub-cache';
import { ForwardProxy } from '../support/forward-proxy';

const REPO = 'tiny/pixart';
let server: HubServer;
let proxy: ForwardProxy;
let guarded: ForwardProxy;
const newCache = () => mkdtempSync(join(tmpdir(), 'pixart-hub-proxy-'));
const dl = (env: Record<string, string>, o: Partial<DownloadOptions> = {}) =>
  downloadSnapshot({ repo: REPO, cacheDir: newCache(), endpoint: server.endpoint, env, retry: { attempts: 1, delayMs: 5 }, ...o });
const hostOf = (url: string) => new URL(url).host;

before(async () => {
  server = await HubServer.start([tinyPixArtRepo(REPO)]);
  proxy = await ForwardProxy.start();
  guarded = await ForwardProxy.start('alice:s3cret');
});
after(async () => {
  await proxy.close();
  await guarded.close();
  server.close();
});

test('with HTTP_PROXY set, every request goes through the proxy, and the snapshot is complete', async () => {
  proxy.targets.length = 0;
  server.resetCounts();
  assertSnapshotIsFixture((await dl({ HTTP_PROXY: proxy.url })).snapshotDir);
  assert.ok(proxy.targets.length > 0, 'the proxy was used');
  const hub = hostOf(server.endpoint);
  assert.ok(proxy.targets.every((t) => t === hub || hostOf(`http://${t}`) === hub || t.startsWith('127.0.0.1:')), proxy.targets.join(', '));
  assert.ok(proxy.targets.some((t) => t === hub || t.includes(hub)), `the hub ${hub} was reached through it`);
});

test('NO_PROXY lists the hub: it is reached directly', async () => {
  proxy.targets.length = 0;
  assertSnapshotIsFixture((await dl({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' })).snapshotDir);
  assert.deepEqual(proxy.targets, []);
});

test("a proxy's credentials in its URL are sent, and never appear in a message", async () => {
  const u = new URL(guarded.url);
  assertSnapshotIsFixture((await dl({ http_proxy: `http://alice:s3cret@${u.host}` })).snapshotDir);
  assert.ok(guarded.targets.length > 0);
  const err = await dl({ HTTP_PROXY: `http://alice:wrong@${u.host}` }).catch((e: unknown) => e);
  assert.ok(err instanceof HubError && err.kind === 'unreachable', String(err));
  assert.match(err.message, new RegExp(`cannot reach the Hugging Face hub at ${server.endpoint.replace(/[.]/g, '\\.')} through the proxy http://${u.host.replace(/[.]/g, '\\.')}`));
  assert.match(err.message, /check the network and the proxy \(HTTPS_PROXY, HTTP_PROXY, NO_PROXY\)/);
  assert.ok(!err.message.includes('wrong') && !err.message.includes('alice'), err.message);
});

test('a proxy variable that is not a URL is refused by name', async () => {
  await assert.rejects(dl({ HTTPS_PROXY: 'proxy.example.com 8080' }), /HTTPS_PROXY "proxy\.example\.com 8080" is not a proxy URL: set it to one such as http:\/\/proxy\.example\.com:8080, or unset it/);
});

test('the proxy variables are read as curl reads them: either case, the upper one first, none means none', () => {
  assert.equal(proxySettings({}), null);
  assert.equal(proxySettings({ NO_PROXY: 'x' }), null, 'NO_PROXY alone sets no proxy');
  assert.deepEqual(proxySettings({ https_proxy: 'http://a:1', HTTP_PROXY: 'http://b:2', no_proxy: 'localhost' }), { http: 'http://b:2', https: 'http://a:1', noProxy: 'localhost' });
  assert.deepEqual(proxySettings({ HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:1' }), { https: 'http://upper:1' });
});
