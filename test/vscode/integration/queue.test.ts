// The job queue in the real VS Code extension host (see extension.test.ts for the set-up): jobs in
// order, each into its own file; cancelling a queued job and the running one (cancel all: cancel.test.ts). Real worker,
// real OpenVINO runtime, the tiny fixture model.
//
// Not driven from here: "Cancel Generation" with several jobs, which asks in a quick pick: the tiny
// model finishes a 50-step job in about 0.15 s, before the quick pick can be shown and accepted.

import * as assert from 'node:assert/strict';
import { before, describe, it } from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Controller } from '../../../src/extension/controller';
import type { JobEvent } from '../../../src/extension/job-runner';
import { readPngText } from '../../../src/image/png';
import { outputDir } from './helpers';
import { filesIn, readyExtension, recordEvents, withEvents, withSetting } from './jobs';
import { params } from './params';

let controller: Controller;

describe('the job queue in a real VS Code', () => {
  before(async function () {
    this.timeout(120_000);
    ({ controller } = await readyExtension());
  });

  describe('job queue', () => {
    it('runs two jobs requested back to back one after the other, in order, each into its own file', async function () {
      this.timeout(120_000);
      // A template without date or time makes both jobs want the same name: the second must not overwrite the first.
      await withSetting(controller, 'fileNameTemplate', 'queue-seed{seed}-{slug}', async () => {
        await withEvents(controller, async (rec) => {
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
        });
      });
    });

    it('cancelling a queued job removes it at once, never runs it and writes no file', async function () {
      this.timeout(120_000);
      await withSetting(controller, 'fileNameTemplate', 'cancelq-seed{seed}', async () => {
        await withEvents(controller, async (rec) => {
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
        });
      });
    });

    it('"PixArt: Cancel Generation" stops the running job mid-generation and leaves no file', async function () {
      this.timeout(60_000);
      await withSetting(controller, 'fileNameTemplate', 'cancelcmd-seed{seed}', async () => {
        const rec = recordEvents(controller);
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
  });
});
