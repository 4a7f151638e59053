// Installing a package from the npm registry into a folder of its own, once: the install goes to
// DIR.tmp and is renamed into place only when usable, so an interrupted run leaves nothing that
// looks installed. Also: a Node binary from the npm package node@MAJOR.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function run(cmd, args, env, log) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 2, 'inherit'], env: env ?? process.env });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

/** Installs `spec` into `dir` unless its marker says it is there and `check(dir)` passes. */
export function installOnce(dir, spec, check, { env, log = () => {} } = {}) {
  const marker = join(dir, '.provisioned');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === spec && check(dir)) return;
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const t0 = Date.now();
  run('npm', ['install', '--prefix', tmp, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', spec], env, log);
  if (!check(tmp)) throw new Error(`${spec} installed into ${tmp} but is not usable`);
  writeFileSync(join(tmp, '.provisioned'), spec);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  log(`${spec} ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/** Where node@MAJOR installed into `dir` keeps its binary and headers. */
export const nodeHome = (dir) => join(dir, 'node_modules', 'node', 'node_modules', `node-${process.platform}-${process.arch}`);
export const nodeBin = (dir) => join(nodeHome(dir), 'bin', process.platform === 'win32' ? 'node.exe' : 'node');

/** Installs node@MAJOR into `dir` (once) and returns its binary. */
export function installNode(dir, major, { log } = {}) {
  const works = (d) => {
    const r = spawnSync(nodeBin(d), ['--version'], { encoding: 'utf8' });
    return r.status === 0 && r.stdout.startsWith(`v${major}.`);
  };
  installOnce(dir, `node@${major}`, works, { log });
  return nodeBin(dir);
}
