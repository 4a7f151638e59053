// How each document language reads an image reference back, written from the languages' own rules
// (CommonMark, HTML/JSX attribute values, CSS strings, the WHATWG URL parser, docutils' `uri`,
// Asciidoctor's block macro and attribute references, TeX's tokenizer), independently of
// src/extension/insertion.ts, so that the insertion properties can check that a snippet means the
// path it was made from. Each reader returns null where the snippet would not mean one path for sure.

export interface Reading {
  path: string;
  alt?: string;
}

const ASCII_PUNCT = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** Percent-decoding of a URL path (a `%` without two hex digits stays itself); null when the bytes are not UTF-8. */
function percentDecode(u: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < u.length; i++) {
    if (u[i] === '%' && /^[0-9a-f]{2}$/i.test(u.slice(i + 1, i + 3))) {
      bytes.push(parseInt(u.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const cp = u.codePointAt(i)!;
      if (cp > 0xffff) i++;
      bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
}

/**
 * The file a relative URL reference names: null when a URL parser would not read it as a plain path
 * (a scheme, a query or fragment, a backslash read as '/', whitespace or controls it strips).
 */
function urlToPath(u: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(u) || /[?#\\\s\p{Cc}]/u.test(u)) return null;
  return percentDecode(u);
}

/** CommonMark `![alt](destination)` on its own: backslash escapes, balanced brackets, a destination without spaces or `<…>`. */
export function readMarkdown(s: string): Reading | null {
  if (!s.startsWith('![') || !s.endsWith(')')) return null;
  let alt = '';
  let depth = 0;
  let i = 2;
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && ASCII_PUNCT.includes(s[i + 1] ?? '')) {
      alt += s[++i];
      continue;
    }
    // Code spans, raw HTML and autolinks bind more tightly than link brackets: unescaped, they could swallow the `](`.
    if (c === '`' || c === '<') return null;
    if (c === ']' && depth === 0) break;
    if (c === '[') depth++;
    if (c === ']') depth--;
    alt += c;
  }
  if (s.slice(i, i + 2) !== '](') return null;
  const dest = readDestination(s.slice(i + 2, -1));
  return dest === null ? null : withPath(urlToPath(dest), alt);
}

function readDestination(d: string): string | null {
  if (d.startsWith('<')) return d.endsWith('>') && !/[<>\n]/.test(d.slice(1, -1).replace(/\\[<>]/g, '')) ? unescapePunct(d.slice(1, -1)) : null;
  if (d === '' || /[\s\p{Cc}]/u.test(d) || /&(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/i.test(d)) return null;
  let depth = 0;
  for (let i = 0; i < d.length; i++) {
    if (d[i] === '\\') i++;
    else if (d[i] === '(') depth++;
    else if (d[i] === ')' && --depth < 0) return null;
  }
  return depth === 0 ? unescapePunct(d) : null;
}

const unescapePunct = (s: string) => s.replace(/\\([!-/:-@[-`{-~])/g, '$1');
const withPath = (path: string | null, alt?: string): Reading | null => (path === null ? null : { path, alt });

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Character references in an attribute value; null for a bare `&` or a named reference this reader does not know (it would guess). */
function decodeEntities(v: string): string | null {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    if (v[i] !== '&') {
      out += v[i];
      continue;
    }
    const m = /^&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|([a-z]+));/i.exec(v.slice(i));
    if (!m) return null;
    const cp = m[1] ? Number(m[1]) : m[2] ? parseInt(m[2], 16) : undefined;
    if (cp === undefined && !(m[3] in NAMED)) return null;
    out += cp === undefined ? NAMED[m[3]] : String.fromCodePoint(cp);
    i += m[0].length - 1;
  }
  return out;
}

/** `<img src="…" alt="…">` (or JSX's `… />`): double-quoted attribute values, character references decoded. */
export function readHtml(s: string, jsx: boolean): Reading | null {
  const m = (jsx ? /^<img src="([^"]*)" alt="([^"]*)" \/>$/ : /^<img src="([^"]*)" alt="([^"]*)">$/).exec(s);
  if (!m) return null;
  const [src, alt] = [decodeEntities(m[1]), decodeEntities(m[2])];
  return src === null || alt === null ? null : withPath(urlToPath(src), alt);
}

/** `url("…")`: a CSS string (backslash escapes, hex escapes with one optional space, an escaped newline dropped). */
export function readCss(s: string): Reading | null {
  const m = /^url\("(.*)"\)$/s.exec(s);
  if (!m) return null;
  let out = '';
  const v = m[1];
  for (let i = 0; i < v.length; i++) {
    if (v[i] === '"' || v[i] === '\n') return null;
    if (v[i] !== '\\') {
      out += v[i];
      continue;
    }
    const hex = /^[0-9a-f]{1,6}/i.exec(v.slice(i + 1));
    if (hex) {
      out += String.fromCodePoint(parseInt(hex[0], 16));
      i += hex[0].length + (v[i + 1 + hex[0].length] === ' ' ? 1 : 0);
    } else if (v[i + 1] !== '\n') out += v[++i] ?? '';
    else i++;
  }
  return withPath(urlToPath(out));
}

/** Python's str.isspace() set: what str.split() and rstrip() remove. */
const PY_SPACE = '\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
const pyStrip = (s: string, end: 'both' | 'right') => {
  let a = 0;
  let b = s.length;
  while (end === 'both' && a < b && PY_SPACE.includes(s[a])) a++;
  while (b > a && PY_SPACE.includes(s[b - 1])) b--;
  return s.slice(a, b);
};
const pySplitJoin = (s: string) => [...s].filter((c) => !PY_SPACE.includes(c)).join('');

/**
 * `.. image:: uri` and `   :alt: text`, read as docutils does: lines right-stripped (statemachine),
 * a first line like a field marker taken as options (parse_directive_options), then directives.uri: escape2null, split at escaped spaces, unescape, drop unescaped whitespace.
 */
export function readRst(s: string): Reading | null {
  const [head, alt, ...rest] = s.split('\n');
  if (rest.length || !head.startsWith('.. image:: ') || !alt?.startsWith('   :alt: ')) return null;
  const arg = pyStrip(head.slice('.. image::'.length), 'both');
  // A first line that looks like a field (`:name: …`) starts the options: the directive then has no argument.
  if (/^:(?![: ])(?:[^:\\]|\\.|:(?![ `]|$))*(?<! ):(?: +|$)/.test(arg)) return null;
  let nulled = '';
  for (let i = 0; i < arg.length; i++) nulled += arg[i] === '\\' ? `\u0000${arg[++i] ?? ''}` : arg[i];
  const parts = nulled.split('\u0000 ').flatMap((p) => p.split('\u0000\n'));
  const path = parts.map((p) => pySplitJoin(p.split('\u0000 ').join('').split('\u0000\n').join('').split('\u0000').join(''))).join(' ');
  return { path, alt: pyStrip(alt.slice('   :alt: '.length), 'right') };
}

/** Asciidoctor's word characters ([[:word:]]: letters, marks, decimal digits, connector punctuation). */
const ATTRIBUTE_REFERENCE = /(\\)?\{([\p{L}\p{M}\p{Nd}\p{Pc}][\p{L}\p{M}\p{Nd}\p{Pc}-]*|(?:set|counter2?):[^]+?)(\\)?\}/gu;

/** `image::target[attrs]`, matched as Asciidoctor's BlockMediaMacroRx does; attribute references in the target would be replaced. */
export function readAsciidoc(s: string): Reading | null {
  const m = /^image::([^ \t\r\n\f\v]|[^ \t\r\n\f\v][^\n]*?[^ \t\r\n\f\v])\[([^\n]+)?\]$/.exec(s);
  if (!m) return null;
  let replaced = false;
  const target = m[1].replace(ATTRIBUTE_REFERENCE, (_all, pre: string | undefined, name: string, post: string | undefined) => {
    if (!pre && !post) replaced = true;
    return `{${name}}`;
  });
  return replaced ? null : { path: target, alt: m[2] };
}

/** `\includegraphics{file}`: no character TeX reads as markup (catcodes 0–4, 6, 7, 13, 14), and TeX reads a run of spaces as one. */
export function readLatex(s: string): Reading | null {
  const m = /^\\includegraphics\{(.*)\}$/s.exec(s);
  if (!m || /[\\{}$&#^~%]/.test(m[1])) return null;
  return { path: m[1].replace(/ {2,}/g, ' ') };
}
