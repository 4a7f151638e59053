// The wheel cache: a damaged cached wheel is deleted and fetched again; a wheel whose hash differs
// from scripts/openvino-wheels.json is never used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWheel, sha256File, wheelCacheDir } from '../../scripts/lib/wheel-cache.mjs';
import { wheels } from './support';

test('the cache lives outside the clone: PIXART_WHEEL_CACHE, else XDG_CACHE_HOME or ~/.cache', () => {
  assert.equal(wheelCacheDir({ PIXART_WHEEL_CACHE: '/x/y' }), '/x/y');
  assert.equal(wheelCacheDir({ XDG_CACHE_HOME: '/c' }), join('/c', 'pixart-studio', 'openvino-wheels'));
  assert.match(wheelCacheDir({}), /[\\/]\.cache[\\/]pixart-studio[\\/]openvino-wheels$/);
});

test('a damaged cached wheel is deleted and fetched again; a wrong pinned hash fails', { timeout: 600_000 }, async () => {
  const cache = mkdtempSync(join(tmpdir(), 'pixart-wheels-'));
  const env = { ...process.env, PIXART_WHEEL_CACHE: cache };
  try {
    const spec = wheels.targets['linux-arm64']; // the smallest wheel
    writeFileSync(join(cache, spec.wheel), 'not a wheel');
    const logs: string[] = [];
    const file = await ensureWheel(spec, wheels, { env, log: (m) => logs.push(m) });
    assert.ok(logs.some((m) => m.includes('expected') && m.includes(spec.sha256) && m.includes('deleting')), logs.join('\n'));
    assert.equal(await sha256File(file), spec.sha256);

    const wrong = { ...spec, sha256: '0'.repeat(64) };
    await assert.rejects(ensureWheel(wrong, wheels, { env }), new RegExp(`${spec.wheel}`));
    assert.ok(!existsSync(join(cache, '.download-' + process.pid)), 'the download folder is cleaned up');
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
