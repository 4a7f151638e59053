// The model folder's tokenizer/: the checkpoint's files as they are, and a tokenizer.json made
// from spiece.model when the checkpoint has none (the pipeline's tokenizer reads tokenizer.json).
import { copyFileSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../image/atomic-write';
import { MAX_SPIECE_BYTES } from './sentencepiece-model';
import { tokenizerJsonFromSpiece } from './tokenizer-json';
import { BuildModelError } from './build-model-checks';

/** Tokenizer files copied as they are, when present. */
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'spiece.model', 'special_tokens_map.json'];
/** tokenizer_config.json is a few kB. */
const MAX_CONFIG_BYTES = 1 << 20;

function readBounded(file: string, max: number, what: string): Buffer {
  const size = statSync(file).size;
  if (size > max) throw new BuildModelError(`${file} is ${size} bytes, more than ${what} can be (${max}). Download the model again.`);
  return readFileSync(file);
}

/** tokenizer_config.json as an object ({} when the checkpoint has none: T5's defaults). */
function tokenizerConfig(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  let config: unknown;
  try {
    config = JSON.parse(readBounded(file, MAX_CONFIG_BYTES, 'a tokenizer config').toString('utf8'));
  } catch (e) {
    if (e instanceof BuildModelError) throw e;
    throw new BuildModelError(`${file} is not valid JSON (${(e as Error).message}). Download the model again.`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new BuildModelError(`${file} must hold a JSON object. Download the model again.`);
  return config as Record<string, unknown>;
}

/** Writes `staging/tokenizer/` from `from/tokenizer/`. */
export function writeTokenizer(from: string, staging: string): void {
  const src = join(from, 'tokenizer');
  const dst = join(staging, 'tokenizer');
  mkdirSync(dst);
  for (const file of TOKENIZER_FILES) {
    if (existsSync(join(src, file))) copyFileSync(join(src, file), join(dst, file), constants.COPYFILE_EXCL);
  }
  if (existsSync(join(src, 'tokenizer.json'))) return;
  const spiece = readBounded(join(src, 'spiece.model'), MAX_SPIECE_BYTES, 'a tokenizer model');
  const json = tokenizerJsonFromSpiece(spiece, tokenizerConfig(join(src, 'tokenizer_config.json')), {
    spiece: join(src, 'spiece.model'),
    config: join(src, 'tokenizer_config.json'),
  });
  writeFileAtomic(join(dst, 'tokenizer.json'), new TextEncoder().encode(JSON.stringify(json, null, 2)));
}
