// The extension's settings (contributes.configuration in package.json), read through a getter
// so that this module stays free of VS Code: types checked, ranges clamped, defaults filled.

import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { totalmem } from 'node:os';
import type { FormDefaults, ImageFormat, LoadOptions, ModelSummary } from '../protocol/messages';
import { schedulerDefaults } from '../protocol/generation';
import { MEMORY_MODES, releasesModels, type MemoryMode } from '../protocol/memory-mode';
import { DEFAULT_FILE_NAME_TEMPLATE, isInside } from './naming';

export const SECTION = 'pixart';
const RUNTIMES = ['auto', 'openvino-node', 'openvino-c'] as const;
const FORMATS: readonly ImageFormat[] = ['png', 'webp', 'jpeg'];
export { LOW_MEMORY_BELOW } from '../protocol/memory-mode';

export interface PixArtSettings {
  modelPath: string;
  device: string;
  precision: 'auto' | 'f32';
  openvinoRuntime: (typeof RUNTIMES)[number];
  openvinoLibraryPath: string;
  outputFolder: string;
  fileNameTemplate: string;
  imageFormat: ImageFormat;
  /** 0: the model's default. */
  defaultSteps: number;
  /** Negative: the model's default. */
  defaultGuidanceScale: number;
  /** "WIDTHxHEIGHT", or '' for the model's default. */
  defaultSize: string;
  defaultImageCount: number;
  preview: boolean;
  compiledModelCache: boolean;
  /** low: release T5 and the VAE after each use; fast: keep them; auto: low below LOW_MEMORY_BELOW of RAM. */
  memory: MemoryMode;
}

export const DEFAULT_SETTINGS: PixArtSettings = {
  modelPath: '',
  device: 'CPU',
  precision: 'auto',
  openvinoRuntime: 'auto',
  openvinoLibraryPath: '',
  outputFolder: 'assets/generated',
  fileNameTemplate: DEFAULT_FILE_NAME_TEMPLATE,
  imageFormat: 'png',
  defaultSteps: 0,
  defaultGuidanceScale: -1,
  defaultSize: '',
  defaultImageCount: 1,
  preview: true,
  compiledModelCache: true,
  memory: 'auto',
};

function str(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v.trim() : fallback;
}

function bool(v: unknown, fallback: boolean): boolean {
  return typeof v === 'boolean' ? v : fallback;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

function int(v: unknown, min: number, max: number, fallback: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return fallback;
  return Math.min(max, Math.max(min, Math.round(v)));
}

function num(v: unknown, min: number, max: number, fallback: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return fallback;
  return Math.min(max, Math.max(min, v));
}

/** `get(key)` returns the raw value of `pixart.<key>` (undefined when unset). */
export function resolveSettings(get: (key: keyof PixArtSettings | 'releaseTextEncoder') => unknown): PixArtSettings {
  const d = DEFAULT_SETTINGS;
  const device = str(get('device'), d.device).toUpperCase();
  return {
    modelPath: str(get('modelPath'), d.modelPath),
    // Also accept specific devices OpenVINO reports, such as GPU.1.
    device: /^(CPU|GPU|NPU|AUTO)(\.\d+)?$/.test(device) ? device : d.device,
    precision: oneOf(get('precision'), ['auto', 'f32'] as const, d.precision),
    openvinoRuntime: oneOf(get('openvinoRuntime'), RUNTIMES, d.openvinoRuntime),
    openvinoLibraryPath: str(get('openvinoLibraryPath'), d.openvinoLibraryPath),
    outputFolder: str(get('outputFolder'), d.outputFolder) || d.outputFolder,
    fileNameTemplate: str(get('fileNameTemplate'), d.fileNameTemplate) || d.fileNameTemplate,
    imageFormat: oneOf(get('imageFormat'), FORMATS, d.imageFormat),
    defaultSteps: int(get('defaultSteps'), 0, 100, d.defaultSteps),
    defaultGuidanceScale: num(get('defaultGuidanceScale'), -1, 20, d.defaultGuidanceScale),
    defaultSize: /^\d{2,5}x\d{2,5}$/.test(str(get('defaultSize'), '')) ? str(get('defaultSize'), '') : '',
    defaultImageCount: int(get('defaultImageCount'), 1, 4, d.defaultImageCount),
    preview: bool(get('preview'), d.preview),
    compiledModelCache: bool(get('compiledModelCache'), d.compiledModelCache),
    // pixart.releaseTextEncoder (deprecated) set to true still means low.
    memory: oneOf(get('memory'), MEMORY_MODES, get('releaseTextEncoder') === true ? 'low' : d.memory),
  };
}

export type OutputFolder = { ok: true; folder: string } | { ok: false; reason: 'no-workspace' | 'outside-workspace'; message: string };

/**
 * Where images go. A relative setting is taken inside the workspace folder and may not climb out
 * of it; an absolute one is used as is. Without a workspace, a relative setting has no home and
 * the caller must ask the user.
 */
export function resolveOutputFolder(setting: string, workspaceRoot: string | undefined, home?: string): OutputFolder {
  const s = expandHome(setting, home);
  if (path.isAbsolute(s)) return { ok: true, folder: path.normalize(s) };
  if (!workspaceRoot) return { ok: false, reason: 'no-workspace', message: 'No folder is open, so the relative output folder has no place: choose where to save images.' };
  const folder = path.resolve(workspaceRoot, s);
  const rel = path.relative(workspaceRoot, folder);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return { ok: false, reason: 'outside-workspace', message: `pixart.outputFolder "${setting}" points outside the workspace; use a path inside it or an absolute path.` };
  return { ok: true, folder };
}

function expandHome(setting: string, home: string | undefined): string {
  const s = setting.trim() || DEFAULT_SETTINGS.outputFolder;
  return home && (s === '~' || s.startsWith('~/') || s.startsWith('~\\')) ? path.join(home, s.slice(1)) : s;
}

export type RealOutputFolder = { ok: true; folder: string; real: string } | Extract<OutputFolder, { ok: false }>;

/**
 * resolveOutputFolder, then its rule again on real paths (symbolic links resolved): a relative
 * setting that leaves the workspace through a link is refused like one that climbs out with `..`.
 * `folder` is the path as set (what the gallery and the file watcher see); `real` is where files land.
 */
export async function resolveRealOutputFolder(setting: string, workspaceRoot: string | undefined, home?: string): Promise<RealOutputFolder> {
  const r = resolveOutputFolder(setting, workspaceRoot, home);
  if (!r.ok) return r;
  const real = await realPathOf(r.folder);
  if (!workspaceRoot || path.isAbsolute(expandHome(setting, home))) return { ...r, real: real ?? r.folder };
  const realRoot = (await realPathOf(workspaceRoot)) ?? workspaceRoot;
  if (real && isInside(realRoot, real)) return { ...r, real };
  const where = real ? `to ${real}` : 'through a broken link';
  return { ok: false, reason: 'outside-workspace', message: `pixart.outputFolder "${setting}" leads outside the workspace through a symbolic link (${where}); use a folder inside it or an absolute path.` };
}

/**
 * The real path of `p`, which need not exist yet: its nearest existing ancestor's real path with
 * the rest appended. Undefined when that ancestor is a broken symbolic link.
 */
export async function realPathOf(p: string): Promise<string | undefined> {
  let existing = path.resolve(p);
  while (!(await fs.lstat(existing).then(() => true, () => false))) {
    const parent = path.dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  const real = await fs.realpath(existing).catch(() => undefined);
  return real && path.join(real, path.relative(existing, path.resolve(p)));
}

/**
 * What the worker needs to load the model, from the settings. `cacheDir` is where compiled models
 * may be cached; `ram` is the machine's memory (the extension host runs where the worker does,
 * also in a remote window).
 */
export function loadOptionsFrom(s: PixArtSettings, cacheDir: string | undefined, ram = totalmem()): LoadOptions {
  const release = releasesModels(s.memory, ram);
  return {
    modelDir: s.modelPath,
    device: s.device,
    precision: s.precision,
    runtime: s.openvinoRuntime,
    ...(s.openvinoLibraryPath ? { libraryPath: s.openvinoLibraryPath } : {}),
    ...(s.compiledModelCache && cacheDir ? { cacheDir } : {}),
    ...(release ? { releaseTextEncoder: true } : {}),
    ...(parseSize(s.defaultSize) ? { warmUpSize: parseSize(s.defaultSize) } : {}),
  };
}

function parseSize(s: string): { width: number; height: number } | undefined {
  const m = /^(\d+)x(\d+)$/.exec(s);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : undefined;
}

/** The form's starting values: the settings where set, else the model's defaults, sizes limited to what the model can run. */
export function resolveFormDefaults(s: PixArtSettings, model?: ModelSummary): FormDefaults {
  const modelDefaults = model?.defaults ?? schedulerDefaults('LCMScheduler'); // before a model loads: the default model's
  const steps = s.defaultSteps > 0 ? s.defaultSteps : modelDefaults.steps;
  const guidanceScale = s.defaultGuidanceScale >= 0 ? s.defaultGuidanceScale : modelDefaults.guidanceScale;
  const wanted = parseSize(s.defaultSize);
  const sizes = model?.supportedSizes ?? [];
  let size: { width: number; height: number } | undefined;
  if (wanted && (sizes.length === 0 || sizes.some((z) => z.width === wanted.width && z.height === wanted.height))) size = wanted;
  size ??= model?.staticSize ?? undefined;
  size ??= sizes.find((z) => z.width === z.height) ?? sizes[0];
  size ??= { width: 1024, height: 1024 };
  return { steps, guidanceScale, width: size.width, height: size.height, imagesPerPrompt: s.defaultImageCount };
}
