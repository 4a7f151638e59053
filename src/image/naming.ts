// File names for generated images, from a template such as
//   {date}-{time}-seed{seed}-{slug}  →  2026-11-26-153012-seed42-small-cactus.png
// and the checks that keep every write inside the output folder. Pure: no I/O. Shared by the
// extension (job-runner.ts, asset-store.ts) and the CLI's MCP server (src/cli/mcp-save.ts).

import * as path from 'node:path';

export const DEFAULT_FILE_NAME_TEMPLATE = '{date}-{time}-seed{seed}-{slug}';
const MAX_SLUG_CHARS = 48;
/** Longest base name (without extension), in characters and in UTF-8 bytes: file systems count bytes (255), and "-10000.jpeg" must still fit. */
const MAX_BASE_CHARS = 120;
const MAX_BASE_BYTES = 200;

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d|conin\$|conout\$)$/i;
/** Bidirectional controls (LRM, RLM, ALM, embeddings, overrides, isolates): they can make "gnp.exe" read as "exe.png". */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Half of a surrogate pair on its own: not Unicode, so no file system stores it as written. */
const LONE_SURROGATES = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const ARTICLES = new Set(['a', 'an', 'the']);

/** Lower-case ASCII words of the prompt (articles dropped) joined by '-', at most `max` characters, cut at a word boundary. */
export function slugify(prompt: string, max = MAX_SLUG_CHARS): string {
  const words = prompt
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // strip combining accents: é → e
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(/\s+/)
    .filter((w) => w && !ARTICLES.has(w));
  let out = '';
  for (const w of words) {
    const next = out ? `${out}-${w}` : w;
    if (next.length > max) {
      if (!out) out = w.slice(0, max);
      break;
    }
    out = next;
  }
  return out || 'image';
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Local date and time as the template's {date} (2026-11-26) and {time} (153012). */
export function timestampParts(d: Date): { date: string; time: string } {
  return {
    date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    time: `${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`,
  };
}

/** The longest prefix of `s` within `maxChars` code points and `maxBytes` UTF-8 bytes; never splits a character. */
function truncate(s: string, maxChars: number, maxBytes: number): string {
  let chars = 0;
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    bytes += Buffer.byteLength(ch, 'utf8');
    if (++chars > maxChars || bytes > maxBytes) return s.slice(0, end);
    end += ch.length;
  }
  return s;
}

/** Without trailing dots, dashes and spaces. A loop: `/[.\-\s]+$/` is quadratic on a long run of them inside the string. */
function trimEnd(s: string): string {
  let end = s.length;
  while (end > 0 && /[.\-\s]/.test(s[end - 1])) end--;
  return s.slice(0, end);
}

/**
 * Makes any string a safe single file-name segment: no path separators or drive colons, no
 * control characters (C0 and C1), lone surrogates or shell-hostile characters, no leading dots
 * (so never `.` / `..` / hidden), not a Windows device name, no bidirectional controls, at most
 * `max` characters and 200 UTF-8 bytes.
 */
export function sanitiseBaseName(name: string, max = MAX_BASE_CHARS): string {
  const s = name
    .replace(BIDI_CONTROLS, '')
    .replace(LONE_SURROGATES, '-')
    .normalize('NFKC')
    .replace(/[\u0000-\u001f\u007f-\u009f<>:"/\\|?*]+/g, '-')
    .replace(/\s+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/-{2,}/g, '-')
    .replace(/^[.\-\s]+/, '');
  const fit = (t: string) => trimEnd(truncate(trimEnd(t), max, MAX_BASE_BYTES));
  const fitted = fit(s);
  // The prefix goes on before the limits are applied again: "CON." and 116 more characters stays within them.
  if (!fitted || WINDOWS_RESERVED.test(fitted.split('.')[0])) return fit(fitted ? `image-${fitted}` : 'image');
  return fitted;
}

export interface NameFields {
  date: Date;
  seed: string;
  prompt: string;
  model?: string;
  steps?: number;
  /** 1-based image number within the job. */
  index?: number;
}

/** Expands the template and sanitises the result; unknown {tokens} are dropped. Returns the base name without extension. */
export function expandTemplate(template: string, f: NameFields): string {
  const { date, time } = timestampParts(f.date);
  const values = new Map(Object.entries({
    date,
    time,
    seed: f.seed,
    slug: slugify(f.prompt),
    model: slugify(f.model ?? 'model', 40),
    steps: String(f.steps ?? ''),
    index: String(f.index ?? 1),
  }));
  const t = template.trim() || DEFAULT_FILE_NAME_TEMPLATE;
  // A Map, so {constructor} or {toString} is an unknown token, not Object.prototype's.
  const expanded = t.replace(/\{(\w+)\}/g, (_m, k: string) => values.get(k) ?? '');
  return sanitiseBaseName(expanded);
}

export function fileNameFor(template: string, f: NameFields, ext: string): string {
  return `${expandTemplate(template, f)}.${ext.replace(/^\./, '')}`;
}

/** The n-th alternative of a name: n = 1 is the name itself, then `name-2.png`, `name-3.png` … */
export function nthName(fileName: string, n: number): string {
  if (n <= 1) return fileName;
  const ext = path.extname(fileName);
  return `${fileName.slice(0, fileName.length - ext.length)}-${n}${ext}`;
}

/** Whether `target` is `folder` itself or lies inside it (after resolving `..`). */
export function isInside(folder: string, target: string): boolean {
  const rel = path.relative(path.resolve(folder), path.resolve(target));
  // `..` as a whole segment: a child named `..foo` is inside.
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** Joins a plain file name onto the output folder; throws if the result would leave it. */
export function resolveInside(folder: string, fileName: string): string {
  if (!fileName || fileName !== path.basename(fileName) || fileName === '.' || fileName === '..' || /[\\/]/.test(fileName)) {
    throw new Error(`not a plain file name: ${JSON.stringify(fileName)}`);
  }
  const target = path.resolve(folder, fileName);
  if (!isInside(folder, target) || path.resolve(folder) === target) throw new Error(`${JSON.stringify(fileName)} would be written outside ${folder}`);
  return target;
}

/** File extension of an image format. */
export function extensionFor(format: 'png' | 'webp' | 'jpeg'): string {
  return format === 'jpeg' ? 'jpg' : format;
}
