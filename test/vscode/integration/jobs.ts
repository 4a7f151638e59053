// What the feature suites share: recording a job's events, a setting changed for the length of a
// test, generating one image, and the extension made ready on the tiny model.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { Controller } from '../../../src/extension/controller';
import type { JobEvent } from '../../../src/extension/job-runner';
import type { GenerationConfig } from '../../../src/protocol/generation';
import { activateExtension, until, type ExtensionApi } from './helpers';

export type Outcome = Extract<JobEvent, { kind: 'done' | 'failed' }>;

export const filesIn = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => !f.startsWith('.')).sort() : []);

/** The extension, activated, with the tiny model loaded and the queue empty. */
export async function readyExtension(): Promise<ExtensionApi> {
  const api = await activateExtension();
  assert.ok(api.actions, 'activate() returns the gallery actions');
  api.controller.model.ensure();
  await until('the tiny model to be ready', () => api.controller.model.state.state === 'ready' && api.controller.jobs.queue.size === 0, 110_000);
  return api;
}

/** Records every job event from now on (jobs' "started" fires inside enqueue, so subscribe first). */
export function recordEvents(controller: Controller) {
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

export type Recorder = ReturnType<typeof recordEvents>;

/** Runs `fn` with a recorder of job events, disposed afterwards. */
export async function withEvents<T>(controller: Controller, fn: (rec: Recorder) => Promise<T>): Promise<T> {
  const rec = recordEvents(controller);
  try {
    return await fn(rec);
  } finally {
    rec.dispose();
  }
}

/** Sets a pixart.* user setting for the duration of `fn`, waiting until the controller sees each change. */
export async function withSetting<K extends 'fileNameTemplate' | 'imageFormat'>(controller: Controller, key: K, value: string, fn: () => Promise<void>): Promise<void> {
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
export function generate(controller: Controller, p: GenerationConfig): Promise<string> {
  return withEvents(controller, async (rec) => {
    const job = await controller.jobs.enqueue(p);
    assert.ok(job, 'the job was queued');
    const outcome = await rec.outcome(job.id);
    assert.equal(outcome.kind, 'done', outcome.kind === 'failed' ? outcome.message : '');
    assert.equal(outcome.kind === 'done' && outcome.files.length, 1);
    return (outcome as Extract<JobEvent, { kind: 'done' }>).files[0];
  });
}
