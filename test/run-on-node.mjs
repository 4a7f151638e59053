// Runs test suites on another Node major (from the npm package node@MAJOR, kept in .cache/), e.g.
// Node 22, which VS Code's extension host runs:  node test/run-on-node.mjs 22 unit conformance
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withLock } from '../scripts/lib/lock.mjs';
import { installNode } from '../scripts/lib/npm-package.mjs';

const [major, ...suites] = process.argv.slice(2);
if (!/^\d+$/.test(major ?? '')) {
  console.error('usage: node test/run-on-node.mjs MAJOR [suite …]');
  process.exit(2);
}
const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const dir = join(root, '.cache', `node${major}`);
const log = (m) => console.error(`[node${major}] ${m}`);
const node = withLock(`${dir}.lock`, () => installNode(dir, major, { log }), { log });
log(`running ${suites.join(', ') || 'all suites'} on ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
const r = spawnSync(node, [join(root, 'test', 'run-tests.mjs'), ...suites], { stdio: 'inherit' });
process.exit(r.status ?? 1);
