// The studio's history, pure: which images a search finds, in which order, and which of them came
// from one generation run (a batch), from what their files' parameters say.
//
// A run is told from the metadata alone, since no job id is written into the files:
//  - one job of several images per prompt writes the same prompt, negative, seed, steps, guidance,
//    size and model into each file, with `Batch size` and a distinct `Batch pos` (imageParameters);
//  - jobs in a row with the next seed each ("batch count", Variations) write the same settings with
//    seeds one apart.
// Images are of one run when, newest first, each is within RUN_GAP_MS of the one before, has the
// same settings, and either the same seed with a Batch pos not yet seen in the run, or the seed
// one below the run's last one. A re-run of the same seed starts a run of its own.

import type { GalleryItem, ImageParameters } from '../../src/protocol/messages';

export type SortOrder = 'newest' | 'oldest' | 'prompt';
export const SORT_ORDERS: readonly { value: SortOrder; label: string }[] = [
  { value: 'newest', label: 'Newest first' },
  { value: 'oldest', label: 'Oldest first' },
  { value: 'prompt', label: 'Prompt (A–Z)' },
];

/** Longest pause between two images of one run (a job per image, each taking a while on a CPU). */
export const RUN_GAP_MS = 10 * 60_000;

/** The words of a search: lower case, split on white space. */
export function searchWords(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

/** Whether an image's prompt (its file name when it carries none) holds every word, in any case. */
export function matches(item: GalleryItem, words: readonly string[]): boolean {
  if (words.length === 0) return true;
  const text = (item.parameters?.prompt ?? item.file).toLowerCase();
  return words.every((w) => text.includes(w));
}

const promptOf = (i: GalleryItem) => (i.parameters?.prompt ?? i.file).toLowerCase();
const newestFirst = (a: GalleryItem, b: GalleryItem) => b.mtimeMs - a.mtimeMs || b.file.localeCompare(a.file);

/** A new array in `order`; prompts tie newest first, so a run's images stay together. */
export function sortItems(items: readonly GalleryItem[], order: SortOrder): GalleryItem[] {
  const out = items.slice();
  if (order === 'newest') out.sort(newestFirst);
  else if (order === 'oldest') out.sort((a, b) => -newestFirst(a, b));
  else out.sort((a, b) => (promptOf(a) < promptOf(b) ? -1 : promptOf(a) > promptOf(b) ? 1 : newestFirst(a, b)));
  return out;
}

function settingsKey(p: ImageParameters): string {
  return JSON.stringify([p.prompt, p.negativePrompt, p.steps, p.guidanceScale, p.width, p.height, p.model, p.extra?.['Batch size'] ?? '']);
}

function seedMinusOne(seed: string): string | undefined {
  if (!/^\d{1,20}$/.test(seed) || seed === '0') return undefined;
  return (BigInt(seed) - 1n).toString();
}

interface Run {
  key: string;
  seed: string;
  positions: Set<string>;
  mtimeMs: number;
  id: number;
}

function continues(run: Run | undefined, p: ImageParameters, mtimeMs: number): boolean {
  if (!run || run.key !== settingsKey(p) || run.mtimeMs - mtimeMs > RUN_GAP_MS) return false;
  const pos = p.extra?.['Batch pos'];
  if (p.seed === run.seed) return pos !== undefined && !run.positions.has(pos);
  return p.seed === seedMinusOne(run.seed);
}

/**
 * The run of each image, by file name (images alone in their run are left out): `items` are
 * taken newest first whatever their order, so an id does not depend on the sort shown.
 */
export function runIds(items: readonly GalleryItem[]): Map<string, number> {
  const byTime = items.slice().sort(newestFirst);
  const ids = new Map<string, number>();
  const sizes = new Map<number, number>();
  let run: Run | undefined;
  let next = 0;
  for (const item of byTime) {
    const p = item.parameters;
    if (!p) {
      run = undefined;
      continue;
    }
    if (run && continues(run, p, item.mtimeMs)) {
      run.seed = p.seed;
      run.mtimeMs = item.mtimeMs;
    } else run = { key: settingsKey(p), seed: p.seed, positions: new Set(), mtimeMs: item.mtimeMs, id: next++ };
    const pos = p.extra?.['Batch pos'];
    if (pos !== undefined) run.positions.add(pos);
    ids.set(item.file, run.id);
    sizes.set(run.id, (sizes.get(run.id) ?? 0) + 1);
  }
  for (const [file, id] of ids) if (sizes.get(id) === 1) ids.delete(file);
  return ids;
}

/** A stretch of the list shown together: one run (batch), or images that belong to none. */
export interface Group {
  items: GalleryItem[];
  /** The run's id when these images are one run. */
  run?: number;
}

/** Cuts the list, as ordered, into groups: neighbours of one run together, the rest in between. */
export function groupItems(items: readonly GalleryItem[], runs: ReadonlyMap<string, number>): Group[] {
  const groups: Group[] = [];
  for (const item of items) {
    const run = runs.get(item.file);
    const last = groups[groups.length - 1];
    if (last && last.run === run) last.items.push(item);
    else groups.push(run === undefined ? { items: [item] } : { items: [item], run });
  }
  return groups;
}

export interface HistoryQuery {
  query: string;
  order: SortOrder;
  favouritesOnly: boolean;
  favourites: ReadonlySet<string>;
  grouped: boolean;
}

/** What the grid shows for a query: the images found, ordered and grouped. */
export function historyView(items: readonly GalleryItem[], runs: ReadonlyMap<string, number>, q: HistoryQuery): Group[] {
  const words = searchWords(q.query);
  const found = items.filter((i) => matches(i, words) && (!q.favouritesOnly || q.favourites.has(i.file)));
  const sorted = sortItems(found, q.order);
  return q.grouped ? groupItems(sorted, runs) : sorted.length ? [{ items: sorted }] : [];
}
