// The hub's settings from the environment (as huggingface_hub reads them), repo ids and
// revisions, and the messages of hub failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { envFlag, hubSettings } from '../../src/hub/hub-settings';
import { checkRepoId, checkRevision } from '../../src/hub/repo-id';
import { failureError, isNetworkError, type ErrorContext } from '../../src/hub/hub-errors';

test('defaults: huggingface.co, ~/.cache/huggingface/hub, its token file, online, no proxy', () => {
  const s = hubSettings({}, {});
  assert.deepEqual(s, { endpoint: 'https://huggingface.co', tokenFile: join(homedir(), '.cache', 'huggingface', 'token'), cacheDir: join(homedir(), '.cache', 'huggingface', 'hub'), offline: false, proxy: null });
});

test('HF_HOME, XDG_CACHE_HOME, HF_HUB_CACHE: the cache and token file follow, in huggingface_hub\'s order', () => {
  assert.equal(hubSettings({}, { XDG_CACHE_HOME: '/x' }).cacheDir, join('/x', 'huggingface', 'hub'));
  assert.equal(hubSettings({}, { XDG_CACHE_HOME: '/x', HF_HOME: '/h' }).cacheDir, join('/h', 'hub'));
  assert.equal(hubSettings({}, { HF_HOME: '/h' }).tokenFile, join('/h', 'token'));
  assert.equal(hubSettings({}, { HF_HOME: '/h', HF_HUB_CACHE: '/c' }).cacheDir, '/c');
  assert.equal(hubSettings({ cacheDir: '/o' }, { HF_HUB_CACHE: '/c' }).cacheDir, '/o');
});

test('the token: option, else HF_TOKEN, else the token file; each says where it came from', () => {
  const home = mkdtempSync(join(tmpdir(), 'pixart-hfhome-'));
  writeFileSync(join(home, 'token'), 'hf_from_file\n');
  assert.deepEqual([hubSettings({}, { HF_HOME: home }).token, hubSettings({}, { HF_HOME: home }).tokenSource], ['hf_from_file', join(home, 'token')]);
  assert.equal(hubSettings({}, { HF_HOME: home, HF_TOKEN: 'hf_env' }).tokenSource, 'HF_TOKEN');
  assert.equal(hubSettings({ token: 'hf_opt' }, { HF_HOME: home, HF_TOKEN: 'hf_env' }).token, 'hf_opt');
  assert.equal(hubSettings({}, { HF_HOME: join(home, 'none') }).token, undefined);
});

test('HF_ENDPOINT (a trailing slash dropped; not a URL is refused by name) and HF_HUB_OFFLINE', () => {
  assert.equal(hubSettings({}, { HF_ENDPOINT: 'https://hf-mirror.com/' }).endpoint, 'https://hf-mirror.com');
  assert.throws(() => hubSettings({}, { HF_ENDPOINT: 'hf-mirror.com' }), /HF_ENDPOINT "hf-mirror.com" is not an http\(s\) URL/);
  for (const on of ['1', 'true', 'YES', 'on']) assert.equal(envFlag(on), true, on);
  for (const off of ['0', '', 'false', undefined]) assert.equal(envFlag(off), false, String(off));
  assert.equal(hubSettings({}, { HF_HUB_OFFLINE: '1' }).offline, true);
});

test('repo ids and revisions that become URLs and cache folders', () => {
  for (const ok of ['PixArt-alpha/PixArt-LCM-XL-2-1024-MS', 'gpt2', 'a.b/c_d-e']) assert.equal(checkRepoId(ok), ok);
  for (const bad of ['', 'a/b/c', '../x', 'a/..', 'a--b/c', '-a/b', 'a/b.', 'a b/c', 'a/' + 'x'.repeat(97)]) assert.throws(() => checkRepoId(bad), /is not a Hugging Face repo id: use owner\/name/, bad);
  for (const ok of ['main', 'v1.0', 'refs/pr/1', 'a'.repeat(40)]) assert.equal(checkRevision(ok), ok);
  for (const bad of ['', '..', 'a/../b', '/main', 'a\\b', 'x\ny']) assert.throws(() => checkRevision(bad), /is not a revision/, JSON.stringify(bad));
});

const ctx = (token?: string): ErrorContext => ({ repo: 'o/r', revision: 'main', endpoint: 'https://hub.example', tokenFile: '/h/token', ...(token ? { token, tokenSource: 'HF_TOKEN' } : {}) });

test('hub failures in words: gated names HF_TOKEN and the page to accept; unknown repo and revision name themselves', () => {
  const gated = failureError(ctx(), { status: 401, code: 'GatedRepo' });
  assert.equal(gated.kind, 'gated');
  assert.match(gated.message, /o\/r is a gated repo: open https:\/\/hub\.example\/o\/r, log in and accept the conditions, then set HF_TOKEN .*\/h\/token/);
  assert.match(failureError(ctx('hf_x'), { status: 403, code: 'GatedRepo' }).message, /the token from HF_TOKEN has no access yet: open https:\/\/hub\.example\/o\/r/);
  const unknown = failureError(ctx(), { status: 401, code: 'RepoNotFound' });
  assert.equal(unknown.kind, 'not-found');
  assert.match(unknown.message, /the repo "o\/r" was not found on https:\/\/hub\.example: check the id .*set HF_TOKEN/);
  assert.match(failureError(ctx(), { status: 404, code: 'RevisionNotFound' }).message, /o\/r has no revision "main"/);
  assert.equal(failureError(ctx('hf_bad'), { status: 401 }).kind, 'token-refused');
  assert.match(failureError(ctx(), { status: 503 }, 'x.json').message, /answered 503 for x\.json: the hub had an error/);
});

test('network failures are told from a full disk and from bugs', () => {
  assert.equal(isNetworkError(new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) })), true);
  assert.equal(isNetworkError(new TypeError('terminated')), true);
  assert.equal(isNetworkError(Object.assign(new Error('no space'), { code: 'ENOSPC' })), false);
  assert.equal(isNetworkError(new TypeError("Cannot read properties of undefined (reading 'x')")), false);
});
