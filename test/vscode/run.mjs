#!/usr/bin/env node
// The real-VS-Code suites (npm run test:vscode):
//   integration  mocha inside the extension host (through @vscode/test-electron's runTests, with
//                test/vscode/launcher.mjs standing in for the VS Code executable: code-server in
//                headless chromium), extension loaded from this folder (extensionDevelopmentPath)
//   e2e          Playwright on the workbench, with the packaged VSIX installed; screenshots in
//                test-output/vscode/
// Both run on the real worker and OpenVINO runtime with the tiny fixture model. First use installs
// Node 24 and code-server into .cache/vscode-test/ (scripts/provision-vscode.mjs).
//
//   node test/vscode/run.mjs [integration] [e2e]      (default: both)
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import { runTests } from '@vscode/test-electron';
import { QUIET_WORKBENCH, makeSandbox, openvinoLibrary, removeSandbox, repoRoot, tools, writeSettings } from './support/workbench.mjs';

const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['integration', 'e2e'];
const say = (m) => console.log(`[test:vscode] ${m}`);
const tinyModel = join(repoRoot, 'test', 'fixtures', 'pixart-tiny');

/** Machine settings of a user with this model and runtime (machine-scoped: they live with the extension host). */
export const machineSettings = (openvinoLib) => ({ 'pixart.modelPath': tinyModel, 'pixart.openvinoLibraryPath': openvinoLib });

function step(what, fn) {
  const t0 = Date.now();
  const r = fn();
  say(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return r;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: repoRoot, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

async function integration(openvinoLib) {
  step('build', () => run(process.execPath, ['esbuild.config.mjs']));
  const outDir = join(repoRoot, '.cache', 'vscode-test', 'out', 'integration');
  rmSync(outDir, { recursive: true, force: true });
  const dir = join(repoRoot, 'test', 'vscode', 'integration');
  await esbuild.build({
    entryPoints: readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)),
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha', 'sharp'], // sharp: native, required from node_modules (the tests write WebP and JPEG files)
    logLevel: 'warning',
  });
  const sandbox = makeSandbox('pixart-integration-');
  const workspace = join(sandbox, 'workspace');
  cpSync(join(repoRoot, 'test', 'vscode', 'fixtures', 'workspace'), workspace, { recursive: true });
  writeSettings(sandbox, QUIET_WORKBENCH, machineSettings(openvinoLib));
  const t0 = Date.now();
  let ok = false;
  try {
    await runTests({
      vscodeExecutablePath: join(repoRoot, 'test', 'vscode', 'launcher.mjs'),
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: join(outDir, 'index.js'),
      launchArgs: [workspace, `--user-data-dir=${join(sandbox, 'user-data')}`, `--extensions-dir=${join(sandbox, 'extensions')}`],
      extensionTestsEnv: { PIXART_TEST_MODEL: tinyModel, PIXART_TEST_OPENVINO_LIB: openvinoLib, PIXART_TEST_SANDBOX: sandbox },
    });
    ok = true;
  } finally {
    say(`integration suite: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (ok) removeSandbox(sandbox);
    else say(`kept ${sandbox} (workspace, settings, logs)`);
  }
}

/** The VSIXes a user installs, built as `npm run package` builds them: universal, and linux-x64 with its OpenVINO inside. */
function packageVsixes() {
  const dir = join(repoRoot, '.cache', 'vscode-test');
  mkdirSync(dir, { recursive: true });
  const universal = join(dir, 'pixart-studio.vsix');
  run(process.execPath, [join(repoRoot, 'scripts', 'package.mjs'), '--out', universal]);
  const vsixes = { PIXART_TEST_VSIX: universal };
  if (process.platform === 'linux' && process.arch === 'x64') {
    vsixes.PIXART_TEST_VSIX_BUNDLED = join(dir, 'pixart-studio-linux-x64.vsix');
    run(process.execPath, [join(repoRoot, 'scripts', 'package.mjs'), '--target', 'linux-x64', '--out', vsixes.PIXART_TEST_VSIX_BUNDLED]);
  }
  return vsixes;
}

async function e2e(openvinoLib) {
  const vsixes = step('package VSIXes', packageVsixes);
  rmSync(join(repoRoot, 'test-output', 'vscode'), { recursive: true, force: true }); // no stale screenshots from an earlier run
  const files = readdirSync(join(repoRoot, 'test', 'vscode', 'e2e')).filter((f) => f.endsWith('.test.ts')).map((f) => join('test', 'vscode', 'e2e', f));
  run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
    env: { ...process.env, ...vsixes, PIXART_TEST_MODEL: tinyModel, PIXART_TEST_OPENVINO_LIB: openvinoLib },
  });
}

async function main() {
  step('provision Node 24, code-server, chromium', () => tools());
  const openvinoLib = step('locate OpenVINO', () => openvinoLibrary());
  for (const s of suites) {
    if (s === 'integration') await integration(openvinoLib);
    else if (s === 'e2e') await e2e(openvinoLib);
    else throw new Error(`unknown suite ${s} (integration, e2e)`);
  }
}

main().catch((e) => {
  console.error(`[test:vscode] ${e.message}`);
  process.exit(1);
});
