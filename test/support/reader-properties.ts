// Property-based checks of the readers, shared by the unit suite (a short seeded slice) and
// `npm run fuzz` (test/fuzz/run.ts, 100,000 inputs each): the parameters writer and reader round
// trip every generated image's parameters; any text either parses or is refused with
// NotParametersError, in bounded time; mutated PNGs, JPEGs and WebPs never make a reader throw
// anything but its documented errors, and stay within time and memory bounds.
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { fromParameters, NotParametersError, toParameters, type ImageParameters } from '../../src/image/parameters';
import { encodePng, readPngTextChunks } from '../../src/image/png';
import { readExifText } from '../../src/image/exif';
import { bufferSource, MetadataError, readImageText, readParameters } from '../../src/image/read-metadata';
import { encodeImage } from '../../src/image/encode';
import { exifUserComment, iTXtCompressed, jpegWithExif, pngWith, sampleParameters, tEXt, zeroBomb, zTXt, zTXtRaw } from './crafted-images';

/** What a run of a property saw: inputs, and the slowest one (for the fuzz report). */
export interface Stats {
  runs: number;
  slowestMs: number;
  slowest: string;
  /** Runs the slowest input again (a pause of the machine or the GC looks slow once, not twice). */
  rerunSlowest?: () => Promise<unknown> | unknown;
}
export const newStats = (): Stats => ({ runs: 0, slowestMs: 0, slowest: '' });

/** One property: `make` builds it afresh for a run, counting into `stats` (run.ts and the unit slices take any of them). */
export interface Property {
  name: string;
  make(stats: Stats): fc.IAsyncPropertyWithHooks<unknown[]>;
}
export type ReaderProperty = Property;

/** No single input may take longer (generous: the machine is shared; the fuzz report shows the real figure). */
export const TIME_BOUND_MS = 250;
const MEMORY_BOUND = 64 * 1024 * 1024;

/** Runs one input, counts it, keeps the slowest, and fails it past the time or memory bound. */
export async function timed<T>(stats: Stats, describe: () => string, body: () => Promise<T> | T): Promise<T> {
  const rss = process.memoryUsage.rss();
  const t0 = performance.now();
  const out = await body();
  const ms = performance.now() - t0;
  stats.runs++;
  if (ms > stats.slowestMs) Object.assign(stats, { slowestMs: ms, slowest: describe(), rerunSlowest: body });
  assert.ok(ms < TIME_BOUND_MS, `took ${ms.toFixed(1)} ms: ${describe()}`);
  assert.ok(process.memoryUsage.rss() - rss < MEMORY_BOUND, `memory rose by more than 64 MB: ${describe()}`);
  return out;
}

/** A string as JSON, with what JSON leaves raw but a terminal hides (C1 controls, bidi and other format characters) escaped too. */
export const visible = (s: string) => JSON.stringify(s).replace(/[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
/** Any value, briefly, for a report: JSON (bigints as 12n) where it can be, else its tag; never throws (a value's own toString may). */
export function describeValue(v: unknown, max = 160): string {
  try {
    const s = typeof v === 'string' ? visible(v) : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
    return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
}
export const show = (s: string) => `${visible(s.slice(0, 100))}${s.length > 100 ? '…' : ''} (${s.length} chars)`;

// Pieces the format gives meaning to, so that generated texts hit the parser's corners.
const FRAGMENTS = ['\n', '\r', '\r\n', ' ', '  ', '"', '\\', ',', ':', ', ', 'Negative prompt:', 'Negative prompt: ', 'Steps: 4', 'Seed: 42', 'Sampler: LCM', 'Size: 64x64', 'CFG scale: 0', 'Exact prompt: ', 'Exact negative prompt: "x"', '"a, b"', '\\"', '\t', '\u2028', '日本', '\ud800'];
const fragmentText = (maxPieces: number) => fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'binary', maxLength: 8 })), { maxLength: maxPieces }).map((a) => a.join(''));
const repeated = fc.tuple(fragmentText(4), fc.constantFrom(...FRAGMENTS, 'x'), fc.integer({ min: 1, max: 40_000 }), fragmentText(4)).map(([a, r, n, b]) => a + r.repeat(n) + b);
// A fields line with a long run in it (issue 16's freeze was `Steps: 1,` and spaces), up to and past the caps.
const RUNS = [' ', '  ', 'a ', ', ', ' :', '"', '\\', '\\"', ':', 'x', 'Seed: 1, ', '"a", '];
const fieldsLine = fc.tuple(fragmentText(6), fc.constantFrom('Steps', 'Seed', 'Sampler', 'Size'), fragmentText(3), fc.constantFrom(...RUNS), fc.integer({ min: 100, max: 20_000 }), fragmentText(3))
  .map(([head, k, v, r, n, tail]) => `${head}\n${k}: ${v},${r.repeat(Math.ceil(n / r.length))}${tail}`);
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fragmentText(60), repeated, fieldsLine);

const prompt = fc.oneof(fragmentText(40), fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 100 })).map((s) => s.slice(0, 2000));
const value = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fragmentText(6));
const RESERVED = ['Steps', 'Sampler', 'CFG scale', 'Seed', 'Size', 'Model', 'Exact prompt', 'Exact negative prompt'];
const key = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), fc.constantFrom('Version', 'Batch size', '__proto__', 'constructor'))
  .filter((k) => k !== '' && k === k.trim() && !/[,:\n\r]/.test(k) && !RESERVED.includes(k));
const plain = <T extends object>(o: T): T => Object.defineProperties({}, Object.getOwnPropertyDescriptors(o)) as T;

const imageParameters: fc.Arbitrary<ImageParameters> = fc.record({
  prompt, negativePrompt: prompt, sampler: value, model: value,
  seed: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  steps: fc.integer({ min: 1, max: 1000 }),
  guidanceScale: fc.double({ min: 0, max: 20, noNaN: true }),
  size: fc.tuple(fc.integer({ min: 8, max: 4096 }), fc.integer({ min: 8, max: 4096 })),
  extra: fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 }).map(plain),
}, { requiredKeys: ['prompt', 'negativePrompt', 'seed', 'sampler', 'model'] }).map(({ size, ...p }) => plain(size ? { ...p, width: size[0], height: size[1] } : p));

/** Byte-level damage: flips, overwrites, insertions, deletions, truncation, a chunk length set at random. */
type Mutation = { at: number; kind: 'flip' | 'set' | 'insert' | 'delete' | 'truncate' | 'length'; bytes: Uint8Array; n: number };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  kind: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate', 'length'),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  n: fc.nat({ max: 0xffffffff }),
});

function mutate(base: Buffer, ops: Mutation[]): Buffer {
  let b = Buffer.from(base);
  for (const m of ops) {
    const at = Math.floor(m.at * b.length);
    if (m.kind === 'flip' && at < b.length) b[at] ^= 1 << (m.n % 8);
    else if (m.kind === 'set') m.bytes.forEach((v, i) => at + i < b.length && (b[at + i] = v));
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + (m.n % 64))]);
    else if (m.kind === 'truncate') b = b.subarray(0, at);
    else if (m.kind === 'length' && at + 4 <= b.length) b.writeUInt32BE(m.n, at);
  }
  return b;
}

const text = toParameters({ ...sampleParameters, prompt: 'a cat\r\nNegative prompt: not this' });
const PNGS: Record<string, Buffer> = {
  ours: encodePng(new Uint8Array(12), 2, 2, { parameters: text, comment: '日本語 🐱' }),
  zTXt: pngWith(zTXt('parameters', text), iTXtCompressed('Comment', 'ünïcode')),
  bomb: pngWith(zTXtRaw('comment', zeroBomb(2_000)), tEXt('parameters', text)),
  many: pngWith(...Array.from({ length: 40 }, (_, i) => tEXt(`k${i}`, 'v'.repeat(i))), zTXt('parameters', text)),
};
const pngNames = Object.keys(PNGS);

let exifBases: Promise<Record<string, Buffer>> | undefined;
function exifImages(): Promise<Record<string, Buffer>> {
  exifBases ??= (async () => {
    const image = { width: 4, height: 2, rgb: new Uint8Array(24), parameters: text };
    return {
      webp: Buffer.from(await encodeImage(image, 'webp')),
      jpeg: Buffer.from(await encodeImage(image, 'jpeg')),
      a1111: jpegWithExif(exifUserComment(text)),
    };
  })();
  return exifBases;
}

const mutated = (names: string[]) => fc.record({ base: fc.constantFrom(...names), ops: fc.array(mutation, { minLength: 1, maxLength: 6 }) });
const showMutation = (base: string, ops: Mutation[], size: number) => `${base} with ${ops.map((m) => `${m.kind}@${m.at.toFixed(3)}`).join(', ')} (${size} bytes)`;

/** Rejections a reader documents; anything else fails the property. */
async function onlyDocumented(p: Promise<unknown>): Promise<void> {
  await p.catch((err) => {
    if (!(err instanceof MetadataError || err instanceof NotParametersError)) throw err;
  });
}

export const readerProperties: ReaderProperty[] = [
  {
    name: 'parameters: every generated image\'s parameters round-trip exactly through the text',
    make: (stats) => fc.asyncProperty(imageParameters, async (p) => {
      const back = await timed(stats, () => show(toParameters(p)), () => fromParameters(toParameters(p)));
      assert.deepStrictEqual(back, p);
    }),
  },
  {
    name: 'parameters: any text parses or is refused with NotParametersError, in bounded time',
    make: (stats) => fc.asyncProperty(anyText, async (t) => {
      await timed(stats, () => show(t), () => {
        try {
          fromParameters(t);
        } catch (err) {
          if (!(err instanceof NotParametersError)) throw err;
        }
      });
    }),
  },
  {
    name: 'PNG: mutated PNGs never make the readers throw anything undocumented, within time and memory bounds',
    make: (stats) => fc.asyncProperty(mutated(pngNames), async ({ base, ops }) => {
      const png = mutate(PNGS[base], ops);
      await timed(stats, () => showMutation(base, ops, png.length), async () => {
        try {
          readPngTextChunks(png);
        } catch (err) {
          assert.match((err as Error).message, /^not a PNG file$/);
        }
        await onlyDocumented(readImageText(bufferSource(png)));
        await onlyDocumented(readParameters(bufferSource(png)));
      });
    }),
  },
  {
    name: 'EXIF: mutated WebP and JPEG files never make the readers throw anything undocumented, within time and memory bounds',
    make: (stats) => fc.asyncProperty(mutated(['webp', 'jpeg', 'a1111']), async ({ base, ops }) => {
      const file = mutate((await exifImages())[base], ops);
      await timed(stats, () => showMutation(base, ops, file.length), async () => {
        readExifText(file.subarray(12));
        await onlyDocumented(readParameters(bufferSource(file)));
      });
    }),
  },
];
