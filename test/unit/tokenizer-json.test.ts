// tokenizer.json from spiece.model, checked against what transformers made from the same file
// (test/fixtures/pixart-tiny/tokenizer/tokenizer.json, transformers 5.17 / tokenizers' Rust
// serializer) and against the token ids transformers gave for every fixture string; then hostile
// model files and tokenizer_config.json values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { tokenizerJsonFromSpiece, TokenizerConfigError } from '../../src/builder/tokenizer-json';
import { MAX_PIECES, MAX_SPIECE_BYTES, SpieceError } from '../../src/builder/sentencepiece-model';
import { readFields } from '../../src/builder/protobuf';
import { T5Tokenizer } from '../../src/pipeline/tokenizer';
import { fixturesDir, tinyModelDir } from '../support/paths';

const tokDir = join(tinyModelDir, 'tokenizer');
const spiece = new Uint8Array(readFileSync(join(tokDir, 'spiece.model')));
const configText = readFileSync(join(tokDir, 'tokenizer_config.json'), 'utf8');
const config = JSON.parse(configText) as Record<string, unknown>;
const fixtureJson = JSON.parse(readFileSync(join(tokDir, 'tokenizer.json'), 'utf8'));
interface TokCase { text: string; input_ids: number[]; attention_mask: number[]; untruncated_ids: number[] }
const cases = (JSON.parse(readFileSync(join(fixturesDir, 'tokenizer_cases.json'), 'utf8')) as { cases: TokCase[] }).cases;

type Json = { [k: string]: any };
const build = (bytes: Uint8Array = spiece, cfg: Record<string, unknown> = config) => tokenizerJsonFromSpiece(bytes, cfg) as Json;
const built = build();
const concat = (...parts: (Uint8Array | number[])[]) => new Uint8Array(parts.flatMap((p) => [...p]));

test('the pipeline, loading the built tokenizer.json, gives transformers\' ids and masks for every fixture string', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokjson-'));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(built));
  writeFileSync(join(dir, 'tokenizer_config.json'), configText);
  const tok = T5Tokenizer.fromFolder(dir);
  assert.ok(cases.length >= 30);
  for (const c of cases) {
    assert.deepEqual(tok.encode(c.text), c.untruncated_ids, JSON.stringify(c.text));
    const b = tok.batch([c.text]);
    assert.deepEqual(Array.from(b.inputIds, Number), c.input_ids, JSON.stringify(c.text));
    assert.deepEqual(Array.from(b.attentionMask, Number), c.attention_mask, JSON.stringify(c.text));
  }
});

test('the built tokenizer.json is transformers\' file, key order included; scores are the same float32', () => {
  const ours = JSON.parse(JSON.stringify(built));
  const theirs = structuredClone(fixtureJson);
  assert.equal(ours.model.vocab.length, theirs.model.vocab.length);
  let offByUlp = 0;
  ours.model.vocab.forEach(([piece, score]: [string, number], i: number) => {
    const [fxPiece, fxScore] = theirs.model.vocab[i];
    assert.equal(piece, fxPiece, `piece ${i}`);
    // spiece.model stores float32; ours is that value exactly, the fixture's the same float32 as
    // printed by the Rust serializer (at most 1 ulp of float64 away).
    assert.equal(Math.fround(score), score, `piece ${i}'s score is not a float32`);
    assert.equal(Math.fround(fxScore), score, `piece ${i}: ${score} vs ${fxScore}`);
    if (fxScore !== score) offByUlp++;
    theirs.model.vocab[i][1] = score;
  });
  assert.equal(JSON.stringify(ours), JSON.stringify(theirs));
  assert.ok(offByUlp < ours.model.vocab.length, 'every score differs: not a printing difference');
});

test('the parts: Unigram over the pieces, the sentinels after them, the template on </s>', () => {
  assert.equal(built.model.unk_id, 2);
  assert.equal(built.model.vocab.length, 3000);
  const added = built.added_tokens as { id: number; content: string; special: boolean }[];
  assert.deepEqual(added.slice(0, 3).map((t) => [t.id, t.content]), [[0, '<pad>'], [1, '</s>'], [2, '<unk>']]);
  assert.deepEqual(added.slice(3).map((t) => t.content), Array.from({ length: 100 }, (_, i) => `<extra_id_${99 - i}>`));
  assert.deepEqual(added.slice(3).map((t) => t.id), Array.from({ length: 100 }, (_, i) => 3000 + i));
  assert.ok(added.every((t) => t.special));
  assert.deepEqual(built.post_processor.special_tokens, { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } });
  const charsmap = Buffer.from(built.normalizer.normalizers[0].precompiled_charsmap, 'base64');
  assert.ok(Buffer.from(spiece).includes(charsmap) && charsmap.length > 1000, 'the charsmap is the file\'s bytes');
});

test('tokenizer_config.json: sentinels counted as T5Tokenizer counts them, a prefix only at the start when legacy is false', () => {
  const sentinels = Array.from({ length: 100 }, (_, i) => `<extra_id_${i}>`);
  // PixArt's (transformers 4) layout and the one transformers 5 saves give the same file.
  assert.deepEqual(build(spiece, { ...config, extra_ids: 100, additional_special_tokens: sentinels }), built);
  assert.deepEqual(build(spiece, { ...config, extra_ids: 100, extra_special_tokens: ['<pad>', '</s>', ...sentinels] }), built);
  // A special token the model lacks gets the id after the sentinels (transformers 5 may name them in a map).
  const withImage = build(spiece, { extra_special_tokens: { image_token: '<image>' } }).added_tokens;
  assert.deepEqual([withImage.length, withImage.at(-1).id, withImage.at(-1).content, withImage.at(-1).special], [104, 3100, '<image>', true]);
  assert.deepEqual(build(spiece, { eos_token: { __type: 'AddedToken', content: '</s>', special: true } }), built);
  assert.equal(build(spiece, { extra_ids: 0 }).added_tokens.length, 3);
  assert.equal(build(spiece, { legacy: false }).pre_tokenizer.prepend_scheme, 'first');
  assert.throws(() => build(spiece, { extra_ids: 100, additional_special_tokens: sentinels.slice(0, 10) }), (e: Error) => e instanceof TokenizerConfigError && /lists 10 <extra_id_N> tokens in additional_special_tokens but has extra_ids 100/.test(e.message));
  assert.throws(() => build(spiece, { extra_ids: -1 }), /tokenizer_config\.json: extra_ids should be a whole number 0…10000 \(T5 has 100\), not -1/);
  assert.throws(() => build(spiece, { legacy: 'no' }), /tokenizer_config\.json: legacy should be true or false/);
  assert.throws(() => build(spiece, { eos_token: '<eos>' }), /tokenizer\/spiece\.model has no piece "<eos>", which tokenizer\/tokenizer_config\.json names as eos_token/);
});

test('a model that is not Unigram is refused, naming its type', () => {
  // trainer_spec { model_type: BPE } appended: protobuf merges it into the file's trainer_spec.
  assert.throws(() => build(concat(spiece, [0x12, 0x02, 0x18, 0x02])), (e: Error) => e instanceof SpieceError && /tokenizer\/spiece\.model is a SentencePiece BPE model; T5 .* uses a UNIGRAM one/.test(e.message));
  assert.throws(() => build(concat(spiece, [0x12, 0x02, 0x18, 0x09])), /trainer_spec\.model_type is 9, none of UNIGRAM, BPE, WORD, CHAR/);
});

test('every cut-short spiece.model is refused, by what is missing or where the data ends', () => {
  const fieldEnds = [...readFields(spiece)].map((f) => f.end);
  const cuts = new Set([0, 1, 2, 3, 5, 8, 13, 100, ...fieldEnds.slice(-3, -1), ...fieldEnds.slice(-3).map((e) => e - 1)]);
  for (let at = 0; at < spiece.length; at += 1499) cuts.add(at);
  for (const at of cuts) {
    assert.throws(() => build(spiece.subarray(0, at)), (e: Error) => {
      assert.ok(e instanceof SpieceError, `${at}: ${e}`);
      assert.match(e.message, /^tokenizer\/spiece\.model is not a usable SentencePiece model: (it has no (pieces|trainer_spec|normalizer_spec)|the data ends inside|field \d+ at byte \d+ says it holds \d+ bytes, but only \d+ are left)/);
      assert.match(e.message, /Download tokenizer\/spiece\.model again/);
      return true;
    }, `cut at ${at}`);
  }
});

test('hostile encodings are refused within bounds', () => {
  const refused = (bytes: Uint8Array | number[], why: RegExp) => assert.throws(() => build(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)), (e: Error) => e instanceof SpieceError && why.test(e.message));
  refused([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f], /field 1 at byte 0 says it holds 4294967295 bytes, but only 0 are left/);
  refused([0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], /the varint at byte 1 is longer than 10 bytes/);
  refused([0x0b, 0x00], /wire type 3/);
  refused([0x00], /field number 0/);
  refused([0x0a, 0x03, 0x0a, 0x01, 0xff], /not valid UTF-8/);
  refused([0x0a, 0x02, 0x0a, 0x00], /piece 0 has no text/);
  refused([0x0a, 0x08, 0x0a, 0x01, 0x61, 0x15, 0x00, 0x00, 0xc0, 0x7f], /piece 0 \("a"\) has the score NaN/);
  refused([0x0a, 0x03, 0x0a, 0x01, 0x61, 0x0a, 0x03, 0x0a, 0x01, 0x61, 0x12, 0x00, 0x1a, 0x00], /pieces 0 and 1 are both "a"/);
  refused(concat(spiece, [0x12, 0x03, 0xc0, 0x02, 0x05]), /unk_id is 5, but piece 5 .* is NORMAL, not UNKNOWN/);
  refused(concat(spiece, [0x12, 0x04, 0xc0, 0x02, 0xb8, 0x17]), /unk_id is 3000, but the pieces are numbered 0…2999/);
  // int32 -1 is sign-extended to a 10-byte varint.
  refused(concat(spiece, [0x12, 0x0c, 0xc0, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), /unk_id is -1, but the pieces are numbered 0…2999/);
  refused(new Uint8Array(MAX_SPIECE_BYTES + 1), /it is 67108865 bytes, more than the 67108864/);
  const onePiece = [0x0a, 0x03, 0x0a, 0x01, 0x61];
  const many = new Uint8Array(onePiece.length * (MAX_PIECES + 1));
  for (let i = 0; i < MAX_PIECES + 1; i++) many.set(onePiece, i * onePiece.length);
  refused(many, /it has more than 1000000 pieces/);
});

test('random bytes and random corruptions of the real file give a SpieceError or a tokenizer, nothing else', () => {
  const outcome = (bytes: Uint8Array) => {
    try {
      build(bytes);
      return true;
    } catch (e) {
      if (!(e instanceof SpieceError) || !e.message.startsWith('tokenizer/spiece.model ')) throw e;
      return true;
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), outcome), { seed: 20261211, numRuns: 300 });
  fc.assert(fc.property(fc.array(fc.tuple(fc.nat(spiece.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
    const bytes = spiece.slice();
    for (const [at, value] of flips) bytes[at] = value;
    return outcome(bytes);
  }), { seed: 20261211, numRuns: 100 });
});
