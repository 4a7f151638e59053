// More of the extension in the real VS Code extension host (see extension.test.ts for the set-up):
// the job queue, the WebP/JPEG output formats, and the gallery's actions (reuse, re-run, copy link,
// open, delete). Real worker, real OpenVINO runtime, the tiny fixture model; nothing is mocked.
//
// What cannot be driven from here (and is therefore not tested in this suite):
//  - the "Reuse Parameters from Image…" command: it asks for the file in an open dialog and shows
//    the result in the webview's form, neither of which the extension host can reach;
//  - a confirmed delete: VS Code refuses modal dialogs while extension tests run, so the
//    confirmation can never be answered "Delete" (the test below checks that delete asks first);
//  - "Cancel Generation" with several jobs, which asks in a quick pick: the tiny model finishes a
//    50-step job in about 0.15 s, before the quick pick can be shown and accepted;
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
import type { GenerationConfig } from '../../../src/protocol/generation';
import { encodePng, readPngText } from '../../../src/image/png';
import { fromParameters } from '../../../src/image/parameters';
import { exifImageDescription, exifOf } from './exif';
import { activateExtension, outputDir, until, workspaceRoot } from './helpers';
import { log } from './log';
import { params } from './params';

let controller: Controller;
let actions: GalleryActions;
const filesIn = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => !f.startsWith('.')).sort() : []);

type Outcome = Extract<JobEvent, { kind: 'done' | 'failed' }>;

/** Records every job event from now on (jobs' "started" fires inside enqueue, so subscribe first). */
function recordEvents() {
  const events: JobEvent[] = [];
  const sub = controller.jobs.onJobEvent((e) => events.push(e));
  const outcomeOf = (jobId: string) => events.find((e): e is Outcome => e.jobId === jobId && (e.kind === 'done' || e.kind === 'failed'));
  return {
    events,
    dispose: () => sub.dispose(),
    /** Resolves with the job's done/failed event. */
    async outcome(jobId: string, timeoutMs = 60_000): Promise<Outcome> {
      await until(`${jobId} to end`, () => outcomeOf(jobId) !== undefined, timeoutMs);
      return outcomeOf(jobId)!;
    },
    indexOf: (jobId: string, kind: JobEvent['kind']) => events.findIndex((e) => e.jobId === jobId && e.kind === kind),
  };
}


/** Sets a pixart.* user setting for the duration of `fn`, waiting until the controller sees each change. */
async function withSetting<K extends 'fileNameTemplate' | 'imageFormat'>(key: K, value: string, fn: () => Promise<void>): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('pixart');
  const before = controller.currentSettings[key];
  await cfg.update(key, value, vscode.ConfigurationTarget.Global);
  try {
    await until(`pixart.${key} to reach the controller`, () => controller.currentSettings[key] === value, 5000);
    await fn();
  } finally {
    await cfg.update(key, undefined, vscode.ConfigurationTarget.Global);
    await until(`pixart.${key} to be reset`, () => controller.currentSettings[key] === before, 5000);
  }
}

/** Generates one image and returns its path (asserting the job succeeded). */
async function generate(p: GenerationConfig): Promise<string> {
  const rec = recordEvents();
  try {
    const job = await controller.jobs.enqueue(p);
    assert.ok(job, 'the job was queued');
    const outcome = await rec.outcome(job.id);
    assert.equal(outcome.kind, 'done', outcome.kind === 'failed' ? outcome.message : '');
    assert.equal(outcome.kind === 'done' && outcome.files.length, 1);
    return (outcome as Extract<JobEvent, { kind: 'done' }>).files[0];
  } finally {
    rec.dispose();
  }
}

describe('PixArt Studio features in a real VS Code', () => {
  before(async function () {
    this.timeout(120_000);
    ({ controller, actions } = await activateExtension());
    assert.ok(actions, 'activate() returns the gallery actions');
    controller.model.ensure();
    await until('the tiny model to be ready', () => controller.model.state.state === 'ready' && controller.jobs.queue.size === 0, 110_000);
  });

  describe('job queue', () => {
    it('runs two jobs requested back to back one after the other, in order, each into its own file', async function () {
      this.timeout(120_000);
      // A template without date or time makes both jobs want the same name: the second must not overwrite the first.
      await withSetting('fileNameTemplate', 'queue-seed{seed}-{slug}', async () => {
        const rec = recordEvents();
        try {
          const first = await controller.jobs.enqueue(params({ seed: '5' }));
          const second = await controller.jobs.enqueue(params({ seed: '5' }));
          assert.ok(first && second);
          assert.notEqual(first.id, second.id);
          assert.deepEqual(
            controller.jobs.queue.summaries().map((s) => [s.id, s.status, s.position]),
            [
              [first.id, 'running', 0],
              [second.id, 'queued', 1],
            ],
            'one runs, the other waits behind it',
          );
          const a = await rec.outcome(first.id);
          assert.equal(a.kind, 'done', a.kind === 'failed' ? a.message : '');
          const firstFile = (a as Extract<JobEvent, { kind: 'done' }>).files[0];
          const firstBytes = fs.readFileSync(firstFile);
          const b = await rec.outcome(second.id);
          assert.equal(b.kind, 'done', b.kind === 'failed' ? b.message : '');
          const secondFile = (b as Extract<JobEvent, { kind: 'done' }>).files[0];

          assert.ok(rec.indexOf(first.id, 'done') < rec.indexOf(second.id, 'started'), 'the second starts only after the first is done');
          assert.equal(rec.events.filter((e) => e.jobId === second.id && e.kind === 'progress' && rec.indexOf(first.id, 'done') > rec.events.indexOf(e)).length, 0, 'no step of the second runs before the first is done');
          assert.equal(path.basename(firstFile), 'queue-seed5-small-cactus-in-terracotta-pot.png');
          assert.equal(path.basename(secondFile), 'queue-seed5-small-cactus-in-terracotta-pot-2.png', 'the taken name gets -2');
          assert.deepEqual(fs.readFileSync(firstFile), firstBytes, 'the first file is untouched');
          assert.equal(readPngText(fs.readFileSync(secondFile)).parameters, readPngText(firstBytes).parameters);
          assert.equal(controller.jobs.queue.size, 0);
        } finally {
          rec.dispose();
        }
      });
    });

    it('cancelling a queued job removes it at once, never runs it and writes no file', async function () {
      this.timeout(120_000);
      await withSetting('fileNameTemplate', 'cancelq-seed{seed}', async () => {
        const rec = recordEvents();
        try {
          const running = await controller.jobs.enqueue(params({ seed: '11', steps: 3 }));
          const queued = await controller.jobs.enqueue(params({ seed: '12' }));
          assert.ok(running && queued);
          assert.equal(controller.jobs.queue.running?.id, running.id);
          controller.jobs.cancel(queued.id);
          // Removed synchronously: reported cancelled, gone from the queue, the running job untouched.
          const cancelled = rec.events.find((e) => e.jobId === queued.id && e.kind === 'failed');
          assert.ok(cancelled && cancelled.kind === 'failed' && cancelled.cancelled, 'reported as cancelled right away');
          assert.equal(queued.status, 'cancelled');
          assert.deepEqual(controller.jobs.queue.summaries().map((s) => s.id), [running.id]);
          assert.equal(running.cancelRequested, false);

          const done = await rec.outcome(running.id);
          assert.equal(done.kind, 'done', done.kind === 'failed' ? done.message : '');
          assert.equal(path.basename((done as Extract<JobEvent, { kind: 'done' }>).files[0]), 'cancelq-seed11.png');
          // Give the queue a moment in which it would have started the cancelled job.
          await new Promise((r) => setTimeout(r, 500));
          assert.equal(rec.indexOf(queued.id, 'started'), -1, 'the cancelled job never started');
          assert.deepEqual(filesIn(outputDir()).filter((f) => f.startsWith('cancelq-seed12')), [], 'no file for the cancelled job');
          assert.equal(controller.jobs.queue.size, 0);
        } finally {
          rec.dispose();
        }
      });
    });

    it('"PixArt: Cancel Generation" stops the running job mid-generation and leaves no file', async function () {
      this.timeout(60_000);
      await withSetting('fileNameTemplate', 'cancelcmd-seed{seed}', async () => {
        const rec = recordEvents();
        let command: Thenable<unknown> | undefined;
        let cancelledAt = 0;
        const sub = controller.jobs.onJobEvent((e) => {
          if (e.kind === 'progress' && !command) {
            cancelledAt = e.step;
            // One job: the command cancels it without asking (several: a quick pick, see the report in the file header).
            command = vscode.commands.executeCommand('pixart.cancel');
          }
        });
        try {
          const job = await controller.jobs.enqueue(params({ seed: '21', steps: 50 }));
          assert.ok(job);
          const outcome = await rec.outcome(job.id);
          await command;
          assert.ok(outcome.kind === 'failed' && outcome.cancelled, `cancelled (${outcome.kind === 'failed' ? outcome.message : 'it completed'})`);
          assert.ok(cancelledAt >= 1 && cancelledAt < 50, 'while its steps were running');
          assert.equal(rec.indexOf(job.id, 'done'), -1);
          assert.deepEqual(filesIn(outputDir()).filter((f) => f.startsWith('cancelcmd-')), [], 'no file');
          assert.equal(controller.jobs.queue.size, 0);
        } finally {
          sub.dispose();
          rec.dispose();
        }
      });
    });

    it('cancel all: stops the running job and drops the queued ones, none writes a file', async function () {
      this.timeout(60_000);
      await withSetting('fileNameTemplate', 'cancelall-seed{seed}', async () => {
        const rec = recordEvents();
        let called = false;
        const sub = controller.jobs.onJobEvent((e) => {
          if (e.kind === 'progress' && !called) {
            called = true;
            controller.jobs.cancelAll();
          }
        });
        try {
          const running = await controller.jobs.enqueue(params({ seed: '31', steps: 50 }));
          const queued = await controller.jobs.enqueue(params({ seed: '32' }));
          const queued2 = await controller.jobs.enqueue(params({ seed: '33' }));
          assert.ok(running && queued && queued2);
          for (const job of [running, queued, queued2]) {
            const outcome = await rec.outcome(job.id);
            assert.ok(outcome.kind === 'failed' && outcome.cancelled, `${job.id} was cancelled (${outcome.kind})`);
          }
          assert.equal(rec.indexOf(queued.id, 'started'), -1, 'the queued jobs never started');
          assert.equal(rec.indexOf(queued2.id, 'started'), -1);
          await new Promise((r) => setTimeout(r, 300));
          assert.deepEqual(filesIn(outputDir()).filter((f) => f.startsWith('cancelall-')), [], 'no file');
          assert.equal(controller.jobs.queue.size, 0);
        } finally {
          sub.dispose();
          rec.dispose();
        }
      });
    });
  });

  // These caught a real bug: on Node 24 (the extension host here) sharp's buffers could not be
  // transferred to the host, so every WebP/JPEG job failed; src/image/encode.ts now copies them.
  describe('output formats (pixart.imageFormat)', () => {
    const cases = [
      { format: 'webp', ext: '.webp', magic: (b: Buffer) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP' },
      { format: 'jpeg', ext: '.jpg', magic: (b: Buffer) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
    ] as const;
    for (const c of cases) {
      it(`saves ${c.format.toUpperCase()} with the generation parameters in EXIF when set to "${c.format}"`, async function () {
        this.timeout(120_000);
        await withSetting('imageFormat', c.format, async () => {
          const prompt = `a lighthouse at dusk in ${c.format}`;
          const file = await generate(params({ prompt, seed: '314', steps: 3 }));
          assert.equal(path.extname(file), c.ext);
          assert.equal(path.dirname(file), outputDir());
          const bytes = fs.readFileSync(file);
          assert.ok(c.magic(bytes), `${path.basename(file)} starts with the ${c.format} signature (${bytes.subarray(0, 12).toString('hex')})`);
          const exif = exifOf(bytes, c.format);
          assert.ok(exif, 'the file has an EXIF block');
          const description = exifImageDescription(exif);
          assert.ok(description, 'EXIF ImageDescription is set');
          const p = fromParameters(description);
          assert.equal(p.prompt, prompt);
          assert.equal(p.seed, '314');
          assert.equal(p.steps, 3);
          assert.equal(p.width, 128);
          assert.equal(p.height, 128);
          assert.equal(p.sampler, 'LCM');
          assert.ok((await controller.gallery.images()).some((i) => i.path === file), 'the gallery lists it');
          log(`${c.format}: ${path.basename(file)}, ${bytes.length} bytes`);
        });
        assert.equal(controller.currentSettings.imageFormat, 'png', 'the setting is restored');
      });
    }
  });

  describe('gallery actions on a generated PNG', () => {
    const reusePrompt = 'a red bicycle leaning on a brick wall';
    let image = '';
    before(async function () {
      this.timeout(120_000);
      image = await generate(params({ prompt: reusePrompt, negativePrompt: 'blurry, dark', seed: '987654', steps: 3, guidanceScale: 1.5 }));
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
      const rec = recordEvents();
      try {
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
      } finally {
        rec.dispose();
      }
    });

    it('refuses actions on images outside the output folder', async () => {
      const outside = path.join(workspaceRoot(), 'outside-copy.png');
      fs.copyFileSync(image, outside);
      const rec = recordEvents();
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
