// The messages between the studio (the editor-area webview panel, webview/studio/) and the host,
// and the check of every message the studio sends (untrusted input, as in validate.ts). The
// pictures are gallery items (GalleryItem), the buttons gallery actions (GalleryAction): the
// studio shows the same images and does the same things as the sidebar's gallery.

import type { GalleryAction, GalleryItem, ImageParameters } from './messages';
import { isPlainFileName, isRecord, parseGalleryAction, type Parsed } from './validate';

/** Most file names one thumbnails request may name (a screenful of rows). */
export const STUDIO_THUMBNAILS_MAX = 200;

export type StudioToHost =
  | { type: 'ready' }
  | { type: 'refresh' }
  | { type: 'galleryAction'; action: GalleryAction; file: string }
  /** Marks or unmarks an image of the output folder as a favourite. */
  | { type: 'favourite'; file: string; on: boolean }
  /** Pictures for these files as data: URIs (only when the output folder lies outside the workspace). */
  | { type: 'thumbnails'; files: string[] };

export type HostToStudio =
  /** Every image of the output folder, newest first; `select`: the image to show large. */
  | { type: 'history'; folder: string; items: GalleryItem[]; favourites: string[]; inline: boolean; select?: string }
  /** Parameters read since the history was posted, by file name (a chunk at a time). */
  | { type: 'parameters'; parameters: Record<string, ImageParameters> }
  | { type: 'select'; file: string }
  | { type: 'favourites'; favourites: string[] }
  | { type: 'thumbnails'; uris: Record<string, string> };

/** Checks the shape of a message from the studio webview. */
export function parseStudioMessage(raw: unknown): Parsed<StudioToHost> {
  if (!isRecord(raw) || typeof raw.type !== 'string') return { ok: false, error: 'message without a type' };
  switch (raw.type) {
    case 'ready':
    case 'refresh':
      return { ok: true, message: { type: raw.type } };
    case 'galleryAction':
      return parseGalleryAction(raw);
    case 'favourite':
      if (!isPlainFileName(raw.file)) return { ok: false, error: 'favourite: bad file name' };
      if (typeof raw.on !== 'boolean') return { ok: false, error: 'favourite: on must be true or false' };
      return { ok: true, message: { type: 'favourite', file: raw.file, on: raw.on } };
    case 'thumbnails': {
      const files = raw.files;
      if (!Array.isArray(files) || files.length > STUDIO_THUMBNAILS_MAX) return { ok: false, error: `thumbnails: files must be a list of at most ${STUDIO_THUMBNAILS_MAX} names` };
      if (!files.every(isPlainFileName)) return { ok: false, error: 'thumbnails: bad file name' };
      return { ok: true, message: { type: 'thumbnails', files: files as string[] } };
    }
    default:
      return { ok: false, error: `unknown message type ${JSON.stringify(String(raw.type).slice(0, 40))}` };
  }
}
