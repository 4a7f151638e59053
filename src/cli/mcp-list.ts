// The list_images tool: the images under the output folder (or a folder inside it), newest first,
// with the parameters each carries, read by the bounded reader (read-metadata.ts). Bounded in
// every direction, since the folder may hold anything: folders at most MAX_DEPTH deep, at most
// MAX_ENTRIES entries looked at, at most MAX_READS files read per call; symbolic links and hidden
// entries are not followed.
import { promises as fs, type Dirent } from 'node:fs';
import * as path from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { readFileParameters } from '../image/read-metadata';
import { listFolder, relativeTo } from './mcp-folder';
import { LIMITS } from '../protocol/generation';
import { InputError } from './mcp-request';
import { MAX_LIST, type ListArgs, type ListedImage, type ListOutput } from './mcp-schemas';

const IMAGE_FILE = /\.(png|webp|jpe?g)$/i;
const MAX_DEPTH = 4;
const MAX_ENTRIES = 10_000;
const MAX_READS = 1_000;
const DEFAULT_LIMIT = 20;

interface Found {
  files: { path: string; mtimeMs: number }[];
  /** MAX_ENTRIES was reached: there may be more. */
  cut: boolean;
}

/** Image files under `folder`, breadth first, within the bounds. */
async function findImages(folder: string): Promise<Found> {
  const found: Found = { files: [], cut: false };
  let level = [folder];
  let seen = 0;
  for (let depth = 0; depth <= MAX_DEPTH && level.length; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      const entries: Dirent[] = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        if (++seen > MAX_ENTRIES) return { ...found, cut: true };
        if (e.name.startsWith('.')) continue;
        const p = path.join(dir, e.name);
        if (e.isDirectory()) next.push(p);
        else if (e.isFile() && IMAGE_FILE.test(e.name)) {
          const st = await fs.lstat(p).catch(() => undefined);
          if (st?.isFile()) found.files.push({ path: p, mtimeMs: st.mtimeMs });
        }
      }
    }
    level = next;
  }
  return found;
}

/** What one file says, or only its path and time when it carries no parameters. */
async function describe(root: string, file: { path: string; mtimeMs: number }): Promise<ListedImage> {
  const base: ListedImage = { path: file.path, relativePath: relativeTo(root, file.path), modified: new Date(file.mtimeMs).toISOString() };
  const p = await readFileParameters(file.path).then((r) => r.parameters, () => undefined);
  if (!p) return base;
  const { prompt, negativePrompt, seed, width, height, steps, guidanceScale, model } = p;
  return { ...base, prompt, negativePrompt, seed, width, height, steps, guidanceScale, model: model || undefined };
}

function matches(image: ListedImage, words: string[]): boolean {
  const prompt = image.prompt?.toLowerCase();
  return words.length === 0 || (prompt !== undefined && words.every((w) => prompt.includes(w)));
}

function text(out: ListOutput): string {
  if (out.images.length === 0) return out.found === 0 ? 'No images in the output folder yet.' : `None of the ${out.found} images matched.`;
  const lines = out.images.map((i) => `${i.path}${i.seed ? ` — seed ${i.seed}, ${i.width}×${i.height}` : ''}${i.prompt !== undefined ? ` — ${JSON.stringify(i.prompt.length > 200 ? `${i.prompt.slice(0, 200)}…` : i.prompt)}` : ''}`);
  return [`${out.images.length} image${out.images.length > 1 ? 's' : ''}, newest first${out.truncated ? ' (more exist)' : ''}:`, ...lines].join('\n');
}

export async function listImages(root: string, args: ListArgs): Promise<CallToolResult> {
  const limit = args.limit ?? DEFAULT_LIMIT;
  if (limit < 1 || limit > MAX_LIST) throw new InputError(`limit: must be a whole number from 1 to ${MAX_LIST}.`);
  if (args.query !== undefined && args.query.length > LIMITS.promptChars) throw new InputError(`query: too long (${args.query.length} characters; at most ${LIMITS.promptChars}).`);
  const words = (args.query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const folder = await listFolder(root, args.folder);
  const { files, cut } = folder ? await findImages(folder) : { files: [], cut: false };
  files.sort((a, b) => b.mtimeMs - a.mtimeMs);
  const images: ListedImage[] = [];
  let read = 0;
  for (const file of files) {
    if (images.length === limit || read === MAX_READS) break;
    read++;
    const image = await describe(root, file);
    if (matches(image, words)) images.push(image);
  }
  const out: ListOutput = { images, found: files.length, truncated: cut || read < files.length };
  return { content: [{ type: 'text', text: text(out) }], structuredContent: out };
}
