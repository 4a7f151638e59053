#!/usr/bin/env node
// Makes sure the tests have an OpenVINO runtime (libopenvino_c) and a Python that can convert models.
// Uses an interpreter that already imports openvino (PIXART_PYTHON, else python3) when there is one;
// otherwise creates .cache/openvino-venv with the pinned wheel. Idempotent; a lock directory keeps
// concurrent runs (parallel test processes, two terminals) from installing twice.
//
//   node scripts/provision-openvino.mjs          prints the python it settled on, last line
//   node scripts/provision-openvino.mjs --venv   always use (and if needed create) the project venv
import { existsSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const OPENVINO_VERSION = '2026.4.1';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const venvDir = join(root, '.cache', 'openvino-venv');
const lockDir = `${venvDir}.lock`;
const marker = join(venvDir, '.provisioned');
const isWin = process.platform === 'win32';

const log = (msg) => console.error(`[provision-openvino] ${msg}`);

function venvPython() {
  return isWin ? join(venvDir, 'Scripts', 'python.exe') : join(venvDir, 'bin', 'python');
}

/** The openvino version an interpreter imports, or undefined. */
function openvinoVersionOf(python) {
  const r = spawnSync(python, ['-c', 'import openvino; print(openvino.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** True when the venv was fully provisioned with the pinned version ("2026.4.1-22982-…"). */
function venvReady() {
  const v = existsSync(marker) ? openvinoVersionOf(venvPython()) : undefined;
  return v !== undefined && (v === OPENVINO_VERSION || v.startsWith(`${OPENVINO_VERSION}-`));
}

function run(cmd, args) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Takes the lock (mkdir is atomic), breaking it when its owner process is gone. */
function lock() {
  mkdirSync(dirname(lockDir), { recursive: true });
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      return;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let owner = NaN;
    try { owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8')); } catch { /* being created or removed */ }
    let alive = true;
    if (Number.isInteger(owner) && owner > 0) {
      try { process.kill(owner, 0); } catch (e) { alive = e.code === 'EPERM'; }
    }
    if (!alive) {
      log(`removing stale lock of process ${owner}`);
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir} (remove it if no provisioning is running)`);
    sleep(1000);
  }
}

function unlock() {
  rmSync(lockDir, { recursive: true, force: true });
}

function findBasePython() {
  const candidates = [process.env.PIXART_PYTHON, isWin ? 'python' : 'python3', 'python'].filter(Boolean);
  for (const c of candidates) {
    const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return c;
  }
  throw new Error('no Python found: install Python 3.9–3.13 (with its venv module) or set PIXART_PYTHON to an interpreter');
}

function provisionVenv() {
  if (venvReady()) return venvPython();
  lock();
  try {
    // Another process may have finished while we waited for the lock.
    if (venvReady()) return venvPython();
    rmSync(venvDir, { recursive: true, force: true });
    const base = findBasePython();
    log(`creating ${venvDir} with ${base} and installing openvino==${OPENVINO_VERSION} (about 50 MB, once)`);
    run(base, ['-m', 'venv', venvDir]);
    run(venvPython(), ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', `openvino==${OPENVINO_VERSION}`]);
    const got = openvinoVersionOf(venvPython());
    if (!got) throw new Error(`openvino does not import in ${venvDir} after installing it`);
    writeFileSync(marker, `openvino ${got}\n`);
    return venvPython();
  } finally {
    unlock();
  }
}

function main() {
  const forceVenv = process.argv.includes('--venv');
  if (!forceVenv) {
    for (const py of [process.env.PIXART_PYTHON, isWin ? 'python' : 'python3'].filter(Boolean)) {
      const v = openvinoVersionOf(py);
      if (v) {
        log(`${py} has openvino ${v}; nothing to provision`);
        console.log(py);
        return;
      }
    }
  }
  const py = provisionVenv();
  log(`using ${py} (${readFileSync(marker, 'utf8').trim()})`);
  console.log(py);
}

try {
  main();
} catch (e) {
  log(`failed: ${e.message}`);
  log(`fix: make "pip install openvino==${OPENVINO_VERSION}" work (network access to PyPI), or set PIXART_PYTHON to a Python that has openvino, then rerun.`);
  process.exit(1);
}
