// Restricted Mode for the chat tools and the MCP server definition: a code-server window with
// workspace trust on (PIXART_TEST_WORKSPACE_TRUST=1 keeps --disable-workspace-trust off) and the
// workspace never trusted, the extension loaded from this folder, and mcp-restricted-host.ts run
// in its extension host through test/vscode/launcher.mjs (the integration suite's window has trust
// off, so it cannot be in Restricted Mode). Run by test/vscode/run.mjs (npm run test:e2e).

import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import { env } from './helpers';
// @ts-expect-error plain JS helper shared with the launcher
import { QUIET_WORKBENCH, makeSandbox, removeSandbox, repoRoot, writeSettings } from '../support/workbench.mjs';

const RESTRICTED = {
  'security.workspace.trust.enabled': true,
  // No modal question at startup: the folder simply opens in Restricted Mode.
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
};

describe('Restricted Mode: the chat tool refuses, listing works, no MCP server', { timeout: 5 * 60_000 }, () => {
  const sandbox = makeSandbox('pixart-restricted-');
  let ok = false;
  after(() => (ok ? removeSandbox(sandbox) : console.log(`kept ${sandbox}`)));

  it('runs the checks in an extension host whose workspace is not trusted', async () => {
    const out = join(repoRoot, '.cache', 'vscode-test', 'out', 'restricted');
    rmSync(out, { recursive: true, force: true });
    await esbuild.build({ entryPoints: [join(repoRoot, 'test', 'vscode', 'e2e', 'mcp-restricted-host.ts')], outfile: join(out, 'index.js'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'warning' });
    const workspace = join(sandbox, 'workspace');
    cpSync(join(repoRoot, 'test', 'vscode', 'fixtures', 'workspace'), workspace, { recursive: true });
    writeSettings(sandbox, { ...QUIET_WORKBENCH, ...RESTRICTED }, { 'pixart.modelPath': env('PIXART_TEST_MODEL'), 'pixart.openvinoLibraryPath': env('PIXART_TEST_OPENVINO_LIB') });
    const r = spawnSync(process.execPath, [join(repoRoot, 'test', 'vscode', 'launcher.mjs'), workspace, `--extensionDevelopmentPath=${repoRoot}`, `--extensionTestsPath=${join(out, 'index.js')}`, `--user-data-dir=${join(sandbox, 'user-data')}`, `--extensions-dir=${join(sandbox, 'extensions')}`], {
      env: { ...process.env, PIXART_TEST_WORKSPACE_TRUST: '1' },
      encoding: 'utf8',
      timeout: 4 * 60_000,
    });
    const output = `${r.stdout}\n${r.stderr}`;
    console.log(output.split('\n').filter((l) => /^✔|\[launcher\] (workbench reported|cold run)|Error|assert/i.test(l)).join('\n'));
    assert.equal(r.status, 0, output);
    // Each check printed its line: none was skipped by an early return.
    assert.equal(output.split('\n').filter((l) => l.startsWith('✔ ')).length, 4, output);
    ok = true;
  });
});
