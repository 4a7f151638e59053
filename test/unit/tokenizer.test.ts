import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { T5Tokenizer, preprocessPrompt, MAX_SEQUENCE_LENGTH } from '../../src/pipeline/tokenizer';
import { fixturesDir, tinyModelDir, casesDir } from '../support/paths';
import { readNpy } from '../support/npy';
import { readdirSync } from 'node:fs';

interface TokCase { text: string; preprocessed: boolean; input_ids: number[]; attention_mask: number[]; untruncated_ids: number[] }
const fixture = JSON.parse(readFileSync(join(fixturesDir, 'tokenizer_cases.json'), 'utf8')) as { cases: TokCase[]; max_length: number };
const tok = T5Tokenizer.fromFolder(join(tinyModelDir, 'tokenizer'));

test('fixture max length is the pipeline max length', () => {
  assert.equal(fixture.max_length, MAX_SEQUENCE_LENGTH);
});

for (const [i, c] of fixture.cases.entries()) {
  test(`tokenizer case ${i}: ${JSON.stringify(c.text).slice(0, 50)}`, () => {
    assert.deepEqual(tok.encode(c.text), c.untruncated_ids);
    const b = tok.batch([c.text]);
    assert.deepEqual(Array.from(b.inputIds, Number), c.input_ids);
    assert.deepEqual(Array.from(b.attentionMask, Number), c.attention_mask);
  });
}

test('preprocessing matches the fixtures: each raw text followed by its lower().strip() form', () => {
  const raw = fixture.cases.filter((c) => !c.preprocessed);
  const pre = fixture.cases.filter((c) => c.preprocessed);
  assert.equal(raw.length, pre.length);
  raw.forEach((c, i) => assert.equal(preprocessPrompt(c.text), pre[i].text));
});

test('every pipeline case tokenizes its preprocessed prompts to the recorded text-encoder inputs', () => {
  for (const name of readdirSync(casesDir)) {
    const meta = JSON.parse(readFileSync(join(casesDir, name, 'case.json'), 'utf8'));
    const prompts: string[] = Array.isArray(meta.prompt) ? meta.prompt : [meta.prompt];
    assert.deepEqual(prompts.map(preprocessPrompt), meta.preprocessed_prompts, name);
    const ids = readNpy(join(casesDir, name, 'text_encoder_0_input_ids.npy'));
    const b = tok.batch(meta.preprocessed_prompts);
    assert.deepEqual(Array.from(b.inputIds), Array.from(ids.data as BigInt64Array), name);
  }
});

test('a tokenizer that is not T5-like is refused with the file named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tok-'));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'BPE', vocab: {}, merges: [] } }));
  assert.throws(() => T5Tokenizer.fromFolder(dir), /tokenizer\.json.*T5.*BPE/);
  assert.throws(() => T5Tokenizer.fromFolder(join(dir, 'missing')), /cannot read the tokenizer .*tokenizer\.json/);
});

test('preprocessing strips exactly what Python str.strip() strips', () => {
  assert.equal(preprocessPrompt('\x1c\x85\u3000 A Cat \t\n'), 'a cat');
  assert.equal(preprocessPrompt('\ufeffcat'), '\ufeffcat'); // BOM is not whitespace to Python
});

test('a broken tokenizer.json names the file, says it is not a T5 tokenizer.json, and how to fix it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tok-'));
  // Unigram, but not what transformers saves: the library would only say "Tokenizer must contain a "decoder" property".
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'Unigram', vocab: [['<pad>', 0], ['</s>', 0]] } }));
  assert.throws(() => T5Tokenizer.fromFolder(dir), (e: Error) => {
    assert.ok(e.message.startsWith(`${dir}/tokenizer.json is not a T5 tokenizer.json as a diffusers model folder holds it (Tokenizer must contain a "decoder" property).`), e.message);
    assert.match(e.message, /Copy tokenizer\/ again from the diffusers model, or convert the model with models\/convert\.py, which writes tokenizer\.json from spiece\.model\./);
    return true;
  });
});
