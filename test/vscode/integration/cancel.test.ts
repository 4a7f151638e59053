// Cancel in the real VS Code extension host, real worker process, real OpenVINO: a job cancelled
// during a denoising step or during the decode ends as cancelled in under a second and writes no
// file, and the next job succeeds; a settings change that reloads the model stops the running job
// as fast; disposing a controller mid-generation leaves no worker process.
//
// The tiny model runs a step in milliseconds, too fast to cancel inside one. These tests use a copy
// of it whose transformer and VAE are chains of matrix products behind the same ports (written by
// test/support/slow-models.ts): steps and a decode of seconds, which OpenVINO can stop between nodes.

import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { totalmem } from 'node:os';
import { LOW_MEMORY_BELOW } from '../../../src/extension/settings';
import { Controller } from '../../../src/extension/controller';
import type { JobEvent } from '../../../src/extension/job-runner';
import type { JobPhase } from '../../../src/protocol/messages';
import { writeSlowModelFolder } from '../../support/slow-models';
import { EXTENSION_ID, env, outputDir, until } from './helpers';
import { filesIn, generate, readyExtension, withEvents, withSetting } from './jobs';
import { params } from './params';

let controller: Controller;
let slowModel: string;

const modelReady = (c: Controller, modelPath: string) => c.model.state.state === 'ready' && c.model.state.modelPath === modelPath;

/**
 * Points pixart.modelPath at `modelPath` (undefined: back to the test run's model) and waits until
 * that model is ready. In a remote window (code-server) the Global target of a machine-scoped
 * setting is the machine settings file, so "back" writes the tiny model's path, not undefined.
 */
async function useModel(modelPath: string | undefined): Promise<void> {
  const expected = modelPath ?? env('PIXART_TEST_MODEL');
  await vscode.workspace.getConfiguration('pixart').update('modelPath', expected, vscode.ConfigurationTarget.Global);
  await until(`the model at ${expected} to be ready`, () => modelReady(controller, expected), 110_000);
}

/**
 * Queues a job on `c` and calls `act` 100 ms into its `phase` at `step` (the job events say when it
 * starts), checking the phase still runs then; resolves with the job's end and the milliseconds from
 * `act` to it.
 */
async function actDuring(c: Controller, phase: JobPhase, step: number, act: (jobId: string) => unknown) {
  let actedAt = 0;
  let endedAt = 0;
  let jobId = '';
  let current = '';
  let stillInPhase = false;
  const events: JobEvent[] = [];
  const sub = c.jobs.onJobEvent((e) => {
    events.push(e);
    if (e.jobId !== jobId) return;
    if (e.kind === 'phase') current = `${e.phase}${e.step}`;
    if (e.kind === 'phase' && e.phase === phase && e.step === step && !actedAt) {
      actedAt = -1;
      setTimeout(() => {
        stillInPhase = current === `${phase}${step}` && !endedAt;
        actedAt = performance.now();
        void act(jobId);
      }, 100);
    }
    if ((e.kind === 'failed' || e.kind === 'done') && !endedAt) endedAt = performance.now();
  });
  try {
    const job = await c.jobs.enqueue(params({ seed: '7', steps: 2 }));
    assert.ok(job, 'the job was queued');
    jobId = job.id;
    await until(`${jobId} to end`, () => endedAt > 0, 60_000);
    const end = events.find((e) => e.jobId === jobId && (e.kind === 'failed' || e.kind === 'done'))!;
    assert.ok(stillInPhase, `${phase} ${step} still ran 100 ms after it started (events: ${events.map((e) => e.kind).join(', ')})`);
    return { end, ms: endedAt - actedAt, phases: events.filter((e) => e.jobId === jobId && e.kind === 'phase') };
  } finally {
    sub.dispose();
  }
}

describe('cancel in a real VS Code', () => {
  before(async function () {
    this.timeout(240_000);
    ({ controller } = await readyExtension());
    slowModel = writeSlowModelFolder(env('PIXART_TEST_MODEL'), path.join(env('PIXART_TEST_SANDBOX'), 'slow-model'));
    await useModel(slowModel);
  });

  after(async function () {
    this.timeout(120_000);
    await useModel(undefined);
  });

  for (const [phase, step, what] of [['denoising', 1, 'a step'], ['decoding', 2, 'the decode']] as const) {
    it(`cancel during ${what}: the job ends cancelled in under 1 s, writes no file, and the next job succeeds`, async function () {
      this.timeout(120_000);
      const prefix = `cancel-${phase}-`;
      await withSetting(controller, 'fileNameTemplate', `${prefix}seed{seed}`, async () => {
        const { end, ms, phases } = await actDuring(controller, phase, step, (id) => controller.jobs.cancel(id));
        assert.ok(end.kind === 'failed' && end.cancelled, `cancelled (${end.kind === 'failed' ? end.message : 'it completed'})`);
        assert.ok(ms < 1000, `ended ${ms.toFixed(0)} ms after the cancel`);
        assert.ok(phases.some((p) => p.kind === 'phase' && p.phase === 'encoding'), 'the phases were reported');
        await new Promise((r) => setTimeout(r, 300));
        assert.deepEqual(filesIn(outputDir()).filter((f) => f.startsWith(prefix)), [], 'no file');
        assert.equal(controller.jobs.queue.size, 0);

        const file = await generate(controller, params({ seed: '8', steps: 1 }));
        assert.ok(fs.existsSync(file) && path.basename(file).startsWith(prefix), `the next job wrote ${file}`);
      });
    });
  }

  // On the slow model a step takes about a second, so all three jobs are queued before the first
  // one's step; on the tiny model the running job could end before the others were queued.
  it('cancel all: stops the running job and drops the queued ones, none writes a file', async function () {
    this.timeout(120_000);
    await withSetting(controller, 'fileNameTemplate', 'cancelall-seed{seed}', async () => {
      await withEvents(controller, async (rec) => {
        const running = await controller.jobs.enqueue(params({ seed: '31', steps: 2 }));
        const queued = await controller.jobs.enqueue(params({ seed: '32' }));
        const queued2 = await controller.jobs.enqueue(params({ seed: '33' }));
        assert.ok(running && queued && queued2);
        await until('the first job to be denoising', () => rec.events.some((e) => e.jobId === running.id && e.kind === 'phase' && e.phase === 'denoising'), 60_000);
        controller.jobs.cancelAll();
        for (const job of [running, queued, queued2]) {
          const outcome = await rec.outcome(job.id);
          assert.ok(outcome.kind === 'failed' && outcome.cancelled, `${job.id} was cancelled (${outcome.kind})`);
        }
        assert.equal(rec.indexOf(queued.id, 'started'), -1, 'the queued jobs never started');
        assert.equal(rec.indexOf(queued2.id, 'started'), -1);
        await new Promise((r) => setTimeout(r, 300));
        assert.deepEqual(filesIn(outputDir()).filter((f) => f.startsWith('cancelall-')), [], 'no file');
        assert.equal(controller.jobs.queue.size, 0);
      });
    });
  });

  it('a settings change that reloads the model stops the running job in under 1 s; the reloaded model runs the next job', async function () {
    this.timeout(180_000);
    const cfg = vscode.workspace.getConfiguration('pixart');
    // The memory mode that differs from what auto chose on this machine: a change the worker must reload for.
    const target = totalmem() < LOW_MEMORY_BELOW ? 'fast' : 'low';
    try {
      const { end, ms } = await actDuring(controller, 'denoising', 1, () => cfg.update('memory', target, vscode.ConfigurationTarget.Global));
      assert.ok(end.kind === 'failed' && end.cancelled, `cancelled (${end.kind === 'failed' ? end.message : 'it completed'})`);
      // The settings update itself takes part of it (VS Code writes the file, then tells the extension).
      assert.ok(ms < 1000, `ended ${ms.toFixed(0)} ms after the setting was changed`);
      await until('the reloaded model to be ready', () => modelReady(controller, slowModel) && controller.currentSettings.memory === target, 110_000);
      await generate(controller, params({ seed: '9', steps: 1 }));
    } finally {
      await cfg.update('memory', undefined, vscode.ConfigurationTarget.Global);
      await until('the model to be ready again', () => modelReady(controller, slowModel) && controller.currentSettings.memory === 'auto', 110_000);
    }
  });

  it('disposing during a generation stops it and leaves no worker process', async function () {
    this.timeout(180_000);
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const storage = fs.mkdtempSync(path.join(env('PIXART_TEST_SANDBOX'), 'second-controller-'));
    const log = vscode.window.createOutputChannel('PixArt (second controller)', { log: true });
    // A second controller on the same settings (the slow model), so that the extension's own stays usable.
    const context = { extensionPath: ext.extensionPath, globalStorageUri: vscode.Uri.file(storage) } as vscode.ExtensionContext;
    const second = new Controller(context, log);
    try {
      second.model.ensure();
      await until("the second controller's model to be ready", () => modelReady(second, slowModel), 110_000);
      assert.equal(second.workerProcesses, 1);
      const filesBefore = filesIn(outputDir());
      let decoding = false;
      const sub = second.jobs.onJobEvent((e) => {
        if (e.kind === 'phase' && e.phase === 'decoding') decoding = true;
      });
      const job = await second.jobs.enqueue(params({ seed: '10', steps: 1 }));
      assert.ok(job);
      await until('the decode to start', () => decoding, 60_000);
      sub.dispose();
      await new Promise((r) => setTimeout(r, 100));
      const t0 = performance.now();
      await second.dispose(); // resolves when the process has exited
      const ms = performance.now() - t0;
      assert.ok(ms < 1500, `dispose() took ${ms.toFixed(0)} ms`);
      assert.equal(second.workerProcesses, 0, 'no worker process is left');
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(filesIn(outputDir()), filesBefore, 'no file');
    } finally {
      await second.dispose();
      log.dispose();
    }
  });

  // Last: it leaves no model folder set (after() sets the test run's model again).
  it('a model folder cleared while a load is in flight stays cleared: that load\'s late answers are not taken for the model', async function () {
    this.timeout(120_000);
    const cfg = vscode.workspace.getConfiguration('pixart');
    const states: string[] = [];
    const sub = controller.onDidChange(() => states.push(controller.model.state.state));
    try {
      // While a slow job runs, point at the tiny model and clear the folder at once: the worker
      // first ends the job, then loads the tiny model (its answers come after the clear), then unloads.
      const { end } = await actDuring(controller, 'denoising', 1, async () => {
        await cfg.update('modelPath', env('PIXART_TEST_MODEL'), vscode.ConfigurationTarget.Global);
        await cfg.update('modelPath', '', vscode.ConfigurationTarget.Global);
      });
      assert.ok(end.kind === 'failed' && end.cancelled, 'the running job was cancelled by the reload');
      await until('the folder to be cleared', () => controller.model.state.state === 'unset', 30_000);
      const cleared = states.length;
      await new Promise((r) => setTimeout(r, 3000)); // the in-flight load's answers arrive meanwhile
      assert.ok(states.slice(cleared).every((st) => st === 'unset'), `nothing but unset after the clear (states: ${states.join(', ')})`);
      assert.equal(controller.model.state.state, 'unset');
    } finally {
      sub.dispose();
    }
  });
});
