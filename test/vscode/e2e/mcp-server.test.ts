// The MCP server definition in VS Code's own UI: the packaged VSIX installed into code-server with
// a model folder set, and "MCP: List Servers" lists PixArt Studio, offered by the extension's
// provider (contributes.mcpServerDefinitionProviders). When the packaged CLI has `pixart mcp`, the
// server is started from that list and VS Code's MCP output shows it running with its two tools.
// Screenshots: test-output/vscode/10-mcp-servers.png, 11-mcp-server-output.png.
// Run by test/vscode/run.mjs (npm run test:e2e), which packages the VSIX first.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { env, until } from './helpers';
import { openWorkbench, type Workbench } from './workbench-session';
// @ts-expect-error plain JS helper shared with the launcher
import { repoRoot } from '../support/workbench.mjs';

const shots = join(repoRoot, 'test-output', 'vscode');
const SERVER = 'PixArt Studio';
let workbench: Workbench | undefined;
let sandbox: string;
let page: Page;

const rows = () => page.locator('.quick-input-list .monaco-list-row');

/** Opens the command palette (the command center when the title bar shows it, else F1) and runs `title`. */
async function runCommand(title: string): Promise<void> {
  const center = page.locator('.command-center-center');
  if (await center.isVisible()) await center.click();
  else await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input:focus');
  await input.waitFor();
  // fill, not type: the palette may open with its '>' already there.
  await input.fill(`>${title}`);
  await until(() => input.inputValue(), (v) => v === `>${title}`, `the palette to read "${title}"`);
  // Short: a command not registered yet (the workbench's MCP part starts late) is retried by the caller.
  await rows().filter({ hasText: title }).first().click({ timeout: 5000 });
}

/** The rows of "MCP: List Servers", retried until `ok` holds (the provider registers when the extension activates). */
async function listServers(ok: (texts: string[]) => boolean, what: string): Promise<string[]> {
  return until(
    async () => {
      await page.keyboard.press('Escape');
      await runCommand('MCP: List Servers');
      await page.locator('.quick-input-widget input[placeholder="Select an MCP Server"]').waitFor({ timeout: 5000 });
      await rows().first().waitFor({ timeout: 5000 });
      return rows().allInnerTexts();
    },
    ok,
    what,
    120_000,
  );
}

/** Whether the CLI bundle in the installed extension serves MCP (`pixart mcp`, written separately). */
function cliServesMcp(): boolean {
  const ext = readdirSync(join(sandbox, 'extensions')).find((d) => d.startsWith('pixart-studio.pixart-studio-'));
  assert.ok(ext, 'the VSIX is installed');
  const r = spawnSync(process.execPath, [join(sandbox, 'extensions', ext, 'dist', 'cli.js'), '--help'], { encoding: 'utf8' });
  return /pixart mcp/.test(r.stdout);
}

describe('the MCP server definition in VS Code', { timeout: 5 * 60_000 }, () => {
  before(async () => {
    mkdirSync(shots, { recursive: true });
    workbench = await openWorkbench({
      prefix: 'pixart-mcp-',
      // VS Code's MCP list is part of its AI features, which the other suites turn off.
      user: { 'chat.disableAIFeatures': false },
      machine: { 'pixart.modelPath': env('PIXART_TEST_MODEL'), 'pixart.openvinoLibraryPath': env('PIXART_TEST_OPENVINO_LIB') },
    });
    ({ page, sandbox } = workbench);
  });

  after(async () => {
    await workbench?.close();
  });

  /** A test that leaves a screenshot behind when it fails. */
  const test = (name: string, body: (t: { skip(message: string): void }) => Promise<void>) =>
    it(name, async (t) => {
      try {
        await body(t);
      } catch (e) {
        await page?.screenshot({ path: join(shots, `failed-mcp-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 50)}.png`) }).catch(() => undefined);
        throw e;
      }
    });

  test('MCP: List Servers lists PixArt Studio, offered by the extension', async () => {
    const listed = await listServers((texts) => texts.some((r) => r.startsWith(SERVER)), `${SERVER} in the MCP server list`);
    const row = listed.find((r) => r.startsWith(SERVER))!;
    // Label, state, and the collection it comes from (the provider's label in package.json).
    assert.match(row, /^PixArt Studio\s*Stopped\s*PixArt Studio$/, row);
    await page.screenshot({ path: join(shots, '10-mcp-servers.png') });
  });

  test('started from the list, the server runs and VS Code discovers its tools', async (t) => {
    if (!cliServesMcp()) {
      t.skip('the packaged CLI has no `pixart mcp` yet');
      await page.keyboard.press('Escape');
      return;
    }
    await rows().filter({ hasText: SERVER }).first().click();
    await rows().filter({ hasText: 'Start Server' }).first().click();
    await listServers((texts) => texts.some((r) => r.startsWith(SERVER) && /Running/.test(r)), `${SERVER} to be running`);
    await rows().filter({ hasText: SERVER }).first().click();
    await rows().filter({ hasText: 'Show Output' }).first().click();
    const output = page.locator('.part.panel .monaco-editor .view-lines');
    const text = await until(async () => (await output.innerText()).replace(/\u00a0/g, ' '), (s) => /Discovered 2 tools/.test(s), 'the MCP output to report the tools', 60_000);
    assert.match(text, /Connection state: Running/);
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    await page.screenshot({ path: join(shots, '11-mcp-server-output.png') });
  });
});
