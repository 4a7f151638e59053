// Runs the test files under test/<suite>/ (all suites when none is named) with node's test runner.
// Node 20's runner takes no globs, so the files are listed here.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('.', import.meta.url).pathname;
const suites = process.argv.slice(2);
const dirs = suites.length ? suites : ['unit', 'conformance', 'cli'];

function collect(dir) {
  let out = [];
  let names = [];
  try { names = readdirSync(dir); } catch { return out; }
  for (const name of names.sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(collect(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = dirs.flatMap((d) => collect(join(root, d)));
if (files.length === 0) {
  console.error(`no test files under ${dirs.join(', ')}`);
  process.exit(1);
}
// Every temporary folder the tests and the processes they start make is under one folder, removed
// at the end: a test that fails (or forgets) leaves nothing in the machine's /tmp.
const scratch = mkdtempSync(join(tmpdir(), 'pixart-tests-'));
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], { stdio: 'inherit', env: { ...process.env, TMPDIR: scratch, TMP: scratch, TEMP: scratch } });
rmSync(scratch, { recursive: true, force: true });
process.exit(r.status ?? 1);
