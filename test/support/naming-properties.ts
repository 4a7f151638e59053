// Property-based checks of file naming (src/image/naming.ts), shared by the unit suite and
// `npm run fuzz`: for any template, prompt, seed, model and date, the name is one safe file-name
// segment on every file system we write to (no separators, NUL, controls or bidi controls, not a
// Windows device name, within the byte and character limits, no trailing dot or space, never
// empty, room left for "-10000.jpeg"); isInside and resolveInside agree with a path walk written
// here on `..`, `.` and odd segments.
import fc from 'fast-check';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { expandTemplate, fileNameFor, isInside, nthName, resolveInside, sanitiseBaseName, type NameFields } from '../../src/image/naming';
import { show, timed, visible, type Property } from './reader-properties';

// Windows' reserved device names (Win32 file naming rules): with any extension, in any case; the
// superscript digits count as digits there.
const DEVICES = new Set(['CON', 'PRN', 'AUX', 'NUL', 'CONIN$', 'CONOUT$',
  ...['COM', 'LPT'].flatMap((d) => [...'0123456789¹²³'].map((n) => d + n))]);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Every way a base name (or a full file name) could be unsafe; '' when it is safe. */
export function nameProblem(name: string, maxChars = 120, maxBytes = 200): string {
  const chars = [...name];
  if (chars.length === 0) return 'empty';
  if (chars.length > maxChars) return `${chars.length} characters`;
  if (Buffer.byteLength(name, 'utf8') > maxBytes) return `${Buffer.byteLength(name, 'utf8')} UTF-8 bytes`;
  const bad = chars.find((c) => /[\p{Cc}\p{Bidi_Control}/\\<>:"|?*]/u.test(c));
  if (bad) return `contains U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  if (LONE_SURROGATE.test(name)) return 'contains a lone surrogate (not valid Unicode)';
  if (name.startsWith('.')) return 'starts with a dot (hidden, or . / ..)';
  if (/[. ]$/.test(name)) return 'ends with a dot or space (Windows drops it)';
  if (DEVICES.has(name.split('.')[0].replace(/ +$/, '').toUpperCase())) return 'a Windows device name';
  return '';
}

const TOKENS = ['{date}', '{time}', '{seed}', '{slug}', '{model}', '{steps}', '{index}', '{constructor}', '{toString}', '{__proto__}', '{hasOwnProperty}', '{valueOf}', '{nope}', '{', '}', '{{seed}}', '{ seed }'];
const HOSTILE = [
  '/', '\\', '..', '.', '...', ' ', '  ', '-', '\0', '\n', '\r', '\t', '\u001f', '\u007f', '\u0085', '\u009b',
  '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c',
  'CON', 'con', 'NUL', 'PRN', 'AUX', 'COM1', 'com9', 'LPT1', 'COM¹', 'LPT³', 'CONIN$', 'conout$', 'CON.txt', 'NUL.tar.gz', 'CON ', 'nul.',
  ':', '*', '?', '<', '>', '|', '"', 'C:', '\\\\?\\', '日本', '🌵', '\ud800', '\udfff', 'e\u0301', '\uff0f', '\uff3c', '\u2024', '\u2025', '\ufe52', '\uff0e',
  '\u3000', '\u00a0', '\ufeff', '\u2028', 'ﬃ', '\u2474', '㍻', '\ufdfa', 'gnp.exe', '.png', 'a cat',
];
const piece = fc.oneof(fc.constantFrom(...TOKENS), fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 4 }));
const repeatedPiece = fc.tuple(fc.constantFrom(...HOSTILE, ...TOKENS, 'x', 'é'), fc.integer({ min: 20, max: 300 })).map(([p, n]) => p.repeat(n));
const hostileText = fc.array(fc.oneof({ weight: 9, arbitrary: piece }, { weight: 1, arbitrary: repeatedPiece }), { maxLength: 12 }).map((a) => a.join(''));
/** A long run of what the sanitiser trims or collapses, between other characters (a template is a setting: any length). */
const longRun = fc.tuple(fc.constantFrom('. ', '.-', ' -', '- .', '\u202e.', '.\u0085', '{x}.'), fc.integer({ min: 1000, max: 40_000 }), piece, piece)
  .map(([r, n, a, b]) => `x${a}${r.repeat(n)}${b}x`);
const template = fc.oneof({ weight: 19, arbitrary: hostileText }, { weight: 1, arbitrary: longRun });

const fields: fc.Arbitrary<NameFields> = fc.record({
  date: fc.date({ noInvalidDate: true }),
  seed: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String), hostileText),
  prompt: fc.oneof(hostileText, fc.string({ unit: 'grapheme', maxLength: 80 })),
  model: hostileText,
  steps: fc.oneof(fc.integer(), fc.double()),
  index: fc.oneof(fc.nat(), fc.integer()),
}, { requiredKeys: ['date', 'seed', 'prompt'] });

// The tokens package.json documents for pixart.fileNameTemplate; any other {word} expands to nothing.
const DOCUMENTED = new Set(['date', 'time', 'seed', 'slug', 'model', 'steps', 'index']);
/** The template with its unknown tokens removed; null when removing them would make new tokens (`{{x}seed}`) or an empty template. */
function withKnownTokensOnly(t: string): string | null {
  const out = t.replace(/\{(\w+)\}/g, (m, k: string) => (DOCUMENTED.has(k) ? m : ''));
  const knownIn = (x: string) => [...x.matchAll(/\{(\w+)\}/g)].filter((m) => DOCUMENTED.has(m[1])).length;
  return out.trim() === '' || [...out.matchAll(/\{(\w+)\}/g)].length !== knownIn(t) ? null : out;
}

const ext = fc.constantFrom('png', 'webp', 'jpg', '.png');

/** Resolves `rel` against the absolute `folder` by walking its segments (`..` above the root stays at the root). */
function walk(folder: string, rel: string): string[] {
  const out: string[] = [];
  for (const seg of `${rel.startsWith('/') ? '' : folder}/${rel}`.split('/')) {
    if (seg === '..') out.pop();
    else if (seg !== '' && seg !== '.') out.push(seg);
  }
  return out;
}
const insideByWalk = (folder: string, rel: string) => {
  const f = walk(folder, '');
  const t = walk(folder, rel);
  return t.length >= f.length && f.every((s, i) => t[i] === s);
};

const SEGMENTS = ['..', '.', '', 'a', 'b', 'assets', 'generated', '..a', 'a..', '...', '.hidden', ' ', '日本', 'a\\..', '%2e%2e'];
const segs = (max: number) => fc.array(fc.oneof(fc.constantFrom(...SEGMENTS), fc.string({ unit: 'grapheme-ascii', maxLength: 4 })), { maxLength: max });
const folder = segs(5).map((s) => `/${s.join('/')}`);
const relative = fc.tuple(segs(7), fc.boolean()).map(([s, abs]) => `${abs ? '/' : ''}${s.join('/')}`);

export const namingProperties: Property[] = [
  {
    name: 'naming: any template × prompt × seed × date gives one safe, non-empty file-name segment within 120 characters and 200 bytes',
    make: (stats) => fc.asyncProperty(template, fields, ext, fc.integer({ min: 1, max: 10_000 }), async (template, f, e, n) => {
      await timed(stats, () => `template ${show(template)}, prompt ${show(f.prompt)}`, () => {
        const base = expandTemplate(template, f);
        assert.equal(nameProblem(base), '', `base name ${visible(base)}: ${nameProblem(base)}`);
        const file = nthName(fileNameFor(template, f, e), n);
        assert.equal(nameProblem(file, Infinity, 255), '', `file name ${visible(file)}: ${nameProblem(file, Infinity, 255)}`);
        assert.ok(file.startsWith(base) && file.endsWith(`.${e.replace(/^\./, '')}`), file);
        const known = withKnownTokensOnly(template);
        if (known !== null) assert.equal(base, expandTemplate(known, f), 'an unknown {token} must expand to nothing');
      });
    }),
  },
  {
    name: 'naming: sanitiseBaseName makes any string one safe segment, and resolveInside keeps it in the folder',
    make: (stats) => fc.asyncProperty(fc.oneof(template, fc.string({ unit: 'binary', maxLength: 300 })), folder, async (s, dir) => {
      await timed(stats, () => show(s), () => {
        const base = sanitiseBaseName(s);
        assert.equal(nameProblem(base), '', `${visible(base)}: ${nameProblem(base)}`);
        assert.equal(sanitiseBaseName(base), base, 'a safe name is left as it is');
        assert.equal(resolveInside(dir, `${base}.png`), path.join(path.resolve(dir), `${base}.png`));
      });
    }),
  },
  {
    name: 'naming: isInside and resolveInside agree with a segment walk on `..` paths',
    make: (stats) => fc.asyncProperty(folder, relative, async (dir, rel) => {
      await timed(stats, () => `${dir} + ${rel}`, () => {
        const target = rel.startsWith('/') ? rel : `${dir}/${rel}`;
        assert.equal(isInside(dir, target), insideByWalk(dir, rel), `isInside(${visible(dir)}, ${visible(target)})`);
        let resolved: string | undefined;
        try {
          resolved = resolveInside(dir, rel);
        } catch {
          // refused: fine whenever the name is not a plain one, checked below
        }
        const plain = rel !== '' && rel !== '.' && rel !== '..' && !/[\\/]/.test(rel);
        assert.equal(resolved !== undefined, plain, `resolveInside(${visible(dir)}, ${visible(rel)}) ${resolved ? 'accepted' : 'refused'} it`);
        if (resolved) assert.deepStrictEqual(walk('/', resolved), [...walk(dir, ''), rel]);
      });
    }),
  },
];
