// Regenerate and Variations from an image's parameters (the Markdown hover's links): the same
// seed again, or the next seeds, one job each. The parameters are read off the host's thread with
// a size and time cap (bounded-read.ts), so the image may be any image file in the workspace.

import * as vscode from 'vscode';
import * as path from 'node:path';
import { LIMITS } from '../../protocol/generation';
import { configFromParameters, type ImageParameters } from '../../image/parameters';
import type { Controller } from '../controller';
import type { BoundedReader } from './bounded-read';

/** How many next seeds Variations queues. */
export const VARIATIONS = 3;

/** The seeds `offsets` after `seed`, those still in range (decimal strings, 64-bit exact). */
export function nextSeeds(seed: string, offsets: readonly number[]): string[] {
  if (!/^\d{1,20}$/.test(seed)) return [];
  return offsets.map((k) => BigInt(seed) + BigInt(k)).filter((s) => s <= LIMITS.maxSeed).map(String);
}

/** Images per prompt to run again for one image: its batch's size, so that its place in the batch comes out the same. */
function batchSize(p: ImageParameters): number {
  const n = Number(p.extra?.['Batch size'] ?? 1);
  return Number.isInteger(n) && n >= 1 && n <= LIMITS.maxImagesPerRun ? n : 1;
}

/** Queues the image's parameters with each of `offsets` added to its seed (0: the same image again). */
export async function regenerate(controller: Controller, reader: BoundedReader, file: string, offsets: readonly number[]): Promise<number> {
  const name = path.basename(file);
  const read = await reader.read(file);
  if (!read.parameters) {
    void vscode.window.showWarningMessage(`PixArt: cannot regenerate ${name}: ${read.why}`);
    return 0;
  }
  const p = read.parameters;
  let queued = 0;
  for (const seed of nextSeeds(p.seed, offsets)) {
    const v = controller.model.validate({ ...configFromParameters(p), seed, imagesPerPrompt: offsets.length === 1 && offsets[0] === 0 ? batchSize(p) : 1 });
    if (!v.ok) {
      void vscode.window.showErrorMessage(`PixArt: cannot regenerate ${name}: ${v.errors.map((e) => e.message).join(' ')}`);
      return queued;
    }
    if (await controller.jobs.enqueue(v.value)) queued++;
  }
  return queued;
}
