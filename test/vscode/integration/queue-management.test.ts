// Queue management in the real VS Code extension host: PixArt: Move Queued Job Up / Down and
// PixArt: Clear Queue reorder and clear the waiting jobs while one runs, every waiting job carries
// an ETA, and each job that leaves the queue without running tells the webview (jobFailed, queued,
// with its prompt). Real worker and OpenVINO on a copy of the tiny model whose steps take a few
// hundred milliseconds (test/support/slow-models.ts), so the waiting jobs are still waiting while
// the commands run.

import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Controller } from '../../../src/extension/controller';
import type { HostToWebview } from '../../../src/protocol/messages';
import type { JobEvent } from '../../../src/extension/job-runner';
import { writeSlowModelFolder } from '../../support/slow-models';
import { env, outputDir, until } from './helpers';
import { filesIn, generate, readyExtension, withEvents, withSetting } from './jobs';
import { params } from './params';
import { log } from './log';

let controller: Controller;

async function useModel(modelPath: string): Promise<void> {
  await vscode.workspace.getConfiguration('pixart').update('modelPath', modelPath, vscode.ConfigurationTarget.Global);
  await until(`the model at ${modelPath} to be ready`, () => controller.model.state.state === 'ready' && controller.model.state.modelPath === modelPath, 110_000);
}

const waitingPrompts = () => controller.jobs.summaries().filter((s) => s.status === 'queued').map((s) => s.prompt);

describe('queue management in a real VS Code', () => {
  before(async function () {
    this.timeout(240_000);
    ({ controller } = await readyExtension());
    const slow = writeSlowModelFolder(env('PIXART_TEST_MODEL'), path.join(env('PIXART_TEST_SANDBOX'), 'slow-queue-model'), { transformerProducts: 100, vaeProducts: 100 });
    await useModel(slow);
  });

  after(async function () {
    this.timeout(120_000);
    await useModel(env('PIXART_TEST_MODEL'));
  });

  it('Move Queued Job Up/Down and Clear Queue act on the waiting jobs; the running one goes on; each waiting job has an ETA; the webview hears of each cancelled one', async function () {
    this.timeout(180_000);
    await withSetting(controller, 'fileNameTemplate', 'qm-seed{seed}', async () => {
      // One job first, so that the times of a job of this model and size are known.
      await generate(controller, params({ seed: '40', steps: 2 }));
      const posted: HostToWebview[] = [];
      const sub = controller.onPost((m) => posted.push(m));
      try {
        await withEvents(controller, async (rec) => {
          const running = await controller.jobs.enqueue(params({ seed: '41', steps: 4, prompt: 'running job' }));
          const a = await controller.jobs.enqueue(params({ seed: '42', prompt: 'job a' }));
          const b = await controller.jobs.enqueue(params({ seed: '43', prompt: 'job b' }));
          const c = await controller.jobs.enqueue(params({ seed: '44', prompt: 'job c' }));
          assert.ok(running && a && b && c);
          assert.equal(controller.jobs.queue.running?.id, running.id);

          // ETAs: the running job's time left, then each waiting job one job's length later.
          const etas = controller.jobs.summaries().map((s) => s.etaMs);
          log(`ETAs (ms): ${etas.join(', ')}`);
          assert.ok(etas.every((e) => typeof e === 'number' && e > 0), `every job has an ETA: ${etas.join(', ')}`);
          const [r, ea, eb, ec] = etas as number[];
          assert.ok(r < ea && ea < eb && eb < ec, 'in queue order');
          assert.ok(Math.abs(eb - ea - (ec - eb)) <= 1, 'jobs of the same size and steps take the same time');

          assert.equal(await vscode.commands.executeCommand('pixart.moveJobUp', c.id), true);
          assert.deepEqual(waitingPrompts(), ['job a', 'job c', 'job b']);
          assert.equal(await vscode.commands.executeCommand('pixart.moveJobDown', a.id), true);
          assert.deepEqual(waitingPrompts(), ['job c', 'job a', 'job b']);
          assert.equal(await vscode.commands.executeCommand('pixart.moveJobUp', c.id), false, 'the first waiting job cannot pass the running one');
          const lastQueue = posted.filter((m): m is Extract<HostToWebview, { type: 'queue' }> => m.type === 'queue').at(-1);
          assert.deepEqual(lastQueue?.jobs.map((j) => j.prompt), ['running job', 'job c', 'job a', 'job b'], 'the webview got the new order');

          // Cancelling one waiting job, then clearing the rest: each is told to the webview, naming it.
          controller.jobs.cancel(a.id);
          assert.deepEqual(waitingPrompts(), ['job c', 'job b']);
          assert.equal(await vscode.commands.executeCommand('pixart.clearQueue'), 2);
          const failed = posted.filter((m): m is Extract<HostToWebview, { type: 'jobFailed' }> => m.type === 'jobFailed');
          assert.deepEqual(failed.map((m) => [m.jobId, m.cancelled, m.queued, m.prompt]), [[a.id, true, true, 'job a'], [c.id, true, true, 'job c'], [b.id, true, true, 'job b']]);
          assert.equal(running.cancelRequested, false, 'the running job goes on');

          const outcome = await rec.outcome(running.id);
          assert.equal(outcome.kind, 'done', outcome.kind === 'failed' ? outcome.message : '');
          assert.equal(path.basename((outcome as Extract<JobEvent, { kind: 'done' }>).files[0]), 'qm-seed41.png');
          await new Promise((res) => setTimeout(res, 300));
          for (const j of [a, b, c]) assert.equal(rec.indexOf(j.id, 'started'), -1, `${j.id} never started`);
          assert.deepEqual(filesIn(outputDir()).filter((f) => /^qm-seed4[234]/.test(f)), [], 'no file for the removed jobs');
          assert.equal(controller.jobs.queue.size, 0);
          assert.equal(await vscode.commands.executeCommand('pixart.clearQueue'), 0, 'nothing left to clear');
        });
      } finally {
        sub.dispose();
      }
    });
  });

  it('the waiting jobs\' ETAs follow the running job: a queue message after each of its reports', async function () {
    this.timeout(120_000);
    await withSetting(controller, 'fileNameTemplate', 'qe-seed{seed}', async () => {
      const posted: HostToWebview[] = [];
      const sub = controller.onPost((m) => posted.push(m));
      try {
        await withEvents(controller, async (rec) => {
          const running = await controller.jobs.enqueue(params({ seed: '51', steps: 3 }));
          const waiting = await controller.jobs.enqueue(params({ seed: '52', steps: 1 }));
          assert.ok(running && waiting);
          await until('the first step of the running job', () => posted.some((m) => m.type === 'progress' && m.jobId === running.id && m.phase === undefined), 60_000);
          const firstProgress = posted.findIndex((m) => m.type === 'progress' && m.jobId === running.id);
          const queueAfter = posted.slice(firstProgress).find((m): m is Extract<HostToWebview, { type: 'queue' }> => m.type === 'queue');
          assert.ok(queueAfter, 'a queue message follows the running job\'s progress');
          const w = queueAfter.jobs.find((j) => j.id === waiting.id);
          assert.ok(w && typeof w.etaMs === 'number' && w.etaMs > 0, `the waiting job has an ETA (${w?.etaMs})`);
          for (const j of [running, waiting]) {
            const o = await rec.outcome(j.id);
            assert.equal(o.kind, 'done', o.kind === 'failed' ? o.message : '');
          }
        });
      } finally {
        sub.dispose();
      }
    });
  });
});
