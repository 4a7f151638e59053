// Image links in a Markdown line, pure: `![alt](path "title")` and `<img src="path">`, the one
// under the cursor, and the file it names. Only a window of the line around the cursor is
// searched, so a hover on a megabyte-long line costs what a short one does. Node's path only.

import * as path from 'node:path';

export interface ImageLink {
  /** The link's target as written (angle brackets, query and fragment removed, %-escapes decoded). */
  target: string;
  /** Its columns in the line [start, end). */
  start: number;
  end: number;
}

/** Characters of the line either side of the cursor that are searched. */
export const LINK_WINDOW = 2000;
export const HOVER_IMAGE = /\.(png|webp|jpe?g)$/i;

/** The link's target without its dressing; undefined for one that is not a local image file. */
export function cleanTarget(raw: string): string | undefined {
  let t = raw.trim();
  if ((t.startsWith('<') && t.endsWith('>')) || /^(["']).*\1$/.test(t)) t = t.slice(1, -1).trim();
  t = t.replace(/[?#].*$/, '');
  if (/^[a-z][a-z0-9+.-]*:/i.test(t) && !/^file:/i.test(t)) return undefined; // http:, data:, vscode-resource: …
  try {
    t = decodeURIComponent(t);
  } catch {
    /* a lone % stays as written */
  }
  return t && HOVER_IMAGE.test(t) ? t : undefined;
}

/** `![alt](target "title")` starting at `i` (at its `!`): the target as written and the end; a hand-written scan, linear in the link. */
function markdownImage(text: string, i: number): { raw: string; end: number } | undefined {
  const close = text.indexOf(']', i + 2);
  if (close < 0 || text[close + 1] !== '(' || text.slice(i + 2, close).includes('\n')) return undefined;
  let j = close + 2;
  while (text[j] === ' ') j++;
  let raw: string;
  if (text[j] === '<') {
    const gt = text.indexOf('>', j);
    if (gt < 0) return undefined;
    raw = text.slice(j, gt + 1);
    j = gt + 1;
  } else {
    const m = /[^\s)]+/y;
    m.lastIndex = j;
    const got = m.exec(text);
    if (!got) return undefined;
    raw = got[0];
    j += raw.length;
  }
  const title = /\s+(?:"[^"\n]*"|'[^'\n]*')/y; // one pass: quoted text has no way back
  title.lastIndex = j;
  if (title.exec(text)) j = title.lastIndex;
  while (text[j] === ' ') j++;
  return text[j] === ')' ? { raw, end: j + 1 } : undefined;
}

/** `<img … src=…>` starting at `i`: the tag ends at the next `>` (or before the next `<`), so tags never overlap. */
function htmlImage(text: string, i: number): { raw: string; end: number } | undefined {
  if (!/^<img\s/i.test(text.slice(i, i + 5))) return undefined;
  const gt = text.indexOf('>', i + 1);
  const lt = text.indexOf('<', i + 1);
  if (gt < 0 || (lt >= 0 && lt < gt)) return undefined;
  const src = /\ssrc\s*=\s*("[^"]*"|'[^']*'|[^\s>'"]+)/i.exec(text.slice(i, gt));
  return src ? { raw: src[1], end: gt + 1 } : undefined;
}

/** The image link whose text holds column `character` of `line`, if any. */
export function imageLinkAt(line: string, character: number): ImageLink | undefined {
  const from = Math.max(0, character - LINK_WINDOW);
  const text = line.slice(from, character + LINK_WINDOW);
  const at = character - from;
  // Links start with `![` or `<img`: try each start at or before the cursor, nearest first.
  for (let i = Math.min(at, text.length - 1); i >= 0; i--) {
    const c = text[i];
    if (c !== '!' && c !== '<') continue;
    const link = c === '!' ? (text[i + 1] === '[' ? markdownImage(text, i) : undefined) : htmlImage(text, i);
    if (!link || at >= link.end) continue;
    const target = cleanTarget(link.raw);
    return target ? { target, start: from + i, end: from + link.end } : undefined;
  }
  return undefined;
}

/**
 * The file a link target names: `file:` URIs as they are, `/…` from the workspace folder's root
 * (as the Markdown preview reads them), anything else from the document's folder.
 */
export function resolveImageTarget(target: string, documentDir: string, workspaceRoot: string | undefined): string {
  if (/^file:/i.test(target)) {
    const p = target.replace(/^file:\/\/[^/]*/i, ''); // already decoded (cleanTarget)
    return path.resolve(/^\/[a-z]:/i.test(p) ? p.slice(1) : p);
  }
  if (target.startsWith('/') && workspaceRoot) return path.join(workspaceRoot, target);
  return path.resolve(documentDir, target);
}
