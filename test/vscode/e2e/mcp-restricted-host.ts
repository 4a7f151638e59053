// Runs inside the extension host of a window whose workspace is in Restricted Mode (workspace trust
// on, the folder never trusted), started by mcp-restricted.test.ts through test/vscode/launcher.mjs:
// the chat tool refuses to generate with its message and queues nothing, listing still works (it
// only reads), and no MCP server is offered (it would write into the workspace). A rejection of
// run() fails the launcher's exit code.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension/extension';
import { RESTRICTED_MODE_MESSAGE } from '../../../src/extension/lm-generate-tool';
import type { JobEvent } from '../../../src/extension/job-runner';
import { log } from '../integration/log';

const invoke = (name: string, input: object) => Promise.resolve(vscode.lm.invokeTool(name, { input, toolInvocationToken: undefined }));

async function check(name: string, body: () => Promise<void>): Promise<void> {
  await body();
  log(`✔ ${name}`);
}

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<ExtensionApi>('pixart-studio.pixart-studio');
  assert.ok(ext, 'the extension is loaded');
  const api = await ext.activate();
  const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const events: JobEvent[] = [];
  api.controller.jobs.onJobEvent((e) => events.push(e));

  await check('the workspace is in Restricted Mode, and the extension runs there', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    assert.equal(ext.isActive, true);
  });

  await check('the generate tool refuses with its message, before any confirmation, queuing nothing and writing nothing', async () => {
    await assert.rejects(invoke('pixart_generate_image', { prompt: 'a small cactus in a terracotta pot', size: '128x128', steps: 2 }), (e: Error) => e.message.includes(RESTRICTED_MODE_MESSAGE));
    await assert.rejects(Promise.resolve(api.tools.generate.prepareInvocation({ input: { prompt: 'a cactus' } })), (e: Error) => e.message === RESTRICTED_MODE_MESSAGE);
    assert.deepEqual(events, []);
    assert.equal(fs.existsSync(path.join(root, 'assets')), false, 'no output folder was made');
  });

  await check('the list tool still answers (it only reads)', async () => {
    const result = await invoke('pixart_list_images', {});
    const [summary, json] = result.content.map((p) => (p as vscode.LanguageModelTextPart).value);
    assert.equal(summary, '0 images in assets/generated, newest first.');
    assert.deepEqual(JSON.parse(json), { total: 0, images: [] });
  });

  await check('no MCP server is offered in Restricted Mode', async () => {
    assert.equal(api.controller.currentSettings.modelPath !== '', true, 'a model folder is set (from the machine settings)');
    assert.deepEqual(await api.mcp.provideMcpServerDefinitions(), []);
  });
}
