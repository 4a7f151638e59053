// T5's fast-tokenizer `tokenizer.json` from its SentencePiece `spiece.model`, for the PixArt repos
// that ship only the latter. The result is the file transformers wrote into the diffusers
// checkpoint our fixtures come from (test/fixtures/pixart-tiny/tokenizer/, transformers 5.17):
// Unigram over the pieces; the charsmap, then runs of spaces → one space; Metaspace "▁"; `$A </s>`;
// the control/unknown pieces and T5's `<extra_id_N>` sentinels as special added tokens after the
// pieces. Where transformers' T5Converter differs from that file (it appends the sentinels to the
// Unigram vocab too, and its normalizer strips the right end and turns runs of spaces into "▁"),
// we follow the file: the sentinels' ids are the same either way, and the file's whitespace rule is
// what tokenized the fixture cases (see DESIGN.md, "The tokenizer from spiece.model").
import { Buffer } from 'node:buffer';
import { readSentencePieceModel, SentencePieceModel, SpieceError } from './sentencepiece-model';

/** T5Tokenizer's default when tokenizer_config.json has no extra_ids. */
const DEFAULT_EXTRA_IDS = 100;
const MAX_EXTRA_IDS = 10_000;
const MAX_LISTED_TOKENS = 10_000;
const MAX_TOKEN_CHARS = 1_000;
const REPLACEMENT = '\u2581';

export interface TokenizerSources { spiece?: string; config?: string }

/** tokenizer_config.json asks for something a T5 tokenizer cannot be. */
export class TokenizerConfigError extends Error {
  override name = 'TokenizerConfigError';
}

type PrependScheme = 'always' | 'first' | 'never';

/** What tokenizer_config.json decides: the special tokens' names, the sentinels, the prefix rule. */
interface T5Options {
  eos: string;
  pad: string;
  unk: string;
  extraIds: number;
  /** additional_special_tokens that are not sentinels, in the order listed. */
  others: string[];
  prependScheme: PrependScheme;
}

interface AddedToken { id: number; content: string; single_word: false; lstrip: false; rstrip: false; normalized: false; special: boolean }

/**
 * The tokenizer.json object (as `JSON.parse` of the file gives it) for the SentencePiece model
 * `spiece` and the folder's tokenizer_config.json. Throws a message naming the file and the fix
 * when the model is not a usable T5 tokenizer.
 */
export function tokenizerJsonFromSpiece(spiece: Uint8Array, tokenizerConfig: Record<string, unknown>, sources: TokenizerSources = {}): object {
  const spieceName = sources.spiece ?? 'tokenizer/spiece.model';
  const configName = sources.config ?? 'tokenizer/tokenizer_config.json';
  const model = readSentencePieceModel(spiece, spieceName);
  checkConvertible(model, spieceName);
  const opts = readOptions(tokenizerConfig, configName);
  const ids = new Map(model.pieces.map((p, i) => [p.piece, i]));
  const added = addedTokens(model, ids, opts, { spieceName, configName });
  // SentencePiece's add_dummy_prefix is what Metaspace's prepend stands for.
  const prepend = model.normalizer.addDummyPrefix ? opts.prependScheme : 'never';
  const metaspace = { type: 'Metaspace', replacement: REPLACEMENT, prepend_scheme: prepend, split: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: normalizer(model),
    pre_tokenizer: metaspace,
    post_processor: t5Template(opts.eos, ids.get(opts.eos)!),
    decoder: { ...metaspace },
    model: {
      type: 'Unigram',
      unk_id: model.trainer.unkId,
      vocab: model.pieces.map((p) => [p.piece, p.score]),
      // As T5Converter: tokenizers' Unigram byte fallback is not SentencePiece's, so it stays off.
      byte_fallback: false,
    },
  };
}

/** A Unigram model whose whitespace rules Metaspace can express. */
function checkConvertible(model: SentencePieceModel, spieceName: string): void {
  const { trainer, normalizer: norm } = model;
  if (trainer.modelType !== 'UNIGRAM') {
    throw new SpieceError(`${spieceName} is a SentencePiece ${trainer.modelType} model; T5 (PixArt's text encoder) uses a UNIGRAM one. Use the tokenizer/ folder of the PixArt model (or of google/t5-v1_1-xxl).`);
  }
  if (!norm.escapeWhitespaces || trainer.treatWhitespaceAsSuffix) {
    throw new SpieceError(`${spieceName} ${!norm.escapeWhitespaces ? 'does not escape whitespace as "▁"' : 'puts "▁" after words (treat_whitespace_as_suffix)'}, which a tokenizer.json's Metaspace cannot reproduce; T5's model does neither. Use the tokenizer/ folder of the PixArt model.`);
  }
  const map = norm.precompiledCharsmap;
  if (map.length > 0) {
    // The layout tokenizers' Precompiled reads: a little-endian u32 trie size, the trie, the strings.
    const trieBytes = map.length >= 4 ? new DataView(map.buffer, map.byteOffset, 4).getUint32(0, true) : -1;
    if (trieBytes < 0 || trieBytes % 4 !== 0 || 4 + trieBytes > map.length) {
      throw new SpieceError(`${spieceName} has a normalizer charsmap (${norm.name || 'unnamed'}) of ${map.length} bytes that is not a precompiled trie. Download tokenizer/spiece.model again from the model's repository.`);
    }
  }
}

/** The charsmap (NFKC-like, T5's `nmt_nfkc`), then SentencePiece's remove_extra_whitespaces as runs of spaces → one. */
function normalizer(model: SentencePieceModel): object | null {
  const { precompiledCharsmap: map, removeExtraWhitespaces } = model.normalizer;
  const steps: object[] = [];
  if (map.length > 0) steps.push({ type: 'Precompiled', precompiled_charsmap: Buffer.from(map.buffer, map.byteOffset, map.length).toString('base64') });
  if (removeExtraWhitespaces) steps.push({ type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' });
  return steps.length ? { type: 'Sequence', normalizers: steps } : null;
}

function t5Template(eos: string, eosId: number): object {
  const a = { Sequence: { id: 'A', type_id: 0 } };
  const b = { Sequence: { id: 'B', type_id: 0 } };
  const end = { SpecialToken: { id: eos, type_id: 0 } };
  return { type: 'TemplateProcessing', single: [a, end], pair: [a, end, b, end], special_tokens: { [eos]: { id: eos, ids: [eosId], tokens: [eos] } } };
}

function token(id: number, content: string, special: boolean): AddedToken {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special };
}

/**
 * Control and unknown pieces (special) and user-defined ones (not special), as SpmConverter adds
 * them, with the config's special tokens; then the sentinels `<extra_id_{N-1}>` … `<extra_id_0>`
 * at the ids after the pieces (T5's layout: `<extra_id_0>` is the last id); then listed special
 * tokens the model lacks.
 */
function addedTokens(model: SentencePieceModel, ids: Map<string, number>, opts: T5Options, names: { spieceName: string; configName: string }): AddedToken[] {
  const special = new Map<number, boolean>();
  model.pieces.forEach((p, i) => {
    if (p.type === 'CONTROL' || p.type === 'UNKNOWN') special.set(i, true);
    else if (p.type === 'USER_DEFINED') special.set(i, false);
  });
  for (const [key, name] of [['pad_token', opts.pad], ['eos_token', opts.eos], ['unk_token', opts.unk]] as const) {
    const id = ids.get(name);
    if (id === undefined) throw new SpieceError(`${names.spieceName} has no piece ${JSON.stringify(name)}, which ${names.configName} names as ${key}. Use the tokenizer folder of a T5 / PixArt model (T5's are <pad>, </s> and <unk>).`);
    special.set(id, true);
  }
  const missing: string[] = [];
  for (const name of opts.others) {
    const id = ids.get(name);
    if (id !== undefined) special.set(id, true);
    else if (!missing.includes(name)) missing.push(name);
  }
  const out = [...special.keys()].sort((x, y) => x - y).map((id) => token(id, model.pieces[id].piece, special.get(id)!));
  let next = model.pieces.length;
  for (let i = opts.extraIds - 1; i >= 0; i--) {
    const name = `<extra_id_${i}>`;
    if (ids.has(name)) throw new SpieceError(`${names.spieceName} already has the piece ${name}, which T5 adds as a sentinel. Set "extra_ids": 0 in ${names.configName}, or use the tokenizer folder of a T5 / PixArt model.`);
    out.push(token(next++, name, true));
  }
  for (const name of missing) out.push(token(next++, name, true));
  return out;
}

/** A token named in tokenizer_config.json: a string, or an AddedToken object with `content`. */
function tokenName(value: unknown, what: string, configName: string): string {
  const name = typeof value === 'object' && value !== null && 'content' in value ? (value as { content: unknown }).content : value;
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_TOKEN_CHARS) {
    throw new TokenizerConfigError(`${configName}: ${what} should be a token (a string of 1…${MAX_TOKEN_CHARS} characters), not ${JSON.stringify(value)?.slice(0, 80)}. Copy tokenizer_config.json again from the model's repository.`);
  }
  return name;
}

function optionalBool(config: Record<string, unknown>, key: string, configName: string): boolean | undefined {
  const v = config[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new TokenizerConfigError(`${configName}: ${key} should be true or false, not ${JSON.stringify(v)?.slice(0, 80)}. Copy tokenizer_config.json again from the model's repository.`);
  return v;
}

/** The options T5Tokenizer reads, with its defaults and its check of extra_ids against the listed sentinels. */
function readOptions(config: Record<string, unknown>, configName: string): T5Options {
  const named = (key: string, fallback: string) => (config[key] === undefined || config[key] === null ? fallback : tokenName(config[key], key, configName));
  const extra = config.extra_ids ?? DEFAULT_EXTRA_IDS;
  if (typeof extra !== 'number' || !Number.isInteger(extra) || extra < 0 || extra > MAX_EXTRA_IDS) {
    throw new TokenizerConfigError(`${configName}: extra_ids should be a whole number 0…${MAX_EXTRA_IDS} (T5 has 100), not ${JSON.stringify(extra)?.slice(0, 80)}. Copy tokenizer_config.json again from the model's repository.`);
  }
  // transformers 5 writes extra_special_tokens (a list, or names → tokens); 4 wrote additional_special_tokens.
  const listKey = config.extra_special_tokens != null ? 'extra_special_tokens' : 'additional_special_tokens';
  const value = config[listKey] ?? [];
  const list = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.values(value) : value;
  if (!Array.isArray(list) || list.length > MAX_LISTED_TOKENS) {
    throw new TokenizerConfigError(`${configName}: ${listKey} should be a list of at most ${MAX_LISTED_TOKENS} tokens. Copy tokenizer_config.json again from the model's repository.`);
  }
  const listed = list.map((v, i) => tokenName(v, `${listKey}[${i}]`, configName));
  const sentinels = extra > 0 ? listed.filter((t) => t.includes('<extra_id_')) : [];
  if (sentinels.length > 0 && sentinels.length !== extra) {
    throw new TokenizerConfigError(`${configName} lists ${sentinels.length} <extra_id_N> tokens in ${listKey} but has extra_ids ${extra}; T5Tokenizer refuses that too. Make them agree (T5: 100), or copy tokenizer_config.json again from the model's repository.`);
  }
  const addPrefix = optionalBool(config, 'add_prefix_space', configName);
  const legacy = optionalBool(config, 'legacy', configName);
  return {
    eos: named('eos_token', '</s>'),
    pad: named('pad_token', '<pad>'),
    unk: named('unk_token', '<unk>'),
    extraIds: extra,
    others: listed.filter((t) => !sentinels.includes(t)),
    // transformers' _get_prepend_scheme: no prefix when add_prefix_space is false, only at the start when legacy is false.
    prependScheme: addPrefix === false ? 'never' : legacy === false ? 'first' : 'always',
  };
}
