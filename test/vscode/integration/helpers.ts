// What the integration suites share: the extension's id and its activated API, the test run's
// environment (set by test/vscode/run.mjs), the workspace's folders, and polling for a condition.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { activate } from '../../../src/extension/extension';

export const EXTENSION_ID = 'pixart-studio.pixart-studio';

/** What activate() returns: the controller (model, jobs, output folder, gallery), the gallery actions, the stall monitor. */
export type ExtensionApi = ReturnType<typeof activate>;

/** Activates the extension (once; later calls return the same API). */
export async function activateExtension(): Promise<ExtensionApi> {
  const ext = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed in the extension host`);
  return ext.activate();
}

/** A variable of the test run's environment; throws when it is missing. */
export const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through test/vscode/run.mjs)`);
  return v;
};

export const workspaceRoot = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
/** pixart.outputFolder's default in the test workspace. */
export const outputDir = () => path.join(workspaceRoot(), 'assets', 'generated');

/** Resolves when `predicate` holds, polling (model state lives in the extension). */
export async function until(what: string, predicate: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
