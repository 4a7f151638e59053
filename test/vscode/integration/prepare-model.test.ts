// `PixArt: Prepare Model…` (pixart.prepareModel) in the real VS Code extension host (see
// extension.test.ts for the set-up): its three quick picks are driven with the workbench's own
// quick-input commands (the ones Down, Enter and Escape run); nothing of VS Code or the converter
// is mocked.
//
// What can be observed from here, and what cannot:
//  - The wizard ends with a modal "PixArt: convert the model now?" before it starts the task.
//    VS Code refuses every modal dialog while extension tests run (DialogService.prompt throws
//    "refused to show dialog in tests. Contents: <message>"), so the command rejects with that
//    message. That proves the three picks were answered and the destination was free; but the
//    conversion task itself (its command line, its exit code, the error report, the model setting
//    after a failure) can never be reached from this suite; test/vscode/e2e/prepare-model.test.ts
//    answers the dialog through the workbench and checks those.
//  - The destination the picks lead to is observed through the wizard's own check: when
//    <global storage>/models/<model folder>-<precision> already exists, it says so (a non-modal
//    error; the smoke-test driver hides the toast) and ends before the confirmation.
//  - Escape at each quick pick (and in the folder dialog) ends the command quietly: no modal, no
//    task, nothing created, the model setting untouched.
// The quick input gives the extension host no way to see that a prompt is showing, so each answer
// waits SETTLE_MS first; runWizard fails loudly when the wizard ends before all answers are given.

import * as assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, activateExtension, env } from './helpers';
import { log } from './log';

const CONFIRMATION = 'PixArt: convert the model now?';

/** The extension's global storage on the server (code-server keeps it under the user-data dir). */
const storage = () => path.join(env('PIXART_TEST_SANDBOX'), 'user-data', 'User', 'globalStorage', EXTENSION_ID);
const modelsDir = () => path.join(storage(), 'models');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Time for a quick pick to reach the workbench, or its answer to reach the wizard (one localhost round trip is a few ms). */
const SETTLE_MS = 400;

/** Key presses in the quick input, as the workbench's keybindings run them. */
const keys = {
  down: () => vscode.commands.executeCommand('workbench.action.quickOpenSelectNext'),
  enter: () => vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem'),
  escape: () => vscode.commands.executeCommand('workbench.action.closeQuickOpen'),
};

type Step = { pick: number } | 'escape';

interface Outcome {
  /** 'resolved' when the command ended on its own, else the rejection's message. */
  result: 'resolved' | string;
  tasksStarted: vscode.Task[];
}

/**
 * Runs the wizard and answers its prompts in order: `{ pick: n }` moves down n items and accepts,
 * 'escape' closes the prompt. Resolves with how the command ended and the tasks started meanwhile.
 */
async function runWizard(steps: Step[]): Promise<Outcome> {
  const tasksStarted: vscode.Task[] = [];
  const sub = vscode.tasks.onDidStartTask((e) => tasksStarted.push(e.execution.task));
  let settled = false;
  const command = Promise.resolve(vscode.commands.executeCommand('pixart.prepareModel')).then(
    () => 'resolved' as const,
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  ).finally(() => (settled = true));
  try {
    for (const [i, step] of steps.entries()) {
      await sleep(SETTLE_MS);
      if (settled) assert.fail(`the wizard ended before prompt ${i + 1} was answered (${await command})`);
      if (step === 'escape') {
        await keys.escape();
      } else {
        for (let n = 0; n < step.pick; n++) await keys.down();
        await keys.enter();
      }
    }
    const result = await Promise.race([command, sleep(10_000).then(() => 'still running after the last answer')]);
    // Give a task the wizard might (wrongly) have started time to be reported.
    await sleep(300);
    return { result, tasksStarted };
  } finally {
    sub.dispose();
    if (!settled) await keys.escape();
  }
}

const modelPath = () => vscode.workspace.getConfiguration('pixart').get<string>('modelPath');

describe('PixArt: Prepare Model… in a real VS Code', () => {
  let modelBefore: string | undefined;

  before(async function () {
    this.timeout(60_000);
    await activateExtension();
    modelBefore = modelPath();
    assert.equal(modelBefore, env('PIXART_TEST_MODEL'));
  });

  beforeEach(async () => {
    await keys.escape();
    fs.rmSync(modelsDir(), { recursive: true, force: true });
  });

  afterEach(() => {
    assert.equal(modelPath(), modelBefore, 'pixart.modelPath is untouched');
    assert.deepEqual(vscode.tasks.taskExecutions.filter((t) => t.task.definition.type === 'pixart.convert'), [], 'no conversion task is running');
  });

  after(() => fs.rmSync(modelsDir(), { recursive: true, force: true }));

  it('the three picks (Random weights, int8, extension storage) lead to the confirmation, and nothing is created before it', async function () {
    this.timeout(30_000);
    const out = await runWizard([{ pick: 3 }, { pick: 1 }, { pick: 0 }]);
    log(`prepare model, all three picks answered: ${out.result}`);
    assert.match(out.result, new RegExp(`refused to show dialog in tests\\. Contents: ${CONFIRMATION.replace(/[?.]/g, '\\$&')}`), 'the wizard asked "convert the model now?"');
    assert.deepEqual(out.tasksStarted, [], 'no task before the user confirms');
    assert.equal(fs.existsSync(modelsDir()), false, 'no folder is made before the user confirms');
  });

  it('the picks choose the destination <storage>/models/<model>-<precision>: when it exists, the wizard stops before the confirmation', async function () {
    this.timeout(60_000);
    const taken = path.join(modelsDir(), 'PixArt-random-weights-int8');
    fs.mkdirSync(taken, { recursive: true });
    fs.writeFileSync(path.join(taken, 'keep.txt'), 'an earlier model');

    // Random weights (3rd), int8 (2nd): that folder is taken, so the command ends quietly.
    const same = await runWizard([{ pick: 3 }, { pick: 1 }, { pick: 0 }]);
    assert.equal(same.result, 'resolved', `stops at "already exists" instead of asking to convert (${same.result})`);
    assert.deepEqual(same.tasksStarted, []);
    assert.equal(fs.readFileSync(path.join(taken, 'keep.txt'), 'utf8'), 'an earlier model', 'the existing folder is untouched');

    // Other picks, other folders: they are free, so the wizard goes on to the confirmation.
    for (const [steps, folder] of [
      [[{ pick: 3 }, { pick: 2 }, { pick: 0 }], 'PixArt-random-weights-fp16'],
      [[{ pick: 1 }, { pick: 1 }, { pick: 0 }], 'PixArt-LCM-XL-2-1024-MS-int8'],
      [[{ pick: 2 }, { pick: 1 }, { pick: 0 }], 'PixArt-XL-2-1024-MS-int8'],
    ] as const) {
      const other = await runWizard([...steps]);
      assert.match(other.result, /Contents: PixArt: convert the model now\?/, `${folder} is free, so it asks to convert (${other.result})`);
      assert.deepEqual(other.tasksStarted, []);
      // And each of those is indeed the folder it would convert into.
      fs.mkdirSync(path.join(modelsDir(), folder));
      const again = await runWizard([...steps]);
      assert.equal(again.result, 'resolved', `${folder} taken: stops before the confirmation (${again.result})`);
      assert.deepEqual(again.tasksStarted, []);
    }
    assert.deepEqual(fs.readdirSync(modelsDir()).sort(), ['PixArt-LCM-XL-2-1024-MS-int8', 'PixArt-XL-2-1024-MS-int8', 'PixArt-random-weights-fp16', 'PixArt-random-weights-int8']);
  });

  const escapes: { at: string; steps: Step[] }[] = [
    { at: 'the model pick (1/3)', steps: ['escape'] },
    { at: 'the precision pick (2/3)', steps: [{ pick: 3 }, 'escape'] },
    { at: 'the destination pick (3/3)', steps: [{ pick: 3 }, { pick: 1 }, 'escape'] },
    { at: 'the folder dialog after "Choose a folder…"', steps: [{ pick: 3 }, { pick: 1 }, { pick: 1 }, 'escape'] },
  ];
  for (const e of escapes) {
    it(`Escape at ${e.at} cancels: no confirmation, no task, nothing created`, async function () {
      this.timeout(30_000);
      const out = await runWizard(e.steps);
      assert.equal(out.result, 'resolved', `the command ends quietly (${out.result})`);
      assert.deepEqual(out.tasksStarted, []);
      assert.equal(fs.existsSync(modelsDir()), false);
    });
  }
});
