// Runs inside the real VS Code extension host (code-server's, started by test/vscode/run.mjs) with
// the real worker thread and the real OpenVINO runtime on the tiny fixture model. The workspace is
// a fresh copy of test/vscode/fixtures/workspace; user settings point pixart.modelPath at the tiny
// model and pixart.openvinoLibraryPath at the provisioned runtime.

import * as assert from 'node:assert/strict';
import { before, describe, it } from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Controller } from '../../../src/extension/controller';
import type { JobEvent } from '../../../src/extension/job-runner';
import type { StallMonitor } from '../../../src/extension/stall-monitor';
import { readPngText } from '../../../src/image/png';
import { fromParameters } from '../../../src/image/parameters';
import { EXTENSION_ID, activateExtension, env, outputDir, until, workspaceRoot } from './helpers';
import { log } from './log';
import { params } from './params';

let controller: Controller;
let stall: StallMonitor;
const pngsIn = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.png')).sort() : []);

/** The events of one job, until it is done or failed. */
function jobOutcome(jobId: string, onEvent?: (e: JobEvent) => void): Promise<Extract<JobEvent, { kind: 'done' | 'failed' }>> {
  return new Promise((resolve) => {
    const sub = controller.jobs.onJobEvent((e) => {
      if (e.jobId !== jobId) return;
      onEvent?.(e);
      if (e.kind === 'done' || e.kind === 'failed') {
        sub.dispose();
        resolve(e);
      }
    });
  });
}


describe('PixArt Studio in a real VS Code', () => {
  before(async () => {
    ({ controller, stall } = await activateExtension());
  });

  it('activates on startup and exports its controller', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.equal(ext.isActive, true);
    assert.ok(controller, 'activate() returns { controller }');
  });

  it('registers every command it contributes', async () => {
    const contributed: { command: string }[] = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands;
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.map((c) => c.command).filter((c) => !registered.has(c));
    assert.deepEqual(missing, []);
    assert.ok(contributed.length >= 9);
  });

  it('reads its settings, and follows changes to them', async () => {
    const s = controller.currentSettings;
    assert.equal(s.modelPath, env('PIXART_TEST_MODEL'));
    assert.equal(s.openvinoLibraryPath, env('PIXART_TEST_OPENVINO_LIB'));
    assert.equal(s.outputFolder, 'assets/generated');
    const cfg = vscode.workspace.getConfiguration('pixart');
    await cfg.update('defaultSteps', 3, vscode.ConfigurationTarget.Global);
    try {
      await until('defaultSteps to reach the controller', () => controller.currentSettings.defaultSteps === 3, 5000);
      assert.equal(controller.model.formDefaults().steps, 3);
    } finally {
      await cfg.update('defaultSteps', undefined, vscode.ConfigurationTarget.Global);
    }
    await until('defaultSteps to be reset', () => controller.currentSettings.defaultSteps === 0, 5000);
  });

  it('starts the worker, loads the tiny model and generates a PNG with its parameters into assets/generated/', async () => {
    const before = pngsIn(outputDir());
    const job = await controller.jobs.enqueue(params());
    assert.ok(job, 'the job was queued');
    const steps: number[] = [];
    const outcome = await jobOutcome(job.id, (e) => e.kind === 'progress' && steps.push(e.step));
    assert.equal(outcome.kind, 'done', outcome.kind === 'failed' ? outcome.message : '');
    if (outcome.kind !== 'done') return;
    assert.deepEqual(steps, [1, 2], 'a progress event per step');
    assert.equal(controller.model.state.state, 'ready');
    // The form's limits follow the model: LCM runs at most its original_inference_steps (50).
    assert.equal(controller.model.state.model?.maxSteps, 50);
    const tooMany = controller.model.validate({ ...params(), steps: 60 });
    assert.ok(!tooMany.ok && tooMany.errors.some((e) => e.field === 'steps' && /from 1 to 50/.test(e.message)));
    assert.equal(controller.model.state.model?.name !== undefined, true);
    assert.equal(outcome.files.length, 1);
    const file = outcome.files[0];
    assert.equal(path.dirname(file), outputDir());
    assert.match(path.basename(file), /^\d{4}-\d{2}-\d{2}-\d{6}-seed42-small-cactus-in-terracotta-pot\.png$/);
    assert.deepEqual(pngsIn(outputDir()), [...before, path.basename(file)].sort());
    const text = readPngText(fs.readFileSync(file));
    assert.ok(text.parameters, 'the PNG carries a parameters text chunk');
    const p = fromParameters(text.parameters);
    assert.equal(p.prompt, 'a small cactus in a terracotta pot');
    assert.equal(p.seed, '42');
    assert.equal(p.steps, 2);
    assert.equal(p.width, 128);
    assert.equal(p.height, 128);
    assert.equal(p.sampler, 'LCM');
    // The extension host's event loop stays free while the worker generates (issue: < 50 ms).
    log(`largest extension-host event-loop stall during generation: ${stall.maxStallMs.toFixed(1)} ms`);
    assert.ok(stall.maxStallMs < 50, `event-loop stall ${stall.maxStallMs} ms`);
  });

  it('inserts the image into the open Markdown document at the cursor, relative to the document', async () => {
    const image = path.join(outputDir(), pngsIn(outputDir())[0]);
    const docPath = path.join(workspaceRoot(), 'docs', 'notes.md');
    const editor = await vscode.window.showTextDocument(vscode.Uri.file(docPath));
    const line = editor.document.lineAt(3); // the empty line after "A picture of the garden:"
    assert.equal(line.text, '');
    editor.selection = new vscode.Selection(line.range.start, line.range.start);
    await vscode.commands.executeCommand('pixart.insertImage', vscode.Uri.file(image));
    const inserted = editor.document.lineAt(3).text;
    assert.equal(inserted, `![a small cactus in a terracotta pot](../assets/generated/${path.basename(image)})`);
    assert.equal(editor.document.lineAt(2).text, 'A picture of the garden:', 'the text around the cursor is untouched');
    // The link resolves from the document's folder.
    assert.ok(fs.existsSync(path.resolve(path.dirname(docPath), inserted.slice(inserted.indexOf('](') + 2, -1))));
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('cancels mid-generation and leaves no partial file', async () => {
    const before = pngsIn(outputDir());
    const job = await controller.jobs.enqueue(params({ steps: 40, seed: '7' }));
    assert.ok(job);
    let cancelledAt = 0;
    const outcome = await jobOutcome(job.id, (e) => {
      if (e.kind === 'progress' && !cancelledAt) {
        cancelledAt = e.step;
        controller.jobs.cancel(job.id);
      }
    });
    assert.equal(outcome.kind, 'failed');
    assert.equal(outcome.kind === 'failed' && outcome.cancelled, true, 'reported as cancelled');
    assert.ok(cancelledAt >= 1 && cancelledAt < 40, 'cancelled while steps were running');
    log(`cancelled after step ${cancelledAt} of 40`);
    assert.deepEqual(pngsIn(outputDir()), before, 'no new image');
    assert.deepEqual(fs.readdirSync(outputDir()).filter((f) => f.startsWith('.') || f.endsWith('.tmp')), [], 'no temporary file left');
    assert.equal(controller.jobs.queue.size, 0);
  });

  it('an OpenVINO that cannot be found or loaded: one line naming it, the button that fixes it, the whole story in the log', async function () {
    this.timeout(120_000);
    const sandbox = env('PIXART_TEST_SANDBOX');
    const empty = path.join(sandbox, 'no-openvino');
    fs.mkdirSync(empty, { recursive: true });
    // A file the loader reads and refuses (what a build for another CPU or a damaged download gives).
    const bogus = path.join(sandbox, 'bogus-openvino', 'libopenvino_c.so.2641');
    fs.mkdirSync(path.dirname(bogus), { recursive: true });
    fs.writeFileSync(bogus, 'not a shared library\n'.repeat(100));
    const cases: [string, string, RegExp][] = [
      [empty, `pixart.openvinoLibraryPath is "${empty}", which holds no OpenVINO C library (libopenvino_c). Choose the library file or its folder.`, /no file named like libopenvino_c/],
      [bogus, `OpenVINO at ${bogus} could not be loaded: it is built for another kind of computer, or is not a library.`, new RegExp(`loading ${bogus.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .+`)],
    ];
    const cfg = vscode.workspace.getConfiguration('pixart');
    try {
      for (const [library, message, detail] of cases) {
        await cfg.update('openvinoLibraryPath', library, vscode.ConfigurationTarget.Global);
        await until(`the load with ${library} to fail`, () => controller.model.state.state === 'error' && controller.model.state.error === message);
        assert.deepEqual(controller.model.lastNotice, { text: `PixArt: ${message}`, buttons: ['Choose OpenVINO Library…', 'Show Log'], command: 'pixart.chooseOpenVinoLibrary' });
        assert.ok((await vscode.commands.getCommands(true)).includes('pixart.chooseOpenVinoLibrary'), 'the button runs a registered command');
        const logs = path.join(sandbox, 'user-data', 'logs');
        const logText = () => fs.readdirSync(logs, { recursive: true }).map(String).filter((f) => f.endsWith('PixArt.log')).map((f) => fs.readFileSync(path.join(logs, f), 'utf8')).join('\n');
        await until('the log entry', () => logText().includes(`model failed to load (runtime): ${message}`) && detail.test(logText()), 10_000);
        log(`${library}: "${message}"`);
      }
    } finally {
      await cfg.update('openvinoLibraryPath', env('PIXART_TEST_OPENVINO_LIB'), vscode.ConfigurationTarget.Global);
    }
    await until('the model to be ready again on the real runtime', () => controller.model.state.state === 'ready');
  });

  it('says clearly what is wrong with a broken model folder', async () => {
    const broken = path.join(env('PIXART_TEST_SANDBOX'), 'broken-model');
    fs.cpSync(env('PIXART_TEST_MODEL'), broken, { recursive: true });
    fs.rmSync(path.join(broken, 'transformer'), { recursive: true });
    const cfg = vscode.workspace.getConfiguration('pixart');
    await cfg.update('modelPath', broken, vscode.ConfigurationTarget.Global);
    try {
      await until('the model load to fail', () => controller.model.state.state === 'error' && controller.model.state.modelPath === broken);
      const error = controller.model.state.error ?? '';
      assert.match(error, /transformer/, `the message names what is missing: ${error}`);
      const job = await controller.jobs.enqueue(params());
      assert.ok(job);
      const outcome = await jobOutcome(job.id);
      assert.equal(outcome.kind, 'failed');
    } finally {
      await cfg.update('modelPath', env('PIXART_TEST_MODEL'), vscode.ConfigurationTarget.Global);
    }
    await until('the good model to be ready again', () => controller.model.state.state === 'ready');
  });
});
