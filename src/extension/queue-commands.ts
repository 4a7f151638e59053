// The palette's queue commands: Clear Queue (every waiting job; the running one goes on) and Move
// Queued Job Up / Down (one place). Each takes a job id as its argument (the sidebar's buttons,
// other extensions, the tests), else asks which job in a quick pick. Enabled by the context keys
// JobRunner sets (pixart.queued, pixart.reorderable).

import * as vscode from 'vscode';
import type { MoveDirection } from '../protocol/messages';
import type { Controller } from './controller';
import type { JobRunner } from './job-runner';

export const QUEUE_COMMANDS = {
  clearQueue: 'pixart.clearQueue',
  moveJobUp: 'pixart.moveJobUp',
  moveJobDown: 'pixart.moveJobDown',
} as const;

type Register = (id: string, fn: (...args: unknown[]) => unknown) => void;

/** "done in about 1 min 20 s"; empty when unknown. */
export function doneIn(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  const s = Math.max(1, Math.round(ms / 1000));
  return `done in about ${s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`}`;
}

/** The waiting job to move (`arg` when it is a job id), asked for in a quick pick otherwise; undefined when none. */
async function jobToMove(jobs: JobRunner, arg: unknown, direction: MoveDirection): Promise<string | undefined> {
  if (typeof arg === 'string') return arg;
  const waiting = jobs.summaries().filter((s) => s.status === 'queued');
  // The first cannot go up, the last cannot go down.
  const movable = direction === 'up' ? waiting.slice(1) : waiting.slice(0, -1);
  if (movable.length === 0) {
    void vscode.window.showInformationMessage('PixArt: there are not two queued jobs to reorder.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    movable.map((s) => ({ label: `#${s.position} ${s.prompt.slice(0, 80)}`, description: doneIn(s.etaMs), id: s.id })),
    { title: `PixArt: Move Queued Job ${direction === 'up' ? 'Up' : 'Down'}`, placeHolder: 'Which queued job?' },
  );
  return picked?.id;
}

export function registerQueueCommands(reg: Register, controller: Controller): void {
  reg(QUEUE_COMMANDS.clearQueue, () => {
    const n = controller.jobs.clearQueue();
    void vscode.window.showInformationMessage(n === 0 ? 'PixArt: no jobs are queued.' : `PixArt: removed ${n} queued job${n === 1 ? '' : 's'}${controller.jobs.queue.running ? '; the running one goes on' : ''}.`);
    return n;
  });
  for (const [id, direction] of [[QUEUE_COMMANDS.moveJobUp, 'up'], [QUEUE_COMMANDS.moveJobDown, 'down']] as const) {
    reg(id, async (arg?: unknown) => {
      const jobId = await jobToMove(controller.jobs, arg, direction);
      return jobId ? controller.jobs.move(jobId, direction) : false;
    });
  }
}
