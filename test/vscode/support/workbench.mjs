// A real VS Code for the tests: code-server (VS Code's server with the web workbench and a Node
// extension host) on 127.0.0.1, and Debian's chromium driven by playwright-core. Everything it
// writes (settings, extensions, logs, temp files, browser profile) stays under one sandbox folder.
import { mkdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { provisionVscode } from '../../../scripts/provision-vscode.mjs';

export const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/** The Node 24, code-server entry and chromium to use (installed into .cache/vscode-test on first use). */
export function tools() {
  return provisionVscode();
}

export function makeSandbox(prefix = 'pixart-vscode-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const d of ['user-data/User', 'extensions', 'tmp', 'xdg/config', 'xdg/data', 'xdg/cache', 'xdg/state', 'browser']) mkdirSync(join(dir, d), { recursive: true });
  return dir;
}

/** The OpenVINO C library the tests' runtime uses (provisioned into .cache/openvino-venv when needed). */
export function openvinoLibrary() {
  const r = spawnSync(process.execPath, ['-e', "require('tsx/cjs'); console.log(require('./test/support/engines').testRuntime().libraryPath)"], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error('could not locate or provision the OpenVINO runtime');
  return r.stdout.trim().split('\n').pop();
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** User settings for a quiet, predictable workbench (no welcome page, tips, telemetry, updates or chat). */
export const QUIET_WORKBENCH = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
};

/**
 * Writes a sandbox's settings: `user` into User/settings.json, `machine` into Machine/settings.json.
 * The extension host runs on the server (a remote in VS Code's terms), where machine-scoped settings
 * such as pixart.modelPath come from the machine settings, as over Remote-SSH.
 */
export function writeSettings(sandbox, user, machine = {}) {
  mkdirSync(join(sandbox, 'user-data', 'Machine'), { recursive: true });
  writeFileSync(join(sandbox, 'user-data', 'User', 'settings.json'), JSON.stringify(user, null, 2));
  writeFileSync(join(sandbox, 'user-data', 'Machine', 'settings.json'), JSON.stringify(machine, null, 2));
}

function sandboxEnv(sandbox, extra = {}) {
  return {
    ...process.env,
    TMPDIR: join(sandbox, 'tmp'),
    XDG_CONFIG_HOME: join(sandbox, 'xdg', 'config'),
    XDG_DATA_HOME: join(sandbox, 'xdg', 'data'),
    XDG_CACHE_HOME: join(sandbox, 'xdg', 'cache'),
    XDG_STATE_HOME: join(sandbox, 'xdg', 'state'),
    // No marketplace: nothing may be downloaded from Microsoft.
    EXTENSIONS_GALLERY: '{}',
    ...extra,
  };
}

function codeServerArgs(t, sandbox, { smokeTestDriver = false } = {}) {
  const configFile = join(sandbox, 'config.yaml');
  writeFileSync(configFile, 'auth: none\ncert: false\n');
  return [
    t.codeServer,
    '--auth', 'none',
    '--config', configFile,
    '--user-data-dir', join(sandbox, 'user-data'),
    '--extensions-dir', join(sandbox, 'extensions'),
    '--disable-telemetry',
    '--disable-update-check',
    // Workspace trust off, unless a test of Restricted Mode asks for it (PIXART_TEST_WORKSPACE_TRUST=1).
    ...(process.env.PIXART_TEST_WORKSPACE_TRUST === '1' ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    // Makes the web workbench honour ?payload=… (extensionDevelopmentPath, extensionTestsPath), and
    // also hides notification toasts: only for the extension-host test runs, never for UI tests.
    ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
  ];
}

/** Installs a VSIX into the sandbox's extensions folder with code-server's CLI. */
export function installVsix(t, sandbox, vsix) {
  const r = spawnSync(t.node, [...codeServerArgs(t, sandbox), '--install-extension', vsix, '--force'], { env: sandboxEnv(sandbox), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`installing ${vsix} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * Starts code-server and resolves once it answers. `log` receives its output lines;
 * `smokeTestDriver` lets the workbench URL carry a development payload (see workbenchUrl).
 * Returns { url, authority, process, stop() }.
 */
export async function startCodeServer(t, sandbox, { env = {}, log = () => {}, smokeTestDriver = false } = {}) {
  const port = await freePort();
  const child = spawn(t.node, [...codeServerArgs(t, sandbox, { smokeTestDriver }), '--bind-addr', `127.0.0.1:${port}`], {
    env: sandboxEnv(sandbox, env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so stop() ends the extension host and helpers too
  });
  let exited = null;
  child.on('exit', (code, signal) => { exited = code ?? signal; });
  for (const s of [child.stdout, child.stderr]) {
    s.setEncoding('utf8');
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const l of lines) log(l);
    });
  }
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`code-server exited (${exited}) before it answered`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error('code-server did not answer within 60 s');
    await new Promise((ok) => setTimeout(ok, 100));
  }
  const stop = async () => {
    if (exited !== null) return;
    const gone = new Promise((ok) => child.once('exit', ok));
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await gone;
    clearTimeout(timer);
  };
  return { url, port, authority: `127.0.0.1:${port}`, process: child, stop };
}

/** The workbench URL for a folder, with VS Code's development payload (extensionDevelopmentPath, extensionTestsPath…). */
export function workbenchUrl(server, folder, payload = []) {
  const q = new URLSearchParams();
  if (folder) q.set('folder', folder);
  if (payload.length) q.set('payload', JSON.stringify(payload.map(([k, v]) => [k, v])));
  return `${server.url}/?${q}`;
}

/** A file path as the workbench addresses it on the server. */
export function remoteUri(server, path) {
  return `vscode-remote://${server.authority}${resolve(path)}`;
}

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** Debian's chromium, headless, with a profile inside the sandbox. */
export async function launchBrowser(t, sandbox, { viewport = { width: 1400, height: 900 } } = {}) {
  return chromium.launchPersistentContext(join(sandbox, 'browser'), {
    executablePath: t.chromium,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    env: sandboxEnv(sandbox),
  });
}

export function removeSandbox(sandbox) {
  rmSync(sandbox, { recursive: true, force: true, maxRetries: 3 });
}
