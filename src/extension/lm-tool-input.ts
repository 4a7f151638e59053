// What a chat agent may ask PixArt's language-model tools for, checked before anything runs: the
// generate tool's input turned into the one GenerationConfig (the form's limits, through
// validateGeneration), its size from WIDTHxHEIGHT or an aspect ratio, the folder it may write into
// (inside a workspace folder or the output folder, on real paths too), and the list tool's filter.
// Node only, no VS Code: unit-tested on temporary folders.

import * as path from 'node:path';
import { LIMITS, validateGeneration, type GenerationConfig, type SizeRule, type ValidationContext } from '../protocol/generation';
import type { FormDefaults } from '../protocol/messages';
import { isInside } from './naming';
import { realPathOf } from './settings';

export const GENERATE_TOOL = 'pixart_generate_image';
export const LIST_TOOL = 'pixart_list_images';

/** Input the agent sent that cannot run: the message names each problem and what to send instead. */
export class ToolInputError extends Error {}

/** The generate tool's input (package.json `languageModelTools` holds the same as a JSON schema). */
export interface GenerateImageInput {
  prompt: string;
  negativePrompt?: string;
  size?: string;
  aspectRatio?: string;
  seed?: number | string;
  steps?: number;
  guidanceScale?: number;
  count?: number;
  folder?: string;
}

export interface ListImagesInput {
  query?: string;
  limit?: number;
}

const GENERATE_KEYS: readonly (keyof GenerateImageInput)[] = ['prompt', 'negativePrompt', 'size', 'aspectRatio', 'seed', 'steps', 'guidanceScale', 'count', 'folder'];
const LIST_KEYS: readonly (keyof ListImagesInput)[] = ['query', 'limit'];

/** The loaded model's limits and the form's defaults (steps, guidance, size) for what the agent left out. */
export interface ModelLimits extends ValidationContext {
  defaults: FormDefaults;
}

/** Aspect ratios PixArt's size bins span (diffusers' ASPECT_RATIO_1024_BIN: 0.25 … 4). */
const MIN_RATIO = 0.25;
const MAX_RATIO = 4;
export const LIST_LIMIT = { default: 20, max: 50, queryChars: 200 } as const;
const FOLDER_CHARS = 1024;

/** Which input field each of validateGeneration's fields came from. */
const INPUT_FIELD: Record<string, string> = { prompt: 'prompt', negativePrompt: 'negativePrompt', seed: 'seed', steps: 'steps', guidanceScale: 'guidanceScale', width: 'size', height: 'size', imagesPerPrompt: 'count' };

function asObject(raw: unknown, keys: readonly string[], what: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ToolInputError(`The input must be an object${what}.`);
  const unknown = Object.keys(raw).filter((k) => !keys.includes(k));
  if (unknown.length) throw new ToolInputError(`Unknown input ${unknown.map((k) => JSON.stringify(k)).join(', ')}: this tool takes ${keys.join(', ')}.`);
  return raw as Record<string, unknown>;
}

/** The agent's input as a validated generation (seed '' = random) and the folder it asked for, if any. */
export function parseGenerateInput(raw: unknown, model: ModelLimits): { config: GenerationConfig; folder?: string } {
  const input = asObject(raw, GENERATE_KEYS, ' with a "prompt"');
  const size = sizeOf(input, model);
  const v = validateGeneration(
    {
      prompt: input.prompt,
      negativePrompt: input.negativePrompt ?? '',
      seed: input.seed,
      steps: input.steps ?? model.defaults.steps,
      guidanceScale: input.guidanceScale ?? model.defaults.guidanceScale,
      ...size,
      imagesPerPrompt: input.count ?? 1,
    },
    model,
  );
  if (!v.ok) throw new ToolInputError(v.errors.map((e) => (INPUT_FIELD[e.field] ? `${INPUT_FIELD[e.field]}: ${e.message}` : e.message)).join(' '));
  if (input.folder !== undefined && typeof input.folder !== 'string') throw new ToolInputError('folder: give a folder path as text, such as "docs/images".');
  return { config: v.value, ...(typeof input.folder === 'string' && input.folder.trim() ? { folder: input.folder.trim() } : {}) };
}

function sizeOf(input: Record<string, unknown>, model: ModelLimits): { width: number; height: number } {
  const fallback = { width: model.defaults.width, height: model.defaults.height };
  if (input.size !== undefined && input.aspectRatio !== undefined) throw new ToolInputError('Give size or aspectRatio, not both.');
  if (input.size !== undefined) {
    const m = typeof input.size === 'string' ? /^\s*(\d{1,5})\s*[x×]\s*(\d{1,5})\s*$/i.exec(input.size) : null;
    if (!m) throw new ToolInputError(`size: write it as WIDTHxHEIGHT, such as "${fallback.width}x${fallback.height}".`);
    return { width: Number(m[1]), height: Number(m[2]) };
  }
  if (input.aspectRatio !== undefined) return sizeForAspect(parseRatio(input.aspectRatio), model.supportedSizes, fallback);
  return fallback;
}

function parseRatio(v: unknown): number {
  const m = typeof v === 'string' ? /^\s*(\d{1,4}(?:\.\d{1,3})?)\s*[:/]\s*(\d{1,4}(?:\.\d{1,3})?)\s*$/.exec(v) : null;
  const ratio = m ? Number(m[1]) / Number(m[2]) : NaN;
  if (!Number.isFinite(ratio) || ratio < MIN_RATIO || ratio > MAX_RATIO) throw new ToolInputError(`aspectRatio: write it as WIDTH:HEIGHT from 1:4 to 4:1, such as "16:9" or "1:1".`);
  return ratio;
}

/**
 * The size for a width/height `ratio`: the model's size of the nearest ratio (on a log scale, so
 * 2:1 and 1:2 are as far from 1:1), the one nearest the default's area on a tie; a model that
 * runs any size gets the default's area at that ratio, in multiples of 8.
 */
export function sizeForAspect(ratio: number, sizes: readonly SizeRule[], fallback: SizeRule): SizeRule {
  if (sizes.length === 0) {
    const area = fallback.width * fallback.height;
    const side = (v: number) => Math.min(LIMITS.maxSide, Math.max(LIMITS.minSide, Math.round(v / LIMITS.sideMultiple) * LIMITS.sideMultiple));
    return { width: side(Math.sqrt(area * ratio)), height: side(Math.sqrt(area / ratio)) };
  }
  const area = fallback.width * fallback.height;
  const cost = (s: SizeRule) => [Math.abs(Math.log(s.width / s.height / ratio)), Math.abs(s.width * s.height - area)];
  let best = sizes[0];
  for (const s of sizes.slice(1)) {
    const [a, b] = [cost(s), cost(best)];
    if (a[0] < b[0] - 1e-9 || (Math.abs(a[0] - b[0]) <= 1e-9 && a[1] < b[1])) best = s;
  }
  return { width: best.width, height: best.height };
}

/** Where the tool may write: the workspace folders and the output folder (pixart.outputFolder, resolved). */
export interface WriteRoots {
  workspaceFolders: readonly string[];
  /** The folder a relative `folder` is taken in (the active editor's workspace folder, else the first). */
  workspaceRoot?: string;
  outputFolder?: string;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The folder to save into: the output folder when none is asked for; otherwise the folder asked
 * for (relative to the workspace root) when it lies inside a workspace folder or the output folder,
 * also once symbolic links are resolved, and holds no hidden segment (.git, .vscode …).
 */
export async function resolveTargetFolder(folder: string | undefined, roots: WriteRoots): Promise<string> {
  if (folder === undefined) {
    if (roots.outputFolder) return roots.outputFolder;
    throw new ToolInputError('There is nowhere to save: no folder is open and pixart.outputFolder is relative. Open a folder, or set pixart.outputFolder to an absolute path.');
  }
  const shown = JSON.stringify(folder);
  if (folder.length > FOLDER_CHARS || CONTROL.test(folder)) throw new ToolInputError(`folder ${shown.slice(0, 80)}: give a plain folder path of at most ${FOLDER_CHARS} characters, with no control characters.`);
  if (!path.isAbsolute(folder) && !roots.workspaceRoot) throw new ToolInputError(`folder ${shown} is relative, but no workspace folder is open: omit folder to save into the output folder.`);
  const target = path.isAbsolute(folder) ? path.normalize(folder) : path.resolve(roots.workspaceRoot!, folder);
  const allowed = [...roots.workspaceFolders, ...(roots.outputFolder ? [roots.outputFolder] : [])];
  const root = allowed.find((r) => isInside(r, target));
  if (!root) {
    const output = roots.outputFolder && !roots.workspaceFolders.some((w) => isInside(w, roots.outputFolder!)) ? ` or the output folder (${roots.outputFolder})` : '';
    throw new ToolInputError(`folder ${shown} is outside the workspace${output}: give a folder inside it, such as "assets/images", or omit folder to use pixart.outputFolder.`);
  }
  if (path.relative(root, target).split(path.sep).some((seg) => seg.startsWith('.'))) throw new ToolInputError(`folder ${shown} is or lies in a hidden folder (such as .git or .vscode): choose a visible folder for images.`);
  const [real, realRoot] = [await realPathOf(target), (await realPathOf(root)) ?? root];
  if (!real || !isInside(realRoot, real)) throw new ToolInputError(`folder ${shown} leads out of ${root} through a symbolic link${real ? ` (to ${real})` : ''}: choose a folder inside it.`);
  return target;
}

/** The list tool's input: an optional prompt filter and how many images to return. */
export function parseListInput(raw: unknown): { query: string; limit: number } {
  const input = asObject(raw ?? {}, LIST_KEYS, '');
  const q = input.query ?? '';
  if (typeof q !== 'string' || q.length > LIST_LIMIT.queryChars) throw new ToolInputError(`query: give words of the prompt to look for, at most ${LIST_LIMIT.queryChars} characters.`);
  const limit = input.limit ?? LIST_LIMIT.default;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT.max) throw new ToolInputError(`limit: a whole number from 1 to ${LIST_LIMIT.max}.`);
  return { query: q.trim(), limit };
}
