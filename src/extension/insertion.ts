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
  // Controls too: NEL (U+0085) and U+001C–U+001E end a line for Python (docutils) and some editors.
  const one = prompt.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  if (one.length <= max) return one;
  const whole = one.slice(0, max);
  const cut = /[\ud800-\udbff]$/.test(whole) ? whole.slice(0, -1) : whole; // never half a surrogate pair
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

/** Brackets end the alt text; a backtick or `<` could open a code span, raw HTML or an autolink that binds tighter and swallows the `](`. */
function escapeMarkdownAlt(s: string): string {
  return s.replace(/([\\[\]`<])/g, '\\$1');
}

/** A path that a document's syntax cannot carry; the message names the file, the character and the fix. */
export class UnsafePathError extends Error {}

/** What a path may not contain in a syntax, and why when the character alone does not say it. */
interface Refusal {
  pattern: RegExp;
  why?: string;
}
/** Line breaks and other controls: in a path they would end the directive and start markup of their own. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** Every syntax: half of a surrogate pair cannot be written into a UTF-8 document (nor percent-encoded), so the reference would name another file. */
const UNICODE: Refusal[] = [{ pattern: /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/, why: 'half of a surrogate pair, not Unicode' }];
/** Syntaxes that take the path as it is (reST, AsciiDoc, LaTeX, plain text): no line breaks or controls. */
const ONE_LINE: Refusal[] = [...UNICODE, { pattern: CONTROL }];
/** docutils' `uri` drops unescaped whitespace, and only a backslash-escaped U+0020 survives; statemachine strips a line's trailing space. */
const RST: Refusal[] = [...ONE_LINE, { pattern: /[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/, why: 'docutils drops it from an image path' }, { pattern: / $/, why: 'docutils drops a space at the end' }];
/** Asciidoctor's `image::target[…]`: `[` `]` end the target, `{name}` is replaced by an attribute, a space at either end unmakes the macro. */
const ASCIIDOC: Refusal[] = [...ONE_LINE, { pattern: /[[\]]/ }, { pattern: /\{[^{}]*\}/, why: 'AsciiDoc reads it as an attribute reference' }, { pattern: /^ | $/, why: 'an AsciiDoc target cannot start or end with a space' }];
/** What `\includegraphics{…}` reads as TeX (groups, comments, parameters, escapes, active characters) rather than as a file name. */
const LATEX: Refusal[] = [...ONE_LINE, { pattern: /[{}%#\\$&^~]/ }, { pattern: / {2,}/, why: 'TeX reads spaces in a row as one' }];

const codePoints = (s: string) => [...s].map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`).join(' ');

/** What each syntax refuses, and its name in the message (plain text: the document's language id). */
const RULES: Record<SnippetKind, { name: string; rules: readonly Refusal[] }> = {
  markdown: { name: 'Markdown', rules: UNICODE },
  html: { name: 'HTML', rules: UNICODE },
  jsx: { name: 'JSX', rules: UNICODE },
  css: { name: 'CSS', rules: UNICODE },
  rst: { name: 'reStructuredText', rules: RST },
  asciidoc: { name: 'AsciiDoc', rules: ASCIIDOC },
  latex: { name: 'LaTeX', rules: LATEX },
  path: { name: '', rules: ONE_LINE },
};

function refuseIn(relPath: string, language: string, rules: readonly Refusal[]): void {
  for (const { pattern, why } of rules) {
    const bad = pattern.exec(relPath);
    if (!bad) continue;
    const shown = /^[\s\p{Cc}\p{Cs}]+$/u.test(bad[0]) ? codePoints(bad[0]) : `"${bad[0]}"`;
    throw new UnsafePathError(`${JSON.stringify(relPath)} cannot be referenced from a ${language} document: its path contains ${shown}${why ? ` (${why})` : ''}. Rename the file.`);
  }
}

/** Alt text on one line: a line break in an option or attribute list would start markup of its own. */
function oneLine(s: string): string {
  return s.replace(new RegExp(`${CONTROL.source}+`, 'g'), ' ').trim();
}

/**
 * reST: the directive's argument loses unescaped whitespace (docutils' `uri`), so spaces and
 * backslashes are escaped; so is a leading `:`, or `:name:` would be read as the first option.
 */
const rstPath = (p: string) => p.replace(/[\\ ]/g, (c) => `\\${c}`).replace(/^:/, '\\:');

const jsxText = (s: string) => escapeAttr(s).replace(/[{}]/g, (c) => (c === '{' ? '&#123;' : '&#125;'));

/**
 * The text to insert for an image at `relPath` (as from relativeImagePath) in a document of
 * `languageId`. Throws UnsafePathError for a path the language cannot carry: half a surrogate pair
 * anywhere; line breaks and controls where the path is written as it is (reST, AsciiDoc, LaTeX, plain
 * text; Markdown, HTML and CSS percent-encode them); and each syntax's own (RST, ASCIIDOC, LATEX above).
 */
export function imageSnippet(languageId: string, relPath: string, alt: string): string {
  const kind = snippetKindFor(languageId);
  refuseIn(relPath, RULES[kind].name || languageId, RULES[kind].rules);
  switch (kind) {
    case 'markdown':
      return `![${escapeMarkdownAlt(alt)}](${urlPath(relPath)})`;
    case 'html':
      return `<img src="${escapeAttr(urlPath(relPath))}" alt="${escapeAttr(alt)}">`;
    case 'jsx':
      return `<img src="${escapeAttr(urlPath(relPath))}" alt="${jsxText(alt)}" />`;
    case 'css':
      return `url("${urlPath(relPath)}")`;
    case 'rst':
      return `.. image:: ${rstPath(relPath)}\n   :alt: ${oneLine(alt)}`;
    case 'asciidoc':
      return `image::${relPath}[${oneLine(alt.replace(/[\],]/g, ' '))}]`;
    case 'latex':
      return `\\includegraphics{${relPath}}`;
    case 'path':
      return relPath;
  }
}

/** A Markdown link to the image, for "Copy Markdown link". */
export function markdownLink(relPath: string, prompt: string): string {
  return imageSnippet('markdown', relPath, altFromPrompt(prompt));
}
