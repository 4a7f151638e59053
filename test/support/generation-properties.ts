// Property-based checks of the generation values (src/protocol/generation.ts), shared by the unit
// suite and `npm run fuzz`: validateGeneration either names the fields that are wrong (and only
// those) or returns a config whose every field lies within LIMITS, checked here field by field
// from LIMITS' own numbers; parseSeed round-trips every integer 0 … 2^64−1 and refuses the rest.
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { LIMITS, parseSeed, validateGeneration, type GenerationConfig, type ValidationContext } from '../../src/protocol/generation';
import { describeValue, timed, type Property } from './reader-properties';

const MAX_SEED = '18446744073709551615'; // 2^64 − 1, written out: compared as digits below, not through BigInt
const isDigits = (s: string) => s.length > 0 && [...s].every((c) => c >= '0' && c <= '9');
const stripZeros = (s: string) => s.replace(/^0+(?=\d)/, '');
const withinMaxSeed = (digits: string) => digits.length < MAX_SEED.length || (digits.length === MAX_SEED.length && digits <= MAX_SEED);

/** What parseSeed should answer, from its documented rule: '' for random, canonical digits, null to refuse; 'either' where the rule is silent. */
export function expectedSeed(v: unknown): string | null | 'either' {
  if (v === undefined || v === null || v === -1) return '';
  if (typeof v === 'bigint') return v >= 0n && withinMaxSeed(v.toString()) ? v.toString() : null;
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER ? String(v) : null;
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (s === '' || s === '-1') return '';
  if (!isDigits(s)) return null;
  // More than 20 digits with leading zeros: the rule caps the digits, so a padded small number may go either way.
  if (s.length > MAX_SEED.length) return withinMaxSeed(stripZeros(s)) ? 'either' : null;
  return withinMaxSeed(stripZeros(s)) ? stripZeros(s) : null;
}

const CONTROLS_REFUSED = (s: string) => [...s].some((c) => { const n = c.charCodeAt(0); return (n < 0x20 && c !== '\t' && c !== '\n' && c !== '\r') || n === 0x7f; });

type Expect = { valid: true; value: unknown } | { valid: false } | { valid: 'either' };
const valid = (value: unknown): Expect => ({ valid: true, value });
const INVALID: Expect = { valid: false };
const EITHER: Expect = { valid: 'either' };

function expectText(v: unknown, required: boolean): Expect {
  if (v === undefined || v === null) return required ? INVALID : valid('');
  if (typeof v !== 'string' || v.length > LIMITS.promptChars || CONTROLS_REFUSED(v) || (required && v.trim() === '')) return INVALID;
  return valid(v.trim());
}

/** A number field's raw value: a number, or a string that is a number's canonical spelling; other numeric spellings may go either way. */
function expectNumber(v: unknown, ok: (n: number) => boolean): Expect {
  if (typeof v === 'number') return ok(v) ? valid(v) : INVALID;
  if (typeof v !== 'string') return INVALID;
  if (String(Number(v)) === v) return ok(Number(v)) ? valid(Number(v)) : INVALID;
  return v.trim() === '' || Number.isNaN(Number(v)) ? INVALID : EITHER;
}

const between = (lo: number, hi: number) => (n: number) => n >= lo && n <= hi;
const wholeBetween = (lo: number, hi: number) => (n: number) => Number.isInteger(n) && n >= lo && n <= hi;
const sideOk = (n: number) => Number.isInteger(n) && n % LIMITS.sideMultiple === 0 && n >= LIMITS.minSide && n <= LIMITS.maxSide;
const stepsLimit = (ctx: ValidationContext) => Math.min(ctx.maxSteps ?? LIMITS.maxSteps, LIMITS.maxSteps);

/** Each field's verdict on its own (width and height together, as 'width'), from LIMITS and the context. */
export function expectedFields(r: Record<string, unknown>, ctx: ValidationContext): Record<string, Expect> {
  const w = expectNumber(r.width, Number.isInteger);
  const h = expectNumber(r.height, Number.isInteger);
  let size: Expect = w.valid === false || h.valid === false ? INVALID : EITHER;
  if (w.valid === true && h.valid === true) {
    const [W, H] = [w.value as number, h.value as number];
    const ok = ctx.supportedSizes.length ? ctx.supportedSizes.some((s) => s.width === W && s.height === H) : sideOk(W) && sideOk(H);
    size = ok ? valid([W, H]) : INVALID;
  }
  const seed = expectedSeed(r.seed);
  return {
    prompt: expectText(r.prompt, true),
    negativePrompt: expectText(r.negativePrompt, false),
    seed: seed === 'either' ? EITHER : seed === null ? INVALID : valid(seed),
    steps: expectNumber(r.steps, wholeBetween(LIMITS.minSteps, stepsLimit(ctx))),
    guidanceScale: expectNumber(r.guidanceScale, (n) => Number.isFinite(n) && between(LIMITS.minGuidance, LIMITS.maxGuidance)(n)),
    width: size,
    imagesPerPrompt: r.imagesPerPrompt === undefined ? valid(1) : r.imagesPerPrompt === null ? EITHER : expectNumber(r.imagesPerPrompt, wholeBetween(1, LIMITS.maxImagesPerPrompt)),
  };
}

/** A validated config, field by field against LIMITS (no prediction involved). */
function assertWithinLimits(c: GenerationConfig, ctx: ValidationContext): void {
  for (const [k, t] of [['prompt', c.prompt], ['negativePrompt', c.negativePrompt]] as const) {
    assert.ok(typeof t === 'string' && t.length <= LIMITS.promptChars && t === t.trim() && !CONTROLS_REFUSED(t), `${k} ${JSON.stringify(t)}`);
  }
  assert.ok(c.prompt.length > 0, 'an empty prompt was accepted');
  assert.ok(c.seed === '' || (isDigits(c.seed) && stripZeros(c.seed) === c.seed && withinMaxSeed(c.seed)), `seed ${c.seed}`);
  assert.ok(wholeBetween(LIMITS.minSteps, stepsLimit(ctx))(c.steps), `steps ${c.steps}`);
  assert.ok(Number.isFinite(c.guidanceScale) && between(LIMITS.minGuidance, LIMITS.maxGuidance)(c.guidanceScale), `guidance ${c.guidanceScale}`);
  const listed = ctx.supportedSizes.some((s) => s.width === c.width && s.height === c.height);
  assert.ok(ctx.supportedSizes.length ? listed : sideOk(c.width) && sideOk(c.height), `size ${c.width}×${c.height}`);
  assert.ok(wholeBetween(1, LIMITS.maxImagesPerPrompt)(c.imagesPerPrompt), `images ${c.imagesPerPrompt}`);
}

function checkValidation(raw: unknown, ctx: ValidationContext): void {
  const got = validateGeneration(raw, ctx);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    assert.ok(!got.ok && got.errors.length === 1 && got.errors[0].field === 'message', 'a non-object is refused as a whole');
    return;
  }
  const want = expectedFields(raw as Record<string, unknown>, ctx);
  if (got.ok) {
    assertWithinLimits(got.value, ctx);
    const v = got.value;
    const values: Record<string, unknown> = { ...v, width: [v.width, v.height] };
    for (const [field, e] of Object.entries(want)) {
      assert.notEqual(e.valid, false, `accepted a wrong ${field}`);
      if (e.valid === true) assert.deepStrictEqual(values[field], e.value, field);
    }
    return;
  }
  assert.ok(got.errors.length > 0, 'refused without saying why');
  for (const e of got.errors) {
    assert.ok(e.field in want && typeof e.message === 'string' && e.message.length > 0, `error ${JSON.stringify(e)}`);
    assert.notEqual(want[e.field].valid, true, `an error for a field that is right: ${JSON.stringify(e)}`);
  }
  for (const [field, e] of Object.entries(want)) {
    if (e.valid === false) assert.ok(got.errors.some((x) => x.field === field), `no error names the wrong ${field}`);
  }
}

// ─── arbitraries ────────────────────────────────────────────────────────────

const anything = fc.anything({ maxDepth: 1, withBigInt: true, withBoxedValues: true, stringUnit: 'binary' });
const spell = (n: number) => fc.constantFrom(n, String(n), ` ${n} `, `+${n}`, n.toExponential(), `0x${Math.abs(Math.trunc(n)).toString(16)}`, `${n}abc`, `${n}`.replace(/\d/g, (d) => String.fromCharCode(0x660 + Number(d))));
/** Long digit strings that are almost numbers (a message or a flag can be any length): a parser must stay linear on them. */
const longNumeric = fc.tuple(fc.constantFrom('', '+', '-', '.'), fc.constantFrom('1', '0', '9'), fc.integer({ min: 1000, max: 40_000 }), fc.constantFrom('x', '.', 'e', 'e+', '..', '', '.5', 'e1x'))
  .map(([sign, d, n, tail]) => `${sign}${d.repeat(n)}${tail}`);
const number = (...near: number[]) => fc.oneof(
  fc.constantFrom(...near).chain(spell), longNumeric,
  fc.double(), fc.integer({ min: -10, max: 5000 }).chain(spell),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e308, 2 ** 53, '', ' ', 'NaN', 'Infinity'),
  anything,
);
const PROMPT_PIECES = [' ', '\t', '\n', '\r', '\u0000', '\u0008', '\u000b', '\u001f', '\u007f', '\u0085', '\u2028', '\u00a0', '\ufeff', 'a cat', '日本', '🌵'];
const longText = fc.tuple(fc.constantFrom('a', ' ', '🌵', 'é'), fc.integer({ min: LIMITS.promptChars - 4, max: LIMITS.promptChars + 4 }), fc.constantFrom('', ' ', '  '))
  .map(([c, n, pad]) => pad + c.repeat(n).slice(0, n - 2 * pad.length) + pad);
const text = fc.oneof(fc.array(fc.oneof(fc.constantFrom(...PROMPT_PIECES), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 8 }).map((a) => a.join('')), longText, anything);
const seedDigits = fc.bigInt({ min: 0n, max: 2n ** 64n + 10n }).map(String);
const seed = fc.oneof(seedDigits, fc.constantFrom('', '-1', -1, ' 42 ', '007', '-0', '1.0', '1e3', MAX_SEED, '18446744073709551616'), fc.bigInt(), fc.double(), anything);

const context: fc.Arbitrary<ValidationContext> = fc.record({
  supportedSizes: fc.oneof(fc.constant([]), fc.array(fc.record({ width: fc.integer({ min: 1, max: 520 }).map((k) => k * 8), height: fc.integer({ min: 1, max: 520 }).map((k) => k * 8) }), { minLength: 1, maxLength: 8 })),
  maxSteps: fc.integer({ min: 1, max: 2000 }),
}, { requiredKeys: ['supportedSizes'] });

/** A context and a config whose fields are each valid, invalid or anything (sizes often one the context lists). */
const configAndContext = context.chain((ctx) => {
  const listed = ctx.supportedSizes.length ? fc.constantFrom(...ctx.supportedSizes) : fc.constant({ width: 1024, height: 1024 });
  const size = fc.oneof(listed, fc.record({ width: number(8, 1024, 4096, 4104, 7, 1020), height: number(8, 1024, 4096, 0, 4097) }));
  const fields = fc.record({
    prompt: text, negativePrompt: text, seed,
    steps: number(1, 4, 20, ctx.maxSteps ?? 1000, (ctx.maxSteps ?? 1000) + 1, 1000, 1001, 0, 1.5),
    guidanceScale: number(0, 4.5, 20, 20.000001, -0.1),
    imagesPerPrompt: fc.oneof(number(1, 4, 5, 0), fc.constant(null)),
  }, { requiredKeys: [] });
  return fc.tuple(fc.constant(ctx), fc.tuple(fields, size, fc.boolean()).map(([f, s, keepSize]) => (keepSize ? { ...f, ...s } : f)));
});

export const generationProperties: Property[] = [
  {
    name: 'generation: a config is refused naming exactly its wrong fields, or accepted with every field within LIMITS',
    make: (stats) => fc.asyncProperty(fc.oneof({ weight: 9, arbitrary: configAndContext }, { weight: 1, arbitrary: fc.tuple(context, anything) }), async ([ctx, raw]) => {
      await timed(stats, () => describeValue({ raw, ctx }, 200), () => checkValidation(raw, ctx));
    }),
  },
  {
    name: 'seeds: every integer 0 … 2^64−1 round-trips as a decimal string (and as a bigint, and as a safe number)',
    make: (stats) => fc.asyncProperty(fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom(0n, 1n, 2n ** 32n - 1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 2n, 2n ** 64n - 1n)), fc.nat({ max: 3 }), async (n, zeros) => {
      const s = n.toString();
      await timed(stats, () => s, () => {
        assert.equal(parseSeed(s), s);
        assert.equal(parseSeed(` ${'0'.repeat(Math.min(zeros, 20 - s.length))}${s}\t`), s, 'padding and leading zeros');
        assert.equal(parseSeed(n), s);
        if (n <= BigInt(Number.MAX_SAFE_INTEGER)) assert.equal(parseSeed(Number(n)), s);
      });
    }),
  },
  {
    name: 'seeds: anything else is refused (null), or means random (\'\') where the rule says so',
    make: (stats) => fc.asyncProperty(fc.oneof(seed, fc.string({ unit: 'binary' }), fc.stringMatching(/^\s*[-+]?\d{0,24}(\.\d*)?\s*$/), fc.bigInt({ min: 2n ** 64n - 3n, max: 2n ** 70n })), async (v) => {
      await timed(stats, () => describeValue(v), () => {
        const want = expectedSeed(v);
        const got = parseSeed(v);
        if (want !== 'either') assert.equal(got, want, `parseSeed(${describeValue(v)})`);
        else assert.ok(got === null || got === stripZeros((v as string).trim()));
      });
    }),
  },
];
