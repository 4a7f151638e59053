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

const MARKDOWN_IMAGE = /!\[[^\]\n]{0,1000}\]\(\s{0,10}(<[^>\n]{1,2000}>|[^\s)]{1,2000})(?:\s{1,10}(?:"[^"\n]{0,500}"|'[^'\n]{0,500}'))?\s{0,10}\)/g;
const HTML_IMAGE = /<img\s[^>]{0,2000}?\bsrc\s{0,10}=\s{0,10}("[^"\n]{1,2000}"|'[^'\n]{1,2000}'|[^\s>'"]{1,2000})[^>]{0,2000}>/gi;

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

/** The image link whose text holds column `character` of `line`, if any. */
export function imageLinkAt(line: string, character: number): ImageLink | undefined {
  const from = Math.max(0, character - LINK_WINDOW);
  const text = line.slice(from, character + LINK_WINDOW);
  const at = character - from;
  for (const re of [MARKDOWN_IMAGE, HTML_IMAGE]) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m.index > at) break;
      if (at >= m.index + m[0].length) continue;
      const target = cleanTarget(m[1]);
      if (target) return { target, start: from + m.index, end: from + m.index + m[0].length };
    }
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
