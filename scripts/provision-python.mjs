#!/usr/bin/env node
// Creates or updates a Python virtual environment from a requirements file, idempotently: a stamp
// in the venv holds the sha256 of the requirements file (and the interpreter's version), so a
// second run with nothing changed only hashes a file and stats a path (~50 ms). A lock directory
// keeps concurrent runs (parallel test processes, two terminals) from installing twice.
//
//   node scripts/provision-python.mjs [--requirements FILE] [--venv DIR] [--python EXE]
//     defaults: models/requirements-light.txt, .cache/python-venv, $PIXART_PYTHON or python3
//   Prints the venv's python on the last line of stdout; progress goes to stderr.
//
// Also importable: `import { provisionPython } from './provision-python.mjs'`.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withLock } from './lib/lock.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const isWin = process.platform === 'win32';
const STAMP = '.pixart-provisioned.json';

const log = (msg) => console.error(`[provision-python] ${msg}`);

export function venvPython(venvDir) {
  return isWin ? join(venvDir, 'Scripts', 'python.exe') : join(venvDir, 'bin', 'python');
}

/** Hash of a requirements file and of the files it includes with -r, so editing either reprovisions. */
function requirementsHash(file, hash = createHash('sha256'), seen = new Set()) {
  if (seen.has(file)) return hash;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  hash.update(`${file}\n${text}\n`);
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:-r|--requirement)[\s=]+(\S+)/.exec(line);
    if (m) requirementsHash(resolve(dirname(file), m[1]), hash, seen);
  }
  return hash;
}

function run(cmd, args) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 2, 2] });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function pythonVersion(python) {
  const r = spawnSync(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function findBasePython(preferred) {
  const candidates = [preferred, process.env.PIXART_PYTHON, isWin ? 'python' : 'python3', 'python'].filter(Boolean);
  for (const c of candidates) {
    const v = pythonVersion(c);
    if (v) return { python: c, version: v };
  }
  throw new Error('no Python found: install Python 3.10–3.13 with its venv module, or set PIXART_PYTHON to an interpreter');
}

function readStamp(venvDir) {
  try {
    return JSON.parse(readFileSync(join(venvDir, STAMP), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Makes `venv` hold exactly what `requirements` asks for and returns its python.
 * Fast path: the stamp matches the requirements' hash and the venv's python runs.
 */
export function provisionPython({ requirements = 'models/requirements-light.txt', venv = '.cache/python-venv', python } = {}) {
  const reqFile = isAbsolute(requirements) ? requirements : resolve(root, requirements);
  const venvDir = isAbsolute(venv) ? venv : resolve(root, venv);
  if (!existsSync(reqFile)) throw new Error(`requirements file ${reqFile} does not exist`);
  const wanted = requirementsHash(reqFile).digest('hex');
  const py = venvPython(venvDir);
  const fresh = () => {
    const stamp = readStamp(venvDir);
    return stamp?.requirementsSha256 === wanted && existsSync(py) && stamp.python === pythonVersion(py);
  };
  if (fresh()) return py;

  return withLock(`${venvDir}.lock`, () => {
    if (fresh()) return py; // another process finished while we waited
    const base = findBasePython(python);
    const stamp = readStamp(venvDir);
    // A venv made by another interpreter version cannot be upgraded in place: start over.
    if (existsSync(venvDir) && (!existsSync(py) || (stamp && pythonVersion(py) !== base.version))) {
      log(`recreating ${venvDir} (its python is missing or not ${base.version})`);
      rmSync(venvDir, { recursive: true, force: true });
    }
    if (!existsSync(py)) {
      log(`creating ${venvDir} with ${base.python} ${base.version}`);
      run(base.python, ['-m', 'venv', venvDir]);
    }
    log(`installing ${reqFile} into ${venvDir}`);
    rmSync(join(venvDir, STAMP), { force: true }); // a failed install must not look provisioned
    run(py, ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '-r', reqFile]);
    writeFileSync(join(venvDir, STAMP), JSON.stringify({
      requirements: reqFile,
      requirementsSha256: wanted,
      python: pythonVersion(py),
      at: new Date().toISOString(),
    }, null, 2) + '\n');
    return py;
  }, { timeoutMs: 20 * 60_000, log });
}

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--requirements') opts.requirements = value;
    else if (flag === '--venv') opts.venv = value;
    else if (flag === '--python') opts.python = value;
    else throw new Error(`unknown argument ${flag} (use --requirements FILE, --venv DIR, --python EXE)`);
    i++;
  }
  return opts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const started = Date.now();
    const py = provisionPython(parseArgs(process.argv.slice(2)));
    log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${py}`);
    console.log(py);
  } catch (e) {
    log(`failed: ${e.message}`);
    log('fix: make "pip install -r <requirements>" work (network access to PyPI), or set PIXART_PYTHON to a Python 3.10–3.13 with venv, then rerun.');
    process.exit(1);
  }
}
