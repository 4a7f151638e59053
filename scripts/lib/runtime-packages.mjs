// The runtime packages esbuild leaves external (koffi, sharp), installed for one VS Code target
// into a folder of their own: npm picks each package's per-platform binaries from --os/--cpu/--libc.
// @huggingface/tokenizers comes along only so that `npm list` (which vsce runs) sees every
// dependency; it is bundled into dist/ and .vscodeignore keeps its copy out of the VSIX.
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

export const RUNTIME_PACKAGES = ['koffi', 'sharp', '@huggingface/tokenizers'];

/** The version package-lock.json pins for `name`. */
export function lockedVersion(repoRoot, name) {
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8'));
  const v = lock.packages?.[`node_modules/${name}`]?.version;
  if (!v) throw new Error(`package-lock.json pins no version of ${name}`);
  return v;
}

/** Installs the runtime packages for `spec` ({ os, cpu, libc }) into `dir`/node_modules. */
export function installRuntimePackages(repoRoot, dir, spec, { log = () => {} } = {}) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // A package.json of its own: without one npm would install into the nearest folder above that has one.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'pixart-runtime-packages', private: true }));
  const pkgs = RUNTIME_PACKAGES.map((n) => `${n}@${lockedVersion(repoRoot, n)}`);
  const args = ['install', '--prefix', dir, '--no-save', '--no-package-lock', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund',
    '--loglevel=error', `--os=${spec.os}`, `--cpu=${spec.cpu}`, ...(spec.libc ? [`--libc=${spec.libc}`] : []), ...pkgs];
  log(`$ npm ${args.join(' ')}`);
  const r = spawnSync('npm', args, { stdio: ['ignore', 2, 'inherit'], shell: process.platform === 'win32' });
  if (r.status !== 0) throw new Error(`npm install for ${spec.os}-${spec.cpu} failed (exit ${r.status})`);
  checkPlatformPackages(join(dir, 'node_modules'), spec);
  return join(dir, 'node_modules');
}

/**
 * Checks that node_modules holds koffi's and sharp's per-platform packages for `spec` and none
 * for another platform. Returns their names.
 */
export function checkPlatformPackages(nodeModules, spec) {
  const platform = `${spec.os}-${spec.cpu}`;
  const expected = [`@koromix/koffi-${platform}`, `@img/sharp-${platform}`];
  // On Linux and macOS libvips is a package of its own; the Windows sharp package carries its DLLs.
  if (spec.os !== 'win32') expected.push(`@img/sharp-libvips-${platform}`);
  const scoped = (scope) => (existsSync(join(nodeModules, scope)) ? readdirSync(join(nodeModules, scope)).map((n) => `${scope}/${n}`) : []);
  const found = [...scoped('@koromix'), ...scoped('@img')].filter((n) => n !== '@img/colour');
  const missing = expected.filter((n) => !found.includes(n));
  const foreign = found.filter((n) => !expected.includes(n));
  if (missing.length || foreign.length) {
    throw new Error(`node_modules for ${platform}: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && foreign.length ? '; ' : ''}${foreign.length ? `other platforms' ${foreign.join(', ')}` : ''}`);
  }
  return expected;
}
