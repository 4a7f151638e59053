#!/usr/bin/env node
// Stands in for the VS Code executable that @vscode/test-electron's runTests starts
// (vscodeExecutablePath): takes the same command line (a folder, --extensionDevelopmentPath=…,
// --extensionTestsPath=…, --user-data-dir=…, --extensions-dir=…), runs the tests in code-server's
// workbench in headless chromium, prints the extension host's console, and exits with the code the
// workbench reports through window.codeAutomationExit when the test runner finishes.
// On a machine that can download VS Code, runTests runs the same suite with no launcher at all.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { watchMemory } from './support/memory.mjs';
import { launchBrowser, makeSandbox, remoteUri, removeSandbox, startCodeServer, tools, workbenchUrl } from './support/workbench.mjs';

// Lines the test extension host prints carry this mark (see integration/index.ts).
const CONSOLE_MARK = '\u2063pixart-test\u2063 ';
const TIMEOUT_MS = Number(process.env.PIXART_VSCODE_TIMEOUT_MS ?? 15 * 60_000);

function parseArgs(argv) {
  const out = { folder: undefined, devPaths: [], testsPath: undefined, userDataDir: undefined, extensionsDir: undefined };
  for (const a of argv) {
    const m = /^--([^=]+)=(.*)$/.exec(a);
    if (m) {
      if (m[1] === 'extensionDevelopmentPath') out.devPaths.push(m[2]);
      else if (m[1] === 'extensionTestsPath') out.testsPath = m[2];
      else if (m[1] === 'user-data-dir') out.userDataDir = m[2];
      else if (m[1] === 'extensions-dir') out.extensionsDir = m[2];
    } else if (!a.startsWith('-')) {
      out.folder = a;
    }
  }
  if (!out.testsPath || out.devPaths.length === 0) throw new Error('expected --extensionDevelopmentPath=… and --extensionTestsPath=…');
  return out;
}

const say = (m) => process.stdout.write(`[launcher] ${m}\n`);

/** The PixArt output channel's log files of the run (written by the extension host under the server's logs folder). */
function printExtensionLogs(dir) {
  for (const f of readdirSync(dir, { recursive: true }).filter((f) => /PixArt\.log$/.test(f))) {
    say(`--- ${f}`);
    process.stdout.write(readFileSync(join(dir, f), 'utf8'));
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const t = tools();
  // The sandbox is the parent of --user-data-dir when the caller prepared one (run-integration.mjs
  // does, with settings in it), else a fresh temporary one.
  const sandbox = args.userDataDir ? join(args.userDataDir, '..') : makeSandbox();
  for (const d of ['user-data/User', 'extensions', 'tmp', 'xdg/config', 'xdg/data', 'xdg/cache', 'xdg/state', 'browser']) mkdirSync(join(sandbox, d), { recursive: true });

  const t0 = Date.now();
  const memory = watchMemory(process.pid);
  const server = await startCodeServer(t, sandbox, { smokeTestDriver: true, log: (l) => process.env.PIXART_VSCODE_VERBOSE && say(`code-server: ${l}`) });
  say(`code-server ${server.url} up in ${Date.now() - t0} ms`);
  const browser = await launchBrowser(t, sandbox);
  let exitCode = 1;
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    const finished = new Promise((ok) => {
      // The workbench calls window.codeAutomationExit(code, logs) when the extension host's test runner ends.
      void page.exposeFunction('codeAutomationExit', (code) => ok(Number(code)));
    });
    page.on('console', (msg) => {
      const text = msg.text();
      // The extension host's console arrives here (VS Code forwards it with this prefix); the
      // workbench's own chatter stays out unless asked for.
      const mark = text.indexOf(CONSOLE_MARK);
      if (mark >= 0) process.stdout.write(`${text.slice(mark + CONSOLE_MARK.length)}\n`);
      else if (process.env.PIXART_VSCODE_VERBOSE || (msg.type() === 'error' && !text.startsWith('Failed to load resource'))) say(`browser ${msg.type()}: ${text}`);
    });
    page.on('pageerror', (err) => say(`page error: ${err.message}`));
    const payload = [
      ...args.devPaths.map((p) => ['extensionDevelopmentPath', remoteUri(server, p)]),
      ['extensionTestsPath', remoteUri(server, args.testsPath)],
    ];
    await page.goto(workbenchUrl(server, args.folder, payload));
    let timer;
    exitCode = await Promise.race([finished, new Promise((ok) => { timer = setTimeout(() => { say(`no result after ${TIMEOUT_MS / 1000} s`); ok(1); }, TIMEOUT_MS); })]);
    clearTimeout(timer);
    say(`workbench reported exit code ${exitCode} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
    const peak = memory.stop();
    if (exitCode !== 0 || process.env.PIXART_VSCODE_VERBOSE) printExtensionLogs(join(sandbox, 'user-data', 'logs'));
    say(`cold run (code-server start → tests → shutdown): ${((Date.now() - t0) / 1000).toFixed(1)} s; peak memory: ${peak.treeMb} MB for code-server + extension host + chromium (PSS), ${peak.extensionHostMb} MB extension host (RSS)`);
    if (!args.userDataDir) removeSandbox(sandbox);
  }
  process.exit(exitCode);
}

main().catch((e) => {
  say(e.stack ?? String(e));
  process.exit(1);
});
