// Which gallery images belong together: a run of images (newest first) made with the same prompt,
// negative prompt, size, steps and guidance, each within ten minutes of the one before, is one
// batch (the images of one job, or a Batches run with its next seeds). Pure.

import type { GalleryItem } from '../src/protocol/messages';

/** The longest gap between two images of one batch. */
export const BATCH_GAP_MS = 10 * 60_000;

function sameRun(a: GalleryItem, b: GalleryItem): boolean {
  const p = a.parameters;
  const q = b.parameters;
  if (!p || !q || !p.prompt) return false;
  const same = p.prompt === q.prompt && p.negativePrompt === q.negativePrompt && p.width === q.width && p.height === q.height && p.steps === q.steps && p.guidanceScale === q.guidanceScale && p.model === q.model;
  return same && Math.abs(a.mtimeMs - b.mtimeMs) <= BATCH_GAP_MS;
}

/** The items in order, cut into batches (a batch of one is an image on its own). */
export function batchGroups(items: readonly GalleryItem[]): GalleryItem[][] {
  const groups: GalleryItem[][] = [];
  for (const item of items) {
    const last = groups[groups.length - 1];
    if (last && sameRun(last[last.length - 1], item)) last.push(item);
    else groups.push([item]);
  }
  return groups;
}
