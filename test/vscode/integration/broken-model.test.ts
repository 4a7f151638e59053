// A model folder that cannot load (issue 14: "Generate with a broken model is silently dropped"):
// every job waiting for it fails through the job runner's one failure door, with the load's own
// error, and the generator webview is told (jobFailed) for each; the model state it is sent says
// why Generate cannot run until the model loads or the settings change. Real extension host,
// worker and OpenVINO, the tiny model with its transformer's IR replaced by text.

import * as assert from 'node:assert/strict';
import { before, describe, it } from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Controller } from '../../../src/extension/controller';
import type { HostToWebview } from '../../../src/protocol/messages';
import { env, until } from './helpers';
import { readyExtension, withEvents } from './jobs';
import { params } from './params';

let controller: Controller;

/** The tiny model with a transformer IR that is not XML: the worker's load fails naming the file. */
function brokenModel(): string {
  const dir = path.join(env('PIXART_TEST_SANDBOX'), 'model-that-fails');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(env('PIXART_TEST_MODEL'), dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'transformer', 'openvino_model.xml'), 'this is not an OpenVINO IR\n');
  return dir;
}

describe('a model that fails to load', () => {
  before(async function () {
    this.timeout(120_000);
    ({ controller } = await readyExtension());
  });

  it('fails every waiting job with the load error, tells the webview of each, and says why Generate is off', async function () {
    this.timeout(120_000);
    const posted: HostToWebview[] = [];
    const sub = controller.onPost((m) => posted.push(m));
    const broken = brokenModel();
    const cfg = vscode.workspace.getConfiguration('pixart');
    await cfg.update('modelPath', broken, vscode.ConfigurationTarget.Global);
    try {
      await until('the load to fail', () => controller.model.state.state === 'error' && controller.model.state.modelPath === broken);
      const loadError = controller.model.state.error ?? '';
      assert.match(loadError, /transformer/, `the error names the part that failed: ${loadError}`);
      await withEvents(controller, async (rec) => {
        // Generate while the model is in error (the palette, a chat tool): the load is tried again, and fails again.
        const first = await controller.jobs.enqueue(params({ seed: '1' }));
        const second = await controller.jobs.enqueue(params({ seed: '2' }));
        assert.ok(first && second, 'both queued');
        for (const job of [first, second]) {
          const outcome = await rec.outcome(job.id);
          assert.equal(outcome.kind, 'failed');
          assert.ok(outcome.kind === 'failed' && !outcome.cancelled, `${job.id} failed, not cancelled`);
          assert.ok(outcome.kind === 'failed' && outcome.message.includes(loadError), `${job.id}: "${outcome.kind === 'failed' && outcome.message}" carries the load error`);
          const told = posted.filter((m): m is Extract<HostToWebview, { type: 'jobFailed' }> => m.type === 'jobFailed' && m.jobId === job.id);
          assert.equal(told.length, 1, `the webview is told once that ${job.id} failed`);
          assert.equal(told[0].cancelled, false);
          assert.ok(told[0].message.includes(loadError), `the webview shows the load error for ${job.id}`);
        }
      });
      assert.equal(controller.jobs.queue.size, 0, 'nothing left waiting');
      const last = posted.filter((m): m is Extract<HostToWebview, { type: 'modelState' }> => m.type === 'modelState').pop();
      assert.equal(last?.model.state, 'error');
      assert.match(last?.model.generateBlocked ?? '', /^Generate is off until the model loads: .*Reload Model/, 'the webview is told why Generate is off, and what turns it on');
    } finally {
      sub.dispose();
      await cfg.update('modelPath', env('PIXART_TEST_MODEL'), vscode.ConfigurationTarget.Global);
    }
    await until('the good model to be ready again', () => controller.model.state.state === 'ready');
    assert.equal(controller.model.state.generateBlocked, undefined, 'Generate is on again');
  });
});
