// The openvino wheels, fetched with pip (hash-checked) into a cache outside the clone, so fresh
// clones (CI) reuse them: PIXART_WHEEL_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/pixart-studio/openvino-wheels.
// A cached file is re-hashed before every use.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { withLock } from './lock.mjs';

export function wheelCacheDir(env = process.env) {
  if (env.PIXART_WHEEL_CACHE) return env.PIXART_WHEEL_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pixart-studio', 'openvino-wheels');
}

export async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

/** A Python whose pip runs: PIXART_PYTHON, python3, python. */
function pipPython(env) {
  const candidates = [env.PIXART_PYTHON, 'python3', 'python'].filter(Boolean);
  for (const python of candidates) {
    const r = spawnSync(python, ['-m', 'pip', '--version'], { encoding: 'utf8' });
    if (r.status === 0) return python;
  }
  throw new Error(`no Python with pip found (tried ${candidates.join(', ')}); pip fetches the openvino wheels. Set PIXART_PYTHON.`);
}

function pipDownload(spec, meta, into, env, log) {
  mkdirSync(into, { recursive: true });
  const requirements = join(into, 'requirements.txt');
  writeFileSync(requirements, `openvino==${meta.version} --hash=sha256:${spec.sha256}\n`);
  const python = pipPython(env);
  const args = ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--platform', spec.platform, '--python-version', meta.pythonVersion,
    '--require-hashes', '-r', requirements, '-d', into, '--disable-pip-version-check', '--quiet'];
  log(`$ ${python} ${args.join(' ')}`);
  const r = spawnSync(python, args, { stdio: ['ignore', 2, 'inherit'], env });
  if (r.status !== 0) throw new Error(`pip download of ${spec.wheel} failed (exit ${r.status ?? r.error?.message}); the pinned sha256 is ${spec.sha256}`);
}

/** The verified wheel of `spec` (an entry of scripts/openvino-wheels.json) in the cache, fetching it if needed. */
export async function ensureWheel(spec, meta, { env = process.env, log = () => {} } = {}) {
  const dir = wheelCacheDir(env);
  const file = join(dir, spec.wheel);
  if (existsSync(file)) {
    const got = await sha256File(file);
    if (got === spec.sha256) return file;
    log(`${file}: sha256 ${got}, expected ${spec.sha256}; deleting it and fetching again`);
    rmSync(file, { force: true });
  }
  const tmp = join(dir, `.download-${process.pid}`);
  withLock(join(dir, `.lock-${spec.wheel}`), () => {
    if (existsSync(file)) return; // another process fetched it meanwhile (hash checked below)
    try {
      pipDownload(spec, meta, tmp, env, log);
      const got = readdirSync(tmp).find((n) => n === spec.wheel);
      if (!got) throw new Error(`pip download left no ${spec.wheel} in ${tmp} (found: ${readdirSync(tmp).join(', ')})`);
      renameSync(join(tmp, got), file);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, { log });
  const got = await sha256File(file);
  if (got !== spec.sha256) {
    rmSync(file, { force: true });
    throw new Error(`${file}: sha256 ${got} after fetching, expected ${spec.sha256} (scripts/openvino-wheels.json); the file was deleted`);
  }
  return file;
}
