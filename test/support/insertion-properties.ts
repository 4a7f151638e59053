// Property-based checks of insertion snippets (src/extension/insertion.ts), shared by the unit
// suite and `npm run fuzz`: for any relative path and each document language, imageSnippet either
// refuses with UnsafePathError for a documented reason, or writes a snippet from which the path
// reads back exactly by that language's own unescaping (written here from the languages' rules,
// not from insertion.ts), with the alt text on its line.
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { altFromPrompt, imageSnippet, UnsafePathError } from '../../src/extension/insertion';
import { show, timed, visible, type Property } from './reader-properties';
import { readAsciidoc, readCss, readHtml, readLatex, readMarkdown, readRst, type Reading } from './snippet-readers';

type Syntax = 'markdown' | 'html' | 'jsx' | 'css' | 'rst' | 'asciidoc' | 'latex' | 'plain';
const LANGUAGES: Record<string, Syntax> = {
  markdown: 'markdown', mdx: 'markdown', html: 'html', vue: 'html', php: 'html', javascriptreact: 'jsx', typescriptreact: 'jsx',
  css: 'css', scss: 'css', less: 'css', restructuredtext: 'rst', asciidoc: 'asciidoc', latex: 'latex', tex: 'latex',
  plaintext: 'plain', python: 'plain', yaml: 'plain',
};

/** Every character some reader ends a line at: CommonMark's \n and \r, Unicode's VT FF NEL LS PS, and Python's splitlines (docutils) adds U+001C–U+001E. */
const LINE_BREAK = /[\n\v\f\r\u001c-\u001e\u0085\u2028\u2029]/;
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const READERS: Record<Syntax, (snippet: string) => Reading | null> = {
  markdown: readMarkdown, html: (s) => readHtml(s, false), jsx: (s) => readHtml(s, true), css: readCss,
  rst: readRst, asciidoc: readAsciidoc, latex: readLatex,
  plain: (s) => ({ path: s, alt: undefined }),
};

/** Why `syntax` may refuse `p`: what insertion.ts documents (and what the readers show cannot be carried). */
function refusalReason(syntax: Syntax, p: string): string | null {
  if (CONTROL.test(p)) return 'a control character or line break';
  if (LONE_SURROGATE.test(p)) return 'not valid Unicode';
  if (syntax === 'asciidoc' && /[[\]]|\{.*\}|^ | $/.test(p)) return 'AsciiDoc: [ ], an attribute reference, or a space at an end';
  if (syntax === 'latex' && /[{}%#\\$&^~]| {2}/.test(p)) return 'LaTeX: a TeX special character or a run of spaces';
  if (syntax === 'rst' && /[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]| $/.test(p)) return 'reST: whitespace docutils drops from a URI';
  return null;
}

function checkSnippet(language: string, relPath: string, alt: string): void {
  const syntax = LANGUAGES[language];
  let snippet: string;
  try {
    snippet = imageSnippet(language, relPath, alt);
  } catch (err) {
    if (!(err instanceof UnsafePathError)) throw err;
    assert.ok(refusalReason(syntax, relPath), `${language} refused a path it can carry: ${err.message}`);
    assert.ok(err.message.startsWith(JSON.stringify(relPath)) && err.message.endsWith('Rename the file.'), `unclear refusal: ${err.message}`);
    return;
  }
  const lines = syntax === 'rst' ? 2 : 1;
  assert.equal(snippet.split(LINE_BREAK).length, lines, `${language}: not ${lines} line(s): ${visible(snippet)}`);
  const read = READERS[syntax](snippet);
  assert.ok(read, `${language}: the snippet does not parse: ${visible(snippet)}`);
  assert.equal(read.path, relPath, `${language}: ${visible(snippet)} reads back as another path`);
  if (syntax === 'html' || syntax === 'jsx') assert.equal(read.alt, alt, `${language}: the alt text reads back altered`);
}

// Path segments from names people and tools give files, and every character a syntax gives meaning to.
const ASCII_PUNCTUATION = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];
const SEGMENT_PIECES = [
  ...ASCII_PUNCTUATION, 'cat', 'a', 'img-1', ' ', '  ', '..', '.', '日本', '🌵', 'é', 'e\u0301', '\u00a0', '\u3000', '\u2009', '\ufeff',
  '\n', '\r', '\t', '\u0000', '\u001f', '\u007f', '\u0085', '\u2028', '\u202e', '\ud800', '\udc00',
  '{sp}', '{nbsp}', '{set:a:b}', '{counter:x}', '\\ ', '\\{x}', '%', '%20', '%zz', '%2F', '&amp;', '&#123;', '&copy', '&lt',
  'a:b', ':alt:', ':x', 'javascript:', 'C:', 'http://x', '?q=1', '#top', '](x)', '<b>', '"><script>', '\\includegraphics', '.. raw:: html', 'image::x[]',
];
const segment = fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...SEGMENT_PIECES) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) }), { minLength: 1, maxLength: 4 })
  .map((a) => a.join('')).filter((s) => s !== '' && !s.includes('/'));
const relPath = fc.tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.constantFrom('', '.png', '.webp', '.jpg'))
  .map(([segs, ext]) => segs.join('/') + ext);
const prompt = fc.oneof(fc.array(fc.constantFrom(...SEGMENT_PIECES, ' ', 'word'), { maxLength: 30 }).map((a) => a.join('')), fc.string({ unit: 'binary', maxLength: 120 }));

export const insertionProperties: Property[] = [
  {
    name: 'insertion: every language either refuses the path for a documented reason or writes one line from which it reads back exactly',
    make: (stats) => fc.asyncProperty(fc.constantFrom(...Object.keys(LANGUAGES)), relPath, prompt, async (language, p, pr) => {
      await timed(stats, () => `${language} ${show(p)}, alt from ${show(pr)}`, () => checkSnippet(language, p, altFromPrompt(pr)));
    }),
  },
  {
    name: 'insertion: alt text from any prompt is one line of at most max + 1 characters, without control characters or half a surrogate pair',
    make: (stats) => fc.asyncProperty(prompt, fc.integer({ min: 10, max: 200 }), async (pr, max) => {
      await timed(stats, () => show(pr), () => {
        const alt = altFromPrompt(pr, max);
        assert.ok(!LINE_BREAK.test(alt) && !CONTROL.test(alt), `alt ${visible(alt)}`);
        assert.ok(alt.length <= max + 1 && alt === alt.trim(), `alt ${visible(alt)} (max ${max})`);
        if (!LONE_SURROGATE.test(pr)) assert.ok(!LONE_SURROGATE.test(alt), `alt ${visible(alt)} cuts a surrogate pair in half`);
      });
    }),
  },
];
