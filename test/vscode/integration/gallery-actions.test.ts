// The gallery's actions on a generated PNG in the real VS Code extension host: reuse, re-run, copy
// link, open, delete, and refusing files outside the output folder. Real worker and OpenVINO.
//
// Not driven from here:
//  - the "Reuse Parameters from Image…" command: it asks for the file in an open dialog and shows
//    the result in the webview's form, neither of which the extension host can reach;
//  - a confirmed delete: VS Code refuses modal dialogs while extension tests run, so the
//    confirmation can never be answered "Delete" (the test below checks that delete asks first);
//  - "reveal" (revealInExplorer leaves nothing the extension host can read back).

import * as assert from 'node:assert/strict';
import { before, describe, it } from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Controller } from '../../../src/extension/controller';
import type { JobEvent } from '../../../src/extension/job-runner';
import type { GalleryActions } from '../../../src/extension/gallery-actions';
import type { HostToWebview } from '../../../src/protocol/messages';
import { encodePng, readPngText } from '../../../src/image/png';
import { fromParameters } from '../../../src/image/parameters';
import { outputDir, until, workspaceRoot } from './helpers';
import { generate, readyExtension, recordEvents, withEvents } from './jobs';
import { log } from './log';
import { params } from './params';

let controller: Controller;
let actions: GalleryActions;

describe('gallery actions in a real VS Code', () => {
  before(async function () {
    this.timeout(120_000);
    ({ controller, actions } = await readyExtension());
  });

  describe('gallery actions on a generated PNG', () => {
    const reusePrompt = 'a red bicycle leaning on a brick wall';
    let image = '';
    before(async function () {
      this.timeout(120_000);
      image = await generate(controller, params({ prompt: reusePrompt, negativePrompt: 'blurry, dark', seed: '987654', steps: 3, guidanceScale: 1.5 }));
    });

    it('reuse: reads prompt, negative prompt, seed, steps, guidance and size back into the generator form', async () => {
      const posted: HostToWebview[] = [];
      const sub = controller.onPost((m) => posted.push(m));
      try {
        await actions.run('reuse', image);
      } finally {
        sub.dispose();
      }
      const forms = posted.filter((m): m is Extract<HostToWebview, { type: 'setForm' }> => m.type === 'setForm');
      assert.equal(forms.length, 1, 'the form is filled once');
      assert.deepEqual(forms[0].params, { prompt: reusePrompt, negativePrompt: 'blurry, dark', seed: '987654', steps: 3, guidanceScale: 1.5, width: 128, height: 128 });
    });

    it('reuse: an image without parameters does not touch the form', async () => {
      const bare = path.join(outputDir(), 'no-parameters.png');
      fs.writeFileSync(bare, encodePng(new Uint8Array(8 * 8 * 3).fill(200), 8, 8));
      const posted: HostToWebview[] = [];
      const sub = controller.onPost((m) => posted.push(m));
      try {
        await actions.run('reuse', bare);
      } finally {
        sub.dispose();
        fs.rmSync(bare, { force: true });
      }
      assert.deepEqual(posted.filter((m) => m.type === 'setForm'), []);
    });

    it('re-run: queues the same parameters (same seed) again and saves a new file beside the original', async function () {
      this.timeout(120_000);
      const original = fs.readFileSync(image);
      await withEvents(controller, async (rec) => {
        await actions.run('rerun', image);
        const started = rec.events.find((e) => e.kind === 'started');
        assert.ok(started, 'a job was started');
        const outcome = await rec.outcome(started.jobId);
        assert.equal(outcome.kind, 'done', outcome.kind === 'failed' ? outcome.message : '');
        const file = (outcome as Extract<JobEvent, { kind: 'done' }>).files[0];
        assert.notEqual(file, image);
        assert.equal(path.dirname(file), outputDir());
        assert.deepEqual(fs.readFileSync(image), original, 'the original is untouched');
        const before = fromParameters(readPngText(original).parameters);
        const after = fromParameters(readPngText(fs.readFileSync(file)).parameters);
        assert.deepEqual(after, before, 'same prompt, negative prompt, seed, steps, guidance, size, model');
        assert.equal(after.seed, '987654');
        log(`re-run pixels identical to the original: ${Buffer.compare(fs.readFileSync(file), original) === 0}`);
      });
    });

    it('refuses actions on images outside the output folder', async () => {
      const outside = path.join(workspaceRoot(), 'outside-copy.png');
      fs.copyFileSync(image, outside);
      const rec = recordEvents(controller);
      try {
        await actions.run('rerun', outside);
        assert.equal(controller.jobs.queue.size, 0, 'nothing was queued');
        assert.deepEqual(rec.events, []);
      } finally {
        rec.dispose();
        fs.rmSync(outside, { force: true });
      }
    });

    it('copy Markdown link: puts a link relative to the workspace on the clipboard', async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.env.clipboard.writeText('before');
      await actions.run('copyMarkdown', image);
      assert.equal(await vscode.env.clipboard.readText(), `![${reusePrompt}](assets/generated/${path.basename(image)})`);
    });

    it('copy Markdown link: relative to the open document when there is one', async () => {
      const docPath = path.join(workspaceRoot(), 'docs', 'notes.md');
      await vscode.window.showTextDocument(vscode.Uri.file(docPath));
      await actions.run('copyMarkdown', image);
      assert.equal(await vscode.env.clipboard.readText(), `![${reusePrompt}](../assets/generated/${path.basename(image)})`);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    it('open: opens the image in an editor tab', async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await actions.run('open', image);
      const tabUri = () => {
        const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: vscode.Uri } | undefined;
        return input?.uri?.fsPath;
      };
      await until('the image tab', () => tabUri() === image, 10_000);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    it('delete: asks for confirmation first and keeps the file when it is not given', async () => {
      // VS Code answers no modal dialog while extension tests run (it rejects it), so "Delete" can never be chosen here.
      let error: unknown;
      await actions.run('delete', image).catch((e: unknown) => (error = e));
      log(`delete confirmation: ${error instanceof Error ? error.message : 'no error'}`);
      assert.match(error instanceof Error ? error.message : '', new RegExp(`Delete ${path.basename(image).replace(/[.]/g, '\\.')}\\?`), 'the confirmation "Delete <name>?" was asked for');
      assert.ok(fs.existsSync(image), 'the image is still there');
      assert.ok((await controller.gallery.images()).some((i) => i.path === image), 'and still in the gallery');
    });
  });
});
