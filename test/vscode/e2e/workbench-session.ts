// One code-server workbench for an e2e suite: a sandbox with a copy of the fixture workspace, the
// VSIX installed, settings written, code-server started and Chromium on the workbench, ready when
// the activity bar shows. close() takes it all down again.
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { env } from './helpers';
// @ts-expect-error plain JS helper shared with the launcher
import { QUIET_WORKBENCH, installVsix, launchBrowser, makeSandbox, removeSandbox, repoRoot, startCodeServer, tools, workbenchUrl, writeSettings } from '../support/workbench.mjs';

export interface WorkbenchSetup {
  /** The sandbox folder's name prefix, e.g. 'pixart-e2e-gallery-'. */
  prefix: string;
  /** User settings beside the quiet workbench's (the colour theme, …). */
  user?: Record<string, unknown>;
  /** Machine settings: pixart.modelPath and the like, where a remote window keeps them. */
  machine: Record<string, unknown>;
  /** The VSIX to install (default: PIXART_TEST_VSIX). */
  vsix?: string;
  /** Environment of code-server's processes (the extension host's too). */
  env?: Record<string, string>;
  /** The browser window's size (launchBrowser's default otherwise). */
  viewport?: { width: number; height: number };
  /** Runs before anything is installed: fill the workspace or the sandbox. */
  prepare?: (paths: { sandbox: string; workspace: string }) => void | Promise<void>;
}

export interface Workbench {
  sandbox: string;
  workspace: string;
  server: { url: string; stop(): Promise<void> };
  browser: BrowserContext;
  page: Page;
  /** Closes the browser and code-server, and removes the sandbox unless `keep`. */
  close(keep?: boolean): Promise<void>;
}

export async function openWorkbench(s: WorkbenchSetup): Promise<Workbench> {
  const t = tools();
  const sandbox: string = makeSandbox(s.prefix);
  const workspace = join(sandbox, 'workspace');
  cpSync(join(repoRoot, 'test', 'vscode', 'fixtures', 'workspace'), workspace, { recursive: true });
  await s.prepare?.({ sandbox, workspace });
  installVsix(t, sandbox, s.vsix ?? env('PIXART_TEST_VSIX'));
  writeSettings(sandbox, { ...QUIET_WORKBENCH, ...s.user }, s.machine);
  const log = (l: string) => process.env.PIXART_VSCODE_VERBOSE && console.log(`code-server: ${l}`);
  const server = await startCodeServer(t, sandbox, { env: s.env ?? {}, log });
  const browser: BrowserContext = await launchBrowser(t, sandbox, s.viewport ? { viewport: s.viewport } : {});
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto(workbenchUrl(server, workspace));
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
  return {
    sandbox, workspace, server, browser, page,
    async close(keep = false) {
      await browser.close();
      await server.stop();
      if (keep) console.log(`kept ${sandbox}`);
      else removeSandbox(sandbox);
    },
  };
}

/** The extension's own log (the PixArt output channel) in a sandbox's workbench, '' before it exists. */
export function pixartLog(sandbox: string): string {
  const logs = join(sandbox, 'user-data', 'logs');
  if (!existsSync(logs)) return '';
  return readdirSync(logs, { recursive: true }).map(String).filter((f) => f.endsWith('PixArt.log')).map((f) => readFileSync(join(logs, f), 'utf8')).join('\n');
}

/**
 * A test (`it`) that, when it fails, leaves test-output/vscode/failed-<suite>-<title>.png behind
 * and prints the end of the extension's log (what a CI failure's story needs).
 */
export function itWithShot(suite: string, page: () => Page | undefined, sandbox?: () => string | undefined): (title: string, body: () => Promise<void>) => void {
  return (title, body) =>
    it(title, async () => {
      try {
        await body();
      } catch (e) {
        const name = `failed-${suite}-${title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`;
        await page()?.screenshot({ path: join(repoRoot, 'test-output', 'vscode', name) }).catch(() => undefined);
        const box = sandbox?.();
        if (box) console.log(`--- the end of PixArt.log (${suite}: ${title})\n${pixartLog(box).split('\n').slice(-40).join('\n')}`);
        throw e;
      }
    });
}
