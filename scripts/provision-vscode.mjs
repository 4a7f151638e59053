#!/usr/bin/env node
// Provides what the real-VS-Code tests run on, from the npm registry only, into .cache/vscode-test/:
//   node24/       the npm package node@24 (a Node 24 binary with its headers): code-server needs Node 24
//   code-server/  code-server (VS Code server + web workbench with a Node extension host), installed
//                 with that Node first on PATH and npm_config_nodedir pointing at its headers, so its
//                 native modules build for it (a ~/.npmrc nodedir for another Node would break them)
// and checks the system browser (Debian's chromium, driven by playwright-core; never downloaded).
// Idempotent: each part is installed into a temporary folder and renamed into place when complete,
// under a lock directory so two runs do not install twice.
//
//   node scripts/provision-vscode.mjs     prints {"node","codeServer","chromium"} as JSON, last line
//
// Needs (Debian): chromium, and libkrb5-dev plus a C++ toolchain to build code-server's kerberos
// module. .ci/run installs them; on a workstation: sudo apt-get install chromium libkrb5-dev build-essential
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withLock } from './lib/lock.mjs';
import { installNode, installOnce, nodeHome } from './lib/npm-package.mjs';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_VERSION = '24';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, '.cache', 'vscode-test');
const log = (msg) => console.error(`[provision-vscode] ${msg}`);

const codeServerEntry = (dir) => join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

export function findChromium() {
  for (const p of [process.env.PIXART_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean)) {
    if (existsSync(p)) return p;
  }
  return undefined;
}

export function provisionVscode() {
  if (process.platform !== 'linux') throw new Error('the code-server test setup is written for Linux');
  const chromium = findChromium();
  if (!chromium) throw new Error('no chromium found (install Debian\'s chromium: apt-get install chromium, or set PIXART_CHROMIUM)');
  const nodeDir = join(cacheDir, 'node24');
  const csDir = join(cacheDir, 'code-server');
  return withLock(join(cacheDir, '.lock'), () => {
    const node = installNode(nodeDir, NODE_VERSION, { log });
    const home = nodeHome(nodeDir);
    // Under `npm run`, npm_* variables of the outer npm (Node 20) would reach the inner install as
    // its config, e.g. npm_config_user_agent, from which code-server's postinstall reads the Node
    // version and refuses: the inner npm gets none of them.
    const outer = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    const env = {
      ...outer,
      PATH: `${join(home, 'bin')}:${process.env.PATH}`,
      npm_config_nodedir: home,
      // No telemetry or update pings during install.
      npm_config_update_notifier: 'false',
    };
    installOnce(csDir, `code-server@${CODE_SERVER_VERSION}`, (d) => existsSync(codeServerEntry(d)) && existsSync(join(d, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules')), { env, log });
    return { node, codeServer: codeServerEntry(csDir), chromium };
  }, { log });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    console.log(JSON.stringify(provisionVscode()));
  } catch (e) {
    log(e.message);
    process.exit(1);
  }
}
