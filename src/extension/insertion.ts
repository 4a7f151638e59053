// What to insert at the cursor for an image, by the target document's language, with the image
// path relative to the document. Pure: paths in, text out.

import * as path from 'node:path';

export type SnippetKind = 'markdown' | 'html' | 'jsx' | 'css' | 'rst' | 'asciidoc' | 'latex' | 'path';

const BY_LANGUAGE: Record<string, SnippetKind> = {
  markdown: 'markdown',
  mdx: 'markdown',
  html: 'html',
  vue: 'html',
  'vue-html': 'html',
  svelte: 'html',
  astro: 'html',
  php: 'html',
  erb: 'html',
  handlebars: 'html',
  razor: 'html',
  javascriptreact: 'jsx',
  typescriptreact: 'jsx',
  css: 'css',
  scss: 'css',
  sass: 'css',
  less: 'css',
  stylus: 'css',
  postcss: 'css',
  restructuredtext: 'rst',
  asciidoc: 'asciidoc',
  latex: 'latex',
  tex: 'latex',
};

export function snippetKindFor(languageId: string): SnippetKind {
  return BY_LANGUAGE[languageId] ?? 'path';
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/').replace(/\\/g, '/');
}

/**
 * The image path as the document should reference it: relative to the document's folder (posix
 * separators) when the document is a file; else relative to the workspace root; else absolute.
 */
export function relativeImagePath(imagePath: string, documentPath?: string, workspaceRoot?: string): string {
  const base = documentPath ? path.dirname(documentPath) : workspaceRoot;
  if (!base) return toPosix(imagePath);
  const rel = path.relative(base, imagePath);
  // Different drive on Windows: no relative path exists.
  if (path.isAbsolute(rel)) return toPosix(imagePath);
  return toPosix(rel);
}

/** Alt text from a prompt: one line, no markup-breaking characters, at most `max` characters at a word boundary. */
export function altFromPrompt(prompt: string, max = 100): string {
  const one = prompt.replace(/\s+/g, ' ').trim();
  if (one.length <= max) return one;
  const cut = one.slice(0, max);
  const sp = cut.lastIndexOf(' ');
  return (sp > max / 2 ? cut.slice(0, sp) : cut).trimEnd() + '…';
}

/** Percent-encodes what a URL path may not hold raw (spaces, quotes, parentheses, #, ?), keeping '/' and '..'. */
export function urlPath(p: string): string {
  return p
    .split('/')
    .map((seg) => encodeURIComponent(seg).replace(/[()']/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeMarkdownAlt(s: string): string {
  return s.replace(/([\\[\]])/g, '\\$1');
}

/** A path that a document's syntax cannot carry; the message names the file, the character and the fix. */
export class UnsafePathError extends Error {}

/** Line breaks and other controls: in a path they would end the directive and start markup of their own. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** What `\includegraphics{…}` reads as TeX (groups, comments, parameters, escapes, active characters) rather than as a file name. */
const TEX_SPECIAL = /[{}%#\\$&^~]/;
/** What ends AsciiDoc's `image::target[…]` target early. */
const ASCIIDOC_SPECIAL = /[[\]]/;

function refuseIn(relPath: string, language: string, special?: RegExp): void {
  const bad = CONTROL.exec(relPath) ?? special?.exec(relPath);
  if (!bad) return;
  const shown = CONTROL.test(bad[0]) ? `U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : `"${bad[0]}"`;
  throw new UnsafePathError(`${JSON.stringify(relPath)} cannot be referenced from a ${language} document: its path contains ${shown}. Rename the file.`);
}

/** Alt text on one line: a line break in an option or attribute list would start markup of its own. */
function oneLine(s: string): string {
  return s.replace(new RegExp(`${CONTROL.source}+`, 'g'), ' ').trim();
}

/** reST: the directive's argument loses unescaped whitespace (docutils' `uri`), so spaces and backslashes are escaped. */
function rstSnippet(relPath: string, alt: string): string {
  refuseIn(relPath, 'reStructuredText');
  return `.. image:: ${relPath.replace(/[\\ ]/g, (c) => `\\${c}`)}\n   :alt: ${oneLine(alt)}`;
}

function asciidocSnippet(relPath: string, alt: string): string {
  refuseIn(relPath, 'AsciiDoc', ASCIIDOC_SPECIAL);
  return `image::${relPath}[${oneLine(alt.replace(/[\],]/g, ' '))}]`;
}

function latexSnippet(relPath: string): string {
  refuseIn(relPath, 'LaTeX', TEX_SPECIAL);
  return `\\includegraphics{${relPath}}`;
}

/**
 * The text to insert for an image at `relPath` (as from relativeImagePath) in a document of
 * `languageId`. Throws UnsafePathError for a path the language cannot carry (reST, AsciiDoc, LaTeX).
 */
export function imageSnippet(languageId: string, relPath: string, alt: string): string {
  const kind = snippetKindFor(languageId);
  switch (kind) {
    case 'markdown':
      return `![${escapeMarkdownAlt(alt)}](${urlPath(relPath)})`;
    case 'html':
      return `<img src="${escapeAttr(urlPath(relPath))}" alt="${escapeAttr(alt)}">`;
    case 'jsx':
      return `<img src="${escapeAttr(urlPath(relPath))}" alt="${escapeAttr(alt).replace(/[{}]/g, (c) => (c === '{' ? '&#123;' : '&#125;'))}" />`;
    case 'css':
      return `url("${urlPath(relPath)}")`;
    case 'rst':
      return rstSnippet(relPath, alt);
    case 'asciidoc':
      return asciidocSnippet(relPath, alt);
    case 'latex':
      return latexSnippet(relPath);
    case 'path':
      return relPath;
  }
}

/** A Markdown link to the image, for "Copy Markdown link". */
export function markdownLink(relPath: string, prompt: string): string {
  return imageSnippet('markdown', relPath, altFromPrompt(prompt));
}
