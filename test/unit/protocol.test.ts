import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWebviewMessage, isPlainFileName } from '../../src/protocol/validate';
import { LIMITS, parseSeed, schedulerDefaults, validateGeneration, withSeed } from '../../src/protocol/generation';

const sizes = [
  { width: 1024, height: 1024, ratio: '1.0' },
  { width: 1152, height: 896, ratio: '0.78' },
];
const ctx = { supportedSizes: sizes };
const good = { prompt: ' a small cactus ', negativePrompt: '', seed: '42', steps: 4, guidanceScale: 0, width: 1024, height: 1024, imagesPerPrompt: 1 };

function fields(r: ReturnType<typeof validateGeneration>): string[] {
  return r.ok ? [] : r.errors.map((e) => e.field);
}

test('valid params pass and are normalised', () => {
  const r = validateGeneration(good, ctx);
  assert.ok(r.ok);
  assert.deepEqual(r.value, { ...good, prompt: 'a small cactus' });
});

test('numeric strings from form inputs are accepted', () => {
  const r = validateGeneration({ ...good, steps: '20', guidanceScale: '4.5', width: '1152', height: '896', imagesPerPrompt: '2' }, ctx);
  assert.ok(r.ok);
  assert.equal(r.value.steps, 20);
  assert.equal(r.value.guidanceScale, 4.5);
  assert.equal(r.value.imagesPerPrompt, 2);
});

test('seed: empty and -1 mean random, whole numbers in 0..2^64-1 pass (as numbers, bigints or digits), others fail', () => {
  assert.equal(parseSeed(''), '');
  assert.equal(parseSeed('-1'), '');
  assert.equal(parseSeed(-1), '');
  assert.equal(parseSeed(undefined), '');
  assert.equal(parseSeed('0'), '0');
  assert.equal(parseSeed('007'), '7');
  assert.equal(parseSeed(' 4294967295 '), '4294967295');
  assert.equal(parseSeed(4294967295), '4294967295');
  assert.equal(parseSeed('4294967296'), '4294967296');
  assert.equal(parseSeed('18446744073709551615'), '18446744073709551615');
  assert.equal(parseSeed(18446744073709551615n), '18446744073709551615');
  assert.equal(parseSeed('18446744073709551616'), null);
  assert.equal(parseSeed(2n ** 64n), null);
  assert.equal(parseSeed(-1n), null);
  assert.equal(parseSeed(2 ** 53), null); // not a safe integer: its digits would not be the seed meant
  assert.equal(parseSeed('123456789012345678901'), null);
  assert.equal(parseSeed('1e3'), null);
  assert.equal(parseSeed('-2'), null);
  assert.equal(parseSeed(1.5), null);
  assert.equal(parseSeed({}), null);
  assert.deepEqual(fields(validateGeneration({ ...good, seed: 'abc' }, ctx)), ['seed']);
});

test('prompt: required, length-limited, text only', () => {
  assert.deepEqual(fields(validateGeneration({ ...good, prompt: '   ' }, ctx)), ['prompt']);
  assert.deepEqual(fields(validateGeneration({ ...good, prompt: 42 }, ctx)), ['prompt']);
  assert.deepEqual(fields(validateGeneration({ ...good, prompt: 'x'.repeat(LIMITS.promptChars + 1) }, ctx)), ['prompt']);
  assert.deepEqual(fields(validateGeneration({ ...good, prompt: 'a\u0000b' }, ctx)), ['prompt']);
  assert.ok(validateGeneration({ ...good, prompt: 'line one\nline two\ttab' }, ctx).ok);
  assert.deepEqual(fields(validateGeneration({ ...good, negativePrompt: 'y'.repeat(LIMITS.promptChars + 1) }, ctx)), ['negativePrompt']);
  assert.deepEqual(fields(validateGeneration({ ...good, negativePrompt: ['x'] }, ctx)), ['negativePrompt']);
});

test('steps, guidance and count ranges', () => {
  for (const steps of [0, LIMITS.maxSteps + 1, 2.5, 'x', NaN, Infinity, null]) assert.deepEqual(fields(validateGeneration({ ...good, steps }, ctx)), ['steps'], String(steps));
  assert.ok(validateGeneration({ ...good, steps: LIMITS.maxSteps }, ctx).ok);
  assert.deepEqual(fields(validateGeneration({ ...good, steps: 9 }, { ...ctx, maxSteps: 8 })), ['steps']);
  for (const guidanceScale of [-0.1, 20.01, NaN, Infinity, '4.5x', true]) assert.deepEqual(fields(validateGeneration({ ...good, guidanceScale }, ctx)), ['guidanceScale'], String(guidanceScale));
  assert.ok(validateGeneration({ ...good, guidanceScale: 20 }, ctx).ok);
  for (const imagesPerPrompt of [0, 5, 1.5, 'two']) assert.deepEqual(fields(validateGeneration({ ...good, imagesPerPrompt }, ctx)), ['imagesPerPrompt']);
  assert.ok(validateGeneration({ ...good, imagesPerPrompt: undefined }, ctx).ok);
});

test('size must be one the model supports', () => {
  const r = validateGeneration({ ...good, width: 512, height: 512 }, ctx);
  assert.deepEqual(fields(r), ['width']);
  assert.match((r as { errors: { message: string }[] }).errors[0].message, /512×512/);
  assert.ok(validateGeneration({ ...good, width: 1152, height: 896 }, ctx).ok);
  // Without a loaded model any multiple of 8 in range goes through; the worker has the last word.
  assert.ok(validateGeneration({ ...good, width: 512, height: 768 }, { supportedSizes: [] }).ok);
  assert.deepEqual(fields(validateGeneration({ ...good, width: 513, height: 768 }, { supportedSizes: [] })), ['width']);
});

test('a random seed is drawn only when the config leaves it empty', () => {
  const config = { ...good, seed: '' };
  assert.equal(withSeed(config, () => 7).seed, '7');
  assert.equal(withSeed({ ...config, seed: '42' }, () => 7).seed, '42');
});

test('scheduler defaults: LCM takes few steps and no guidance, the rest DPM-like', () => {
  assert.deepEqual(schedulerDefaults('LCMScheduler'), { steps: 4, guidanceScale: 0 });
  assert.deepEqual(schedulerDefaults('DPMSolverMultistepScheduler'), { steps: 20, guidanceScale: 4.5 });
});

test('several errors are reported at once', () => {
  const r = validateGeneration({ prompt: '', seed: 'x', steps: 0, guidanceScale: 99, width: 1, height: 1, imagesPerPrompt: 9 }, ctx);
  assert.deepEqual(fields(r), ['prompt', 'seed', 'steps', 'guidanceScale', 'width', 'imagesPerPrompt']);
  assert.deepEqual(fields(validateGeneration(null, ctx)), ['message']);
});

test('webview messages: shapes are checked', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { ok: true, message: { type: 'ready' } });
  assert.equal(parseWebviewMessage({ type: 'ready', extra: 1 }).ok, true);
  assert.equal(parseWebviewMessage(null).ok, false);
  assert.equal(parseWebviewMessage('ready').ok, false);
  assert.equal(parseWebviewMessage({ type: 'rm -rf' }).ok, false);
  assert.equal(parseWebviewMessage({ type: 'generate' }).ok, false);
  assert.equal(parseWebviewMessage({ type: 'generate', params: good }).ok, true);
  assert.equal(parseWebviewMessage({ type: 'cancel' }).ok, true);
  assert.equal(parseWebviewMessage({ type: 'cancel', jobId: 'job-1' }).ok, true);
  assert.equal(parseWebviewMessage({ type: 'cancel', jobId: '../x' }).ok, false);
  assert.equal(parseWebviewMessage({ type: 'countTokens', requestId: 3, text: 'hi' }).ok, true);
  assert.equal(parseWebviewMessage({ type: 'countTokens', requestId: '3', text: 'hi' }).ok, false);
  const long = parseWebviewMessage({ type: 'countTokens', requestId: 1, text: 'a'.repeat(10000) });
  assert.ok(long.ok && long.message.type === 'countTokens' && long.message.text.length === LIMITS.tokenTextChars);
  assert.equal(parseWebviewMessage({ type: 'galleryAction', action: 'open', file: 'a.png' }).ok, true);
  assert.equal(parseWebviewMessage({ type: 'galleryAction', action: 'format-disk', file: 'a.png' }).ok, false);
  assert.equal(parseWebviewMessage({ type: 'galleryAction', action: 'delete', file: '../a.png' }).ok, false);
});

test('plain file names', () => {
  for (const ok of ['a.png', '2026-11-26-153012-seed42-small-cactus.png', 'é.webp']) assert.ok(isPlainFileName(ok), ok);
  for (const bad of ['', '.', '..', '../a.png', 'a/b.png', 'a\\b.png', 'C:a.png', '.hidden.png', 'a\u0000.png', 'x'.repeat(256), 3]) assert.ok(!isPlainFileName(bad), String(bad));
});
