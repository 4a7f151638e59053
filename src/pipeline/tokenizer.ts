// The T5 tokenizer as PixArt calls it: lower().strip() preprocessing, then ids padded/truncated to
// exactly maxLength with `</s>` and a 1/0 attention mask (transformers' padding="max_length",
// truncation=True, add_special_tokens=True).
import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';

export const MAX_SEQUENCE_LENGTH = 120;

export interface TokenizedBatch {
  /** [batch, maxLength], row-major */
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  batch: number;
  length: number;
}

/** Exactly the characters Python's str.isspace() accepts (JS's \s differs: it has U+FEFF, lacks U+001C–U+001F and U+0085). */
const PY_WS = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_WS}]+|[${PY_WS}]+$`, 'g');

/**
 * diffusers' PixArt `_text_preprocessing` without bs4/ftfy (its default when they are absent, which
 * is what its users get): lower-case and strip. Python's str.strip() strips Unicode whitespace.
 */
export function preprocessPrompt(text: string): string {
  return text.toLowerCase().replace(PY_STRIP, '');
}


const REWRITE_TOKENIZER = 'Copy tokenizer/ again from the diffusers model, or convert the model with models/convert.py, which writes tokenizer.json from spiece.model.';

export class T5Tokenizer {
  private readonly tokenizer: Tokenizer;
  readonly padId: number;
  readonly eosId: number;

  private constructor(tokenizerJson: unknown, config: unknown, source: string) {
    const json = tokenizerJson as { model?: { type?: string } };
    if (json?.model?.type !== 'Unigram') {
      throw new Error(`${source}: expected a T5 (SentencePiece Unigram) tokenizer, found model type ${JSON.stringify(json?.model?.type)}. ${REWRITE_TOKENIZER}`);
    }
    try {
      this.tokenizer = new Tokenizer(tokenizerJson as object, config as object);
    } catch (e) {
      // The library's own words ("Tokenizer must contain a "decoder" property") name neither the file nor the fix.
      throw new Error(`${source} is not a T5 tokenizer.json as a diffusers model folder holds it (${(e as Error).message}). ${REWRITE_TOKENIZER}`);
    }
    const pad = this.tokenizer.token_to_id('<pad>');
    const eos = this.tokenizer.token_to_id('</s>');
    if (pad === undefined || eos === undefined) throw new Error(`${source}: a T5 tokenizer needs <pad> and </s> tokens. ${REWRITE_TOKENIZER}`);
    this.padId = pad;
    this.eosId = eos;
  }

  /** Loads `tokenizer.json` (and `tokenizer_config.json` when present) from a folder. */
  static fromFolder(dir: string): T5Tokenizer {
    const jsonPath = `${dir}/tokenizer.json`;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(jsonPath, 'utf8'));
    } catch (e) {
      throw new Error(`cannot read the tokenizer ${jsonPath}: ${(e as Error).message}. A model folder needs tokenizer/tokenizer.json (the converter in models/ writes it).`);
    }
    let config: unknown = {};
    try { config = JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, 'utf8')); } catch { /* optional */ }
    return new T5Tokenizer(json, config, jsonPath);
  }

  /** Token ids with `</s>`, untruncated. */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: true }).ids;
  }

  /** How many tokens a prompt takes after preprocessing, counting `</s>`. */
  count(prompt: string): number {
    return this.encode(preprocessPrompt(prompt)).length;
  }

  /**
   * Pads/truncates already-preprocessed texts to exactly `length` tokens. Truncation keeps `</s>`
   * as the last token, as transformers does with add_special_tokens.
   */
  batch(texts: readonly string[], length = MAX_SEQUENCE_LENGTH): TokenizedBatch {
    const inputIds = new BigInt64Array(texts.length * length).fill(BigInt(this.padId));
    const attentionMask = new BigInt64Array(texts.length * length);
    texts.forEach((text, row) => {
      let ids = this.encode(text);
      if (ids.length > length) ids = [...ids.slice(0, length - 1), this.eosId];
      ids.forEach((id, i) => {
        inputIds[row * length + i] = BigInt(id);
        attentionMask[row * length + i] = 1n;
      });
    });
    return { inputIds, attentionMask, batch: texts.length, length };
  }
}
