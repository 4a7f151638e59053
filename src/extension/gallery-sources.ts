// How the generator webview gets the gallery's pictures without being able to load anything else.
// A webview root opens a whole tree to the webview, so the output folder becomes one only when it
// lies inside a workspace folder (real paths: a symbolic link out does not count). Anywhere else
// (pixart.outputFolder set to ~ or /, or a folder chosen with no workspace open) there is no root:
// each picture is sent as a data: URI of a small WebP thumbnail (sharp), or of the file itself when
// sharp is missing and the file is small, else of a blank placeholder. Node only, no VS Code.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { StoredImage } from './asset-store';
import { isInside } from './naming';
import { realPathOf } from './settings';

const THUMBNAIL_SIDE = 256;
/** sharp's decode limit here: the largest image PixArt makes is far smaller; a hostile one is refused, not decoded. */
const MAX_INPUT_PIXELS = 4096 * 4096;
/** Without sharp: files up to this size are sent whole, up to RAW_BUDGET per gallery. */
const RAW_LIMIT = 1024 * 1024;
const RAW_BUDGET = 16 * 1024 * 1024;
const CONCURRENCY = 4;
export const PLACEHOLDER_URI = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='4' height='3'/%3E";
const MIME: Record<string, string> = { '.png': 'image/png', '.webp': 'image/webp', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };

interface SharpPipeline {
  rotate(): SharpPipeline;
  resize(width: number, height: number, options: { fit: 'inside'; withoutEnlargement: true }): SharpPipeline;
  webp(options: { quality: number }): SharpPipeline;
  toBuffer(): Promise<Buffer>;
}
type Sharp = (file: string, options: { limitInputPixels: number }) => SharpPipeline;

let sharp: Sharp | null | undefined;
function loadSharp(): Sharp | null {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (sharp === undefined) sharp = (() => { try { return require('sharp') as Sharp; } catch { return null; } })();
  return sharp;
}

/** The output folder when the webview may have it as a root: its real path inside a workspace folder's real path. */
export async function servableRoot(folder: string, workspaceFolders: readonly string[]): Promise<string | undefined> {
  const real = await realPathOf(folder);
  if (!real) return undefined;
  for (const ws of workspaceFolders) {
    const realWs = await realPathOf(ws);
    if (realWs && isInside(realWs, real)) return folder;
  }
  return undefined;
}

async function thumbnail(file: string, load: () => Sharp | null): Promise<{ uri: string; rawBytes: number }> {
  const make = load();
  if (make) {
    const webp = await make(file, { limitInputPixels: MAX_INPUT_PIXELS }).rotate().resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer().catch(() => undefined);
    return { uri: webp ? `data:image/webp;base64,${webp.toString('base64')}` : PLACEHOLDER_URI, rawBytes: 0 };
  }
  const mime = MIME[path.extname(file).toLowerCase()];
  const st = await fs.stat(file).catch(() => undefined);
  if (!mime || !st || st.size > RAW_LIMIT) return { uri: PLACEHOLDER_URI, rawBytes: 0 };
  const bytes = await fs.readFile(file).catch(() => undefined);
  return bytes ? { uri: `data:${mime};base64,${bytes.toString('base64')}`, rawBytes: bytes.length } : { uri: PLACEHOLDER_URI, rawBytes: 0 };
}

interface Inlined {
  stamp: string;
  uri: string;
  rawBytes: number;
}

/** data: URIs of gallery images, kept per file while its mtime and size stay the same. */
export class InlineThumbnails {
  private cache = new Map<string, Inlined>();

  /** `load` is sharp's loader; the tests pass one that finds no sharp. */
  constructor(private readonly load: () => Sharp | null = loadSharp) {}

  /** A data: URI for each image, by path. */
  async uris(images: readonly StoredImage[]): Promise<Map<string, string>> {
    const next = new Map<string, Inlined>();
    const uris = new Map<string, string>();
    let rawBudget = RAW_BUDGET;
    let i = 0;
    const work = async () => {
      while (i < images.length) {
        const image = images[i++];
        const stamp = `${image.mtimeMs}:${image.size}`;
        let entry = this.cache.get(image.path);
        if (entry?.stamp !== stamp) entry = rawBudget > 0 ? { stamp, ...(await thumbnail(image.path, this.load)) } : undefined;
        rawBudget -= entry?.rawBytes ?? 0;
        if (entry) next.set(image.path, entry); // over budget: a placeholder now, another try next time
        uris.set(image.path, entry?.uri ?? PLACEHOLDER_URI);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, work));
    this.cache = next;
    return uris;
  }
}
