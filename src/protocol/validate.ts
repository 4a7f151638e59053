// Validators for everything that arrives from the webview. The webview is untrusted input:
// every field is checked for type, range and length before the host uses it, and each problem
// is reported per field in words a user can act on.

import {
  GALLERY_ACTIONS,
  type FieldError,
  type GalleryAction,
  type GenerationParams,
  type RawGenerationParams,
  type SizeOption,
  type WebviewToHost,
} from './messages';

export const LIMITS = {
  promptChars: 2000,
  negativePromptChars: 2000,
  minSteps: 1,
  maxSteps: 100,
  minGuidance: 0,
  maxGuidance: 20,
  minCount: 1,
  maxCount: 4,
  maxSeed: 4294967295, // 2^32 − 1
  tokenTextChars: 4000,
  fileNameChars: 255,
  jobIdChars: 64,
} as const;

export interface ValidationContext {
  /** Sizes the loaded model can run. Empty when no model is loaded: then any 8-multiple 256…2048 is accepted. */
  supportedSizes: readonly SizeOption[];
  maxSteps?: number;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A number from a number or a numeric string (form inputs give strings); NaN otherwise. */
function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v.trim())) return Number(v.trim());
  return NaN;
}

function hasControlChars(s: string): boolean {
  // Tabs and newlines are fine in prompts; other C0 controls and DEL are not.
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s);
}

/**
 * Normalises a seed: '' / '-1' / -1 / undefined → '' (random); otherwise decimal digits in
 * 0 … 2^32−1 without leading zeros. Returns null when invalid.
 */
export function normaliseSeed(v: unknown): string | null {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') {
    if (v === -1) return '';
    if (!Number.isInteger(v) || v < 0 || v > LIMITS.maxSeed) return null;
    return String(v);
  }
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (s === '' || s === '-1') return '';
  if (!/^\d{1,10}$/.test(s)) return null;
  const n = Number(s);
  if (n > LIMITS.maxSeed) return null;
  return String(n);
}

export function validateGenerationParams(raw: unknown, ctx: ValidationContext): Validated<GenerationParams> {
  const errors: FieldError[] = [];
  if (!isRecord(raw)) return { ok: false, errors: [{ field: 'message', message: 'The form values are missing.' }] };
  const r = raw as RawGenerationParams;

  let prompt = '';
  if (typeof r.prompt !== 'string') errors.push({ field: 'prompt', message: 'The prompt must be text.' });
  else if (r.prompt.trim() === '') errors.push({ field: 'prompt', message: 'Enter a prompt.' });
  else if (r.prompt.length > LIMITS.promptChars) errors.push({ field: 'prompt', message: `The prompt is too long (${r.prompt.length} characters; at most ${LIMITS.promptChars}).` });
  else if (hasControlChars(r.prompt)) errors.push({ field: 'prompt', message: 'The prompt contains control characters.' });
  else prompt = r.prompt.trim();

  let negativePrompt = '';
  if (r.negativePrompt !== undefined && r.negativePrompt !== null) {
    if (typeof r.negativePrompt !== 'string') errors.push({ field: 'negativePrompt', message: 'The negative prompt must be text.' });
    else if (r.negativePrompt.length > LIMITS.negativePromptChars) errors.push({ field: 'negativePrompt', message: `The negative prompt is too long (${r.negativePrompt.length} characters; at most ${LIMITS.negativePromptChars}).` });
    else if (hasControlChars(r.negativePrompt)) errors.push({ field: 'negativePrompt', message: 'The negative prompt contains control characters.' });
    else negativePrompt = r.negativePrompt.trim();
  }

  const seed = normaliseSeed(r.seed);
  if (seed === null) errors.push({ field: 'seed', message: `The seed must be a whole number from 0 to ${LIMITS.maxSeed}, or empty (or −1) for a random one.` });

  const maxSteps = Math.min(ctx.maxSteps ?? LIMITS.maxSteps, LIMITS.maxSteps);
  const steps = toNumber(r.steps);
  if (!Number.isInteger(steps) || steps < LIMITS.minSteps || steps > maxSteps) errors.push({ field: 'steps', message: `Steps must be a whole number from ${LIMITS.minSteps} to ${maxSteps}.` });

  const guidanceScale = toNumber(r.guidanceScale);
  if (!Number.isFinite(guidanceScale) || guidanceScale < LIMITS.minGuidance || guidanceScale > LIMITS.maxGuidance) errors.push({ field: 'guidanceScale', message: `Guidance scale must be a number from ${LIMITS.minGuidance} to ${LIMITS.maxGuidance}.` });

  const width = toNumber(r.width);
  const height = toNumber(r.height);
  if (!Number.isInteger(width) || !Number.isInteger(height)) {
    errors.push({ field: 'width', message: 'Choose an image size.' });
  } else if (ctx.supportedSizes.length > 0) {
    if (!ctx.supportedSizes.some((s) => s.width === width && s.height === height)) {
      const list = ctx.supportedSizes.length <= 6 ? ` (${ctx.supportedSizes.map((s) => `${s.width}×${s.height}`).join(', ')})` : '';
      errors.push({ field: 'width', message: `The model cannot make ${width}×${height} images; choose one of its sizes${list}.` });
    }
  } else if (width % 8 !== 0 || height % 8 !== 0 || width < 256 || height < 256 || width > 2048 || height > 2048) {
    errors.push({ field: 'width', message: 'Width and height must be multiples of 8 from 256 to 2048.' });
  }

  const count = toNumber(r.count ?? 1);
  if (!Number.isInteger(count) || count < LIMITS.minCount || count > LIMITS.maxCount) errors.push({ field: 'count', message: `Number of images must be from ${LIMITS.minCount} to ${LIMITS.maxCount}.` });

  if (errors.length) return { ok: false, errors };
  return { ok: true, value: { prompt, negativePrompt, seed: seed ?? '', steps, guidanceScale, width, height, count } };
}

/** A file name as the gallery shows it: one path segment, no separators, no `..`, no control characters. */
export function isPlainFileName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= LIMITS.fileNameChars &&
    name !== '.' &&
    name !== '..' &&
    !/[\\/:\u0000-\u001f\u007f]/.test(name) &&
    !name.startsWith('.')
  );
}

function isJobId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= LIMITS.jobIdChars && /^[\w-]+$/.test(v);
}

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

/** Checks the shape of a message from the webview. Generation values are checked separately (validateGenerationParams) because their ranges depend on the model. */
export function parseWebviewMessage(raw: unknown): Parsed<WebviewToHost> {
  if (!isRecord(raw) || typeof raw.type !== 'string') return { ok: false, error: 'message without a type' };
  switch (raw.type) {
    case 'ready':
    case 'selectModelFolder':
    case 'openSettings':
    case 'showLog':
    case 'refreshGallery':
      return { ok: true, message: { type: raw.type } };
    case 'generate':
      if (!isRecord(raw.params)) return { ok: false, error: 'generate: params missing' };
      return { ok: true, message: { type: 'generate', params: raw.params as RawGenerationParams } };
    case 'cancel':
      if (raw.jobId !== undefined && !isJobId(raw.jobId)) return { ok: false, error: 'cancel: bad job id' };
      return { ok: true, message: raw.jobId === undefined ? { type: 'cancel' } : { type: 'cancel', jobId: raw.jobId as string } };
    case 'countTokens':
      if (!Number.isSafeInteger(raw.requestId)) return { ok: false, error: 'countTokens: bad request id' };
      if (typeof raw.text !== 'string') return { ok: false, error: 'countTokens: text must be a string' };
      return { ok: true, message: { type: 'countTokens', requestId: raw.requestId as number, text: raw.text.slice(0, LIMITS.tokenTextChars) } };
    case 'galleryAction':
      if (typeof raw.action !== 'string' || !(GALLERY_ACTIONS as readonly string[]).includes(raw.action)) return { ok: false, error: 'galleryAction: unknown action' };
      if (!isPlainFileName(raw.file)) return { ok: false, error: 'galleryAction: bad file name' };
      return { ok: true, message: { type: 'galleryAction', action: raw.action as GalleryAction, file: raw.file } };
    default:
      return { ok: false, error: `unknown message type ${JSON.stringify(String(raw.type).slice(0, 40))}` };
  }
}
