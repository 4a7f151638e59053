// The shape of every message from the webview, which is untrusted input: types, ids and file
// names are checked before the host uses them. Generation values are checked by
// validateGeneration (generation.ts), because their ranges depend on the model.

import { GALLERY_ACTIONS, MAX_BATCHES, MOVE_DIRECTIONS, type GalleryAction, type MoveDirection, type WebviewToHost } from './messages';
import { LIMITS, type RawGenerationConfig } from './generation';
import { STYLE_LIMITS } from './styles';

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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

/** A gallery action on a file, as the sidebar and the studio send it. */
export function parseGalleryAction(raw: Record<string, unknown>): Parsed<{ type: 'galleryAction'; action: GalleryAction; file: string }> {
  if (typeof raw.action !== 'string' || !(GALLERY_ACTIONS as readonly string[]).includes(raw.action)) return { ok: false, error: 'galleryAction: unknown action' };
  if (!isPlainFileName(raw.file)) return { ok: false, error: 'galleryAction: bad file name' };
  return { ok: true, message: { type: 'galleryAction', action: raw.action as GalleryAction, file: raw.file } };
}

/** Checks the shape of a message from the webview. Generation values are checked separately (validateGenerationParams) because their ranges depend on the model. */
export function parseWebviewMessage(raw: unknown): Parsed<WebviewToHost> {
  if (!isRecord(raw) || typeof raw.type !== 'string') return { ok: false, error: 'message without a type' };
  switch (raw.type) {
    case 'ready':
    case 'selectModelFolder':
    case 'openSettings':
    case 'showLog':
    case 'reloadModel':
    case 'refreshGallery':
    case 'showMoreGallery':
    case 'promptHistory':
    case 'clearQueue':
      return { ok: true, message: { type: raw.type } };
    case 'generate':
      return parseGenerate(raw);
    case 'rerunNextSeed':
      if (raw.jobId !== undefined && raw.file === undefined) return isJobId(raw.jobId) ? { ok: true, message: { type: 'rerunNextSeed', jobId: raw.jobId } } : { ok: false, error: 'rerunNextSeed: bad job id' };
      if (raw.file !== undefined && raw.jobId === undefined) return isPlainFileName(raw.file) ? { ok: true, message: { type: 'rerunNextSeed', file: raw.file } } : { ok: false, error: 'rerunNextSeed: bad file name' };
      return { ok: false, error: 'rerunNextSeed: give a jobId or a file, not both' };
    case 'cancel':
      if (raw.jobId !== undefined && !isJobId(raw.jobId)) return { ok: false, error: 'cancel: bad job id' };
      return { ok: true, message: raw.jobId === undefined ? { type: 'cancel' } : { type: 'cancel', jobId: raw.jobId as string } };
    case 'countTokens':
      if (!Number.isSafeInteger(raw.requestId)) return { ok: false, error: 'countTokens: bad request id' };
      if (typeof raw.text !== 'string') return { ok: false, error: 'countTokens: text must be a string' };
      return { ok: true, message: { type: 'countTokens', requestId: raw.requestId as number, text: raw.text.slice(0, LIMITS.tokenTextChars) } };
    case 'galleryAction':
      return parseGalleryAction(raw);
    case 'moveJob':
      if (!isJobId(raw.jobId)) return { ok: false, error: 'moveJob: bad job id' };
      if (typeof raw.direction !== 'string' || !(MOVE_DIRECTIONS as readonly string[]).includes(raw.direction)) return { ok: false, error: 'moveJob: direction must be "up" or "down"' };
      return { ok: true, message: { type: 'moveJob', jobId: raw.jobId, direction: raw.direction as MoveDirection } };
    case 'openInStudio':
      if (!isPlainFileName(raw.file)) return { ok: false, error: 'openInStudio: bad file name' };
      return { ok: true, message: { type: 'openInStudio', file: raw.file } };
    default:
      return { ok: false, error: `unknown message type ${JSON.stringify(String(raw.type).slice(0, 40))}` };
  }
}

/** generate: params an object; style (optional) a name within bounds; batches (optional) 1 … MAX_BATCHES. */
function parseGenerate(raw: Record<string, unknown>): Parsed<WebviewToHost> {
  if (!isRecord(raw.params)) return { ok: false, error: 'generate: params missing' };
  if (raw.style !== undefined && (typeof raw.style !== 'string' || raw.style.length > STYLE_LIMITS.nameChars)) return { ok: false, error: 'generate: bad style name' };
  if (raw.batches !== undefined && !(Number.isSafeInteger(raw.batches) && (raw.batches as number) >= 1 && (raw.batches as number) <= MAX_BATCHES)) return { ok: false, error: `generate: batches must be a whole number from 1 to ${MAX_BATCHES}` };
  const message: WebviewToHost = { type: 'generate', params: raw.params as RawGenerationConfig };
  if (raw.style) message.style = raw.style as string;
  if (raw.batches !== undefined) message.batches = raw.batches as number;
  return { ok: true, message };
}
