// Property-based checks of the webview message parser (src/protocol/validate.ts), shared by the
// unit suite (a short seeded slice) and `npm run fuzz`: on arbitrary values and on mutations of
// valid messages, parseWebviewMessage returns exactly the message an independent reading of
// messages.ts's types expects (fields, types, limits) or a one-line refusal, never throws, and
// stays within the time bound. The generation values have their own file (generation-properties.ts).
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { parseWebviewMessage } from '../../src/protocol/validate';
import { LIMITS } from '../../src/protocol/generation';
import type { GalleryAction, WebviewToHost } from '../../src/protocol/messages';
import { describeValue, timed, type Property } from './reader-properties';

// The message types and gallery actions as messages.ts declares them, listed here so that the
// check does not read the parser's own tables; the two types below fail to compile if one is missed.
const BARE = ['ready', 'selectModelFolder', 'openSettings', 'showLog', 'reloadModel', 'refreshGallery', 'showMoreGallery', 'promptHistory', 'clearQueue'] as const;
const TYPES = [...BARE, 'generate', 'cancel', 'moveJob', 'countTokens', 'galleryAction', 'rerunNextSeed', 'openInStudio'] as const;
const DIRECTIONS = ['up', 'down'] as const;
/** messages.ts: a style name is at most 60 characters ('' = none); 1 … 10 batches. */
const STYLE_NAME_CHARS = 60;
const MAX_BATCHES = 10;
const ACTIONS = ['open', 'insert', 'copyMarkdown', 'reveal', 'reuse', 'rerun', 'delete'] as const;
export type EveryMessageTypeListed = [Exclude<WebviewToHost['type'], (typeof TYPES)[number]>] extends [never] ? true : never;
export type EveryActionListed = [Exclude<GalleryAction, (typeof ACTIONS)[number]>] extends [never] ? true : never;
export const listsComplete: [EveryMessageTypeListed, EveryActionListed] = [true, true];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const oneOf = <T>(list: readonly T[], v: unknown): v is T => list.some((x) => x === v);

/** A job id: 1 … jobIdChars of ASCII letters, digits, `_` and `-`. */
function isJobId(v: unknown): boolean {
  if (typeof v !== 'string' || v.length < 1 || v.length > LIMITS.jobIdChars) return false;
  return [...v].every((c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || c === '-');
}

/** A gallery file name: one path segment (no `/` `\` `:`), no control characters, not hidden / `.` / `..`, at most fileNameChars. */
function isGalleryFile(v: unknown): boolean {
  if (typeof v !== 'string' || v.length < 1 || v.length > LIMITS.fileNameChars || v.startsWith('.')) return false;
  return [...v].every((c) => c.charCodeAt(0) >= 0x20 && c !== '\u007f' && c !== '/' && c !== '\\' && c !== ':');
}

/** The message a raw value should become, read from messages.ts's types; null when it should be refused. */
export function expectedMessage(raw: unknown): WebviewToHost | null {
  if (!isObject(raw)) return null;
  const { type } = raw;
  if (oneOf(BARE, type)) return { type };
  if (type === 'generate') return expectedGenerate(raw);
  if (type === 'rerunNextSeed') {
    if ((raw.jobId === undefined) === (raw.file === undefined)) return null;
    if (raw.jobId !== undefined) return isJobId(raw.jobId) ? { type, jobId: raw.jobId as string } : null;
    return isGalleryFile(raw.file) ? { type, file: raw.file as string } : null;
  }
  if (type === 'cancel') {
    if (raw.jobId === undefined) return { type };
    return isJobId(raw.jobId) ? { type, jobId: raw.jobId as string } : null;
  }
  if (type === 'moveJob') return isJobId(raw.jobId) && oneOf(DIRECTIONS, raw.direction) ? { type, jobId: raw.jobId as string, direction: raw.direction } : null;
  if (type === 'countTokens') {
    const { requestId, text } = raw;
    if (typeof requestId !== 'number' || !Number.isInteger(requestId) || Math.abs(requestId) > Number.MAX_SAFE_INTEGER || typeof text !== 'string') return null;
    return { type, requestId, text: text.slice(0, LIMITS.tokenTextChars) };
  }
  if (type === 'galleryAction') return oneOf(ACTIONS, raw.action) && isGalleryFile(raw.file) ? { type, action: raw.action, file: raw.file as string } : null;
  if (type === 'openInStudio') return isGalleryFile(raw.file) ? { type, file: raw.file as string } : null;
  return null;
}

function expectedGenerate(raw: Record<string, unknown>): WebviewToHost | null {
  if (!isObject(raw.params)) return null;
  const { style, batches } = raw;
  if (style !== undefined && (typeof style !== 'string' || style.length > STYLE_NAME_CHARS)) return null;
  if (batches !== undefined && !(typeof batches === 'number' && Number.isInteger(batches) && batches >= 1 && batches <= MAX_BATCHES)) return null;
  return { type: 'generate', params: raw.params, ...(style ? { style: style as string } : {}), ...(batches !== undefined ? { batches: batches as number } : {}) };
}

/** The parser's answer against the expected one; a refusal must be one short line naming the message type. */
function checkParsed(raw: unknown): void {
  const want = expectedMessage(raw);
  const got = parseWebviewMessage(raw);
  if (!got.ok) {
    assert.equal(want, null, `refused a valid message (${got.error}): ${describeValue(raw)}`);
    assert.ok(typeof got.error === 'string' && got.error.length > 0 && got.error.length <= 200 && !/[\n\r]/.test(got.error), `unclear refusal ${JSON.stringify(got.error)}`);
    const type = isObject(raw) ? raw.type : undefined;
    assert.ok(oneOf(TYPES, type) ? got.error.startsWith(`${type}:`) : /type/.test(got.error), `the refusal does not name the type: ${got.error}`);
    return;
  }
  assert.notEqual(want, null, `accepted an invalid message: ${describeValue(raw)}`);
  assert.deepStrictEqual(got.message, want);
  if (want?.type === 'generate') assert.equal((got.message as typeof want).params, want.params, 'params are passed on as they came (validateGeneration checks them)');
}

// ─── arbitraries ────────────────────────────────────────────────────────────

const anything = fc.anything({
  maxDepth: 2, maxKeys: 4, withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true,
  withNullPrototype: true, withObjectString: true, withSparseArray: true, withTypedArray: true, stringUnit: 'binary',
});
const PIECES = ['.', '..', '/', '\\', ':', '\0', '\n', '\u001f', '\u007f', '\u0085', '\u202e', ' ', 'a', 'cat.png', '日本', '🌵', '\ud800', 'CON', '-', '_'];
const pieces = (max: number) => fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: max }).map((a) => a.join(''));
/** Strings around a length limit: n characters of one piece, n near the limit. */
const nearLength = (limit: number) => fc.tuple(fc.constantFrom('a', '_', '🌵', 'é', '-'), fc.integer({ min: limit - 3, max: limit + 3 })).map(([c, n]) => c.repeat(n).slice(0, n));

/** A string far past every limit (a message can be any size): the parser must look at its length first. */
const huge = fc.tuple(fc.constantFrom('a', '-', '/', '.', '1'), fc.integer({ min: 10_000, max: 50_000 })).map(([c, n]) => c.repeat(n));
const jobId = fc.oneof(huge, fc.stringMatching(/^[\w-]{1,70}$/), nearLength(LIMITS.jobIdChars), pieces(4), anything);
const requestId = fc.oneof(fc.integer(), fc.double(), fc.bigInt(), fc.string(), anything,
  fc.constantFrom(0, -1, 2 ** 53 - 1, 2 ** 53, -(2 ** 53) + 1, -(2 ** 53), 1.5, -0, NaN, Infinity));
const text = fc.oneof(huge, fc.string({ unit: 'binary', maxLength: 40 }), nearLength(LIMITS.tokenTextChars), anything);
const validFile = fc.oneof(pieces(6), nearLength(LIMITS.fileNameChars), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 })).filter(isGalleryFile);
const HOSTILE_FILES = ['.hidden.png', '...', '..png', '.', '..', 'a/b.png', 'a\\b.png', 'C:x.png', 'x.png\0', 'x\n.png', '\u007f.png', '🌵.png', 'cat.png', ''];
const file = fc.oneof(validFile, huge, fc.constantFrom(...HOSTILE_FILES), pieces(8), nearLength(LIMITS.fileNameChars), anything);
const action = fc.oneof(fc.constantFrom(...ACTIONS, 'Open', 'delete ', 'constructor', 'hasOwnProperty', '__proto__', ''), anything);
const type = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...TYPES) }, fc.constantFrom('Ready', ' cancel', 'generate\0', 'constructor', 'toString', '__proto__', ''), fc.string({ unit: 'binary' }), anything);
const style = fc.oneof(fc.constantFrom('', 'Watercolor', 'x'.repeat(STYLE_NAME_CHARS), 'x'.repeat(STYLE_NAME_CHARS + 1)), nearLength(STYLE_NAME_CHARS), anything);
const batches = fc.oneof(fc.integer({ min: -2, max: MAX_BATCHES + 2 }), fc.constantFrom(1.5, NaN, Infinity, '2', 2n), anything);
const direction = fc.oneof(fc.constantFrom(...DIRECTIONS, 'Up', 'left', ' down', '', 'constructor'), anything);
const params = fc.oneof(fc.object({ maxDepth: 1 }), anything, fc.constant(null), fc.array(fc.integer()));

/** An object with a type and any of the fields the message types use, each valid or not, and extra keys. */
const messageShaped = fc.tuple(
  fc.record({ type, params, jobId, direction, requestId, text, action, file, style, batches }, { requiredKeys: ['type'] }),
  fc.dictionary(fc.string({ maxLength: 8 }), anything, { maxKeys: 3 }),
).map(([fields, extra]) => ({ ...extra, ...fields }));

const validMessage: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.constantFrom(...BARE).map((t) => ({ type: t })),
  fc.record({ type: fc.constant('generate'), params: fc.object({ maxDepth: 1 }), style: fc.constantFrom('Watercolor', '', 'x'.repeat(STYLE_NAME_CHARS)), batches: fc.integer({ min: 1, max: MAX_BATCHES }) }, { requiredKeys: ['type', 'params'] }),
  fc.record({ type: fc.constant('rerunNextSeed'), jobId: fc.stringMatching(/^[\w-]{1,64}$/) }),
  fc.record({ type: fc.constant('rerunNextSeed'), file: validFile }),
  fc.record({ type: fc.constant('cancel'), jobId: fc.stringMatching(/^[\w-]{1,64}$/) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('moveJob'), jobId: fc.stringMatching(/^[\w-]{1,64}$/), direction: fc.constantFrom(...DIRECTIONS) }),
  fc.record({ type: fc.constant('countTokens'), requestId: fc.maxSafeInteger(), text: fc.oneof(fc.string({ unit: 'binary' }), nearLength(LIMITS.tokenTextChars)) }),
  fc.record({ type: fc.constant('galleryAction'), action: fc.constantFrom(...ACTIONS), file: validFile }),
  fc.record({ type: fc.constant('openInStudio'), file: validFile }),
);

/** Damage to a valid message: a field dropped, replaced, added or edited; the type changed; the message wrapped. */
type Mutation = { kind: 'drop' | 'set' | 'add' | 'edit' | 'retype' | 'wrap'; key: string; value: unknown; at: number; insert: string };
const FIELDS = ['type', 'params', 'jobId', 'direction', 'requestId', 'text', 'action', 'file', 'style', 'batches'];
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('drop', 'set', 'add', 'edit', 'retype', 'wrap'),
  key: fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 6 })),
  value: fc.oneof(anything, jobId, direction, requestId, file),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  insert: fc.oneof(fc.constantFrom(...PIECES), fc.constantFrom('x'.repeat(LIMITS.fileNameChars), '1'.repeat(LIMITS.jobIdChars))),
});

function edit(v: unknown, m: Mutation): unknown {
  if (typeof v === 'string') {
    const i = Math.floor(m.at * (v.length + 1));
    return v.slice(0, i) + m.insert + v.slice(i);
  }
  if (typeof v === 'number') return m.at < 0.5 ? v + 0.5 : v * 2 ** 53;
  return m.value;
}

function mutate(base: Record<string, unknown>, ops: Mutation[]): unknown {
  let msg: unknown = { ...base };
  for (const m of ops) {
    if (!isObject(msg)) break;
    const key = FIELDS.includes(m.key) ? m.key : Object.keys(msg)[Math.floor(m.at * Object.keys(msg).length)] ?? m.key;
    if (m.kind === 'drop') delete msg[key];
    else if (m.kind === 'set') msg[key] = m.value;
    else if (m.kind === 'add') msg = { ...msg, [m.key]: m.value };
    else if (m.kind === 'edit') msg[key] = edit(msg[key], m);
    else if (m.kind === 'retype') msg.type = TYPES[Math.floor(m.at * TYPES.length)];
    else msg = m.at < 0.5 ? [msg] : { message: msg };
  }
  return msg;
}

export const validatorProperties: Property[] = [
  {
    name: 'messages: any value is parsed into exactly the expected message or refused in one line naming its type',
    make: (stats) => fc.asyncProperty(fc.oneof(anything, messageShaped), async (raw) => {
      await timed(stats, () => describeValue(raw), () => checkParsed(raw));
    }),
  },
  {
    name: 'messages: mutated valid messages are parsed into exactly the expected message or refused, never thrown on',
    make: (stats) => fc.asyncProperty(validMessage, fc.array(mutation, { maxLength: 4 }), async (base, ops) => {
      const raw = mutate(base, ops);
      await timed(stats, () => describeValue(raw), () => checkParsed(raw));
    }),
  },
];
