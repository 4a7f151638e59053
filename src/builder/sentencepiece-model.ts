// Decodes a SentencePiece `spiece.model` (a ModelProto, google/sentencepiece
// src/sentencepiece_model.proto) into the few things a tokenizer.json needs: the pieces with their
// scores and types, the trainer's model type and special ids, and the normalizer's charsmap and
// whitespace flags. The file is untrusted: its size and piece count are bounded, and a file that
// is cut short, is not protobuf, or lacks a part every trained model has is refused by name.
import { ProtoError, ProtoField, readFields } from './protobuf';

/** T5's spiece.model is 792 KB (32,000 pieces); the largest public SentencePiece models are a few MB. */
export const MAX_SPIECE_BYTES = 64 * 1024 * 1024;
export const MAX_PIECES = 1_000_000;

export type PieceType = 'NORMAL' | 'UNKNOWN' | 'CONTROL' | 'USER_DEFINED' | 'UNUSED' | 'BYTE';
const PIECE_TYPES: Record<number, PieceType> = { 1: 'NORMAL', 2: 'UNKNOWN', 3: 'CONTROL', 4: 'USER_DEFINED', 5: 'UNUSED', 6: 'BYTE' };
export type ModelType = 'UNIGRAM' | 'BPE' | 'WORD' | 'CHAR';
const MODEL_TYPES: Record<number, ModelType> = { 1: 'UNIGRAM', 2: 'BPE', 3: 'WORD', 4: 'CHAR' };

export interface SentencePiece { piece: string; score: number; type: PieceType }

/** The TrainerSpec fields a tokenizer depends on, with the proto's defaults. */
export interface TrainerSpec {
  modelType: ModelType;
  unkId: number;
  byteFallback: boolean;
  treatWhitespaceAsSuffix: boolean;
}

export interface NormalizerSpec {
  name: string;
  /** Empty when the model has no charsmap (the `identity` rule). */
  precompiledCharsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

export interface SentencePieceModel { pieces: SentencePiece[]; trainer: TrainerSpec; normalizer: NormalizerSpec }

export class SpieceError extends Error {
  override name = 'SpieceError';
}

const FIX = 'Download tokenizer/spiece.model again from the model\'s repository (it is the T5 tokenizer PixArt uses).';

/** Parses `bytes` as a ModelProto; `source` names the file in every error. */
export function readSentencePieceModel(bytes: Uint8Array, source = 'spiece.model'): SentencePieceModel {
  const fail = (problem: string) => new SpieceError(`${source} is not a usable SentencePiece model: ${problem}. ${FIX}`);
  if (bytes.length > MAX_SPIECE_BYTES) throw fail(`it is ${bytes.length} bytes, more than the ${MAX_SPIECE_BYTES} a tokenizer model can be`);
  const pieces: SentencePiece[] = [];
  let trainer: TrainerSpec | undefined;
  let normalizer: NormalizerSpec | undefined;
  try {
    for (const f of readFields(bytes)) {
      // A singular message field that occurs twice is merged, as protobuf does.
      if (f.number === 1) {
        if (pieces.length === MAX_PIECES) throw fail(`it has more than ${MAX_PIECES} pieces`);
        pieces.push(readPiece(f, pieces.length));
      } else if (f.number === 2) trainer = readTrainer(f, trainer);
      else if (f.number === 3) normalizer = readNormalizer(f, normalizer);
    }
  } catch (e) {
    if (e instanceof ProtoError) throw fail(e.message);
    throw e;
  }
  // The top level has no length of its own: a file cut between fields still parses, so require the
  // parts every trained model writes.
  if (pieces.length === 0) throw fail('it has no pieces');
  if (!trainer) throw fail('it has no trainer_spec (the file may be truncated)');
  if (!normalizer) throw fail('it has no normalizer_spec (the file may be truncated)');
  checkPieces(pieces, trainer, fail);
  return { pieces, trainer, normalizer };
}

function readPiece(field: ProtoField, index: number): SentencePiece {
  let piece: string | undefined;
  let score = 0;
  let type: PieceType = 'NORMAL';
  for (const f of field.fields()) {
    if (f.number === 1) piece = f.string();
    else if (f.number === 2) score = f.float();
    else if (f.number === 3) {
      const t = PIECE_TYPES[f.int32()];
      if (!t) throw new ProtoError(`piece ${index} has type ${f.int32()}, which is none of SentencePiece's piece types (1–6)`);
      type = t;
    }
  }
  if (!piece) throw new ProtoError(`piece ${index} has no text`);
  if (!Number.isFinite(score)) throw new ProtoError(`piece ${index} (${JSON.stringify(piece)}) has the score ${score}`);
  return { piece, score, type };
}

function readTrainer(field: ProtoField, prev: TrainerSpec | undefined): TrainerSpec {
  const t: TrainerSpec = prev ?? { modelType: 'UNIGRAM', unkId: 0, byteFallback: false, treatWhitespaceAsSuffix: false };
  for (const f of field.fields()) {
    if (f.number === 3) {
      const m = MODEL_TYPES[f.int32()];
      if (!m) throw new ProtoError(`trainer_spec.model_type is ${f.int32()}, none of UNIGRAM, BPE, WORD, CHAR (1–4)`);
      t.modelType = m;
    } else if (f.number === 40) t.unkId = f.int32();
    else if (f.number === 35) t.byteFallback = f.bool();
    else if (f.number === 24) t.treatWhitespaceAsSuffix = f.bool();
  }
  return t;
}

function readNormalizer(field: ProtoField, prev: NormalizerSpec | undefined): NormalizerSpec {
  const n: NormalizerSpec = prev ?? { name: '', precompiledCharsmap: new Uint8Array(0), addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true };
  for (const f of field.fields()) {
    if (f.number === 1) n.name = f.string();
    else if (f.number === 2) n.precompiledCharsmap = f.bytes();
    else if (f.number === 3) n.addDummyPrefix = f.bool();
    else if (f.number === 4) n.removeExtraWhitespaces = f.bool();
    else if (f.number === 5) n.escapeWhitespaces = f.bool();
  }
  return n;
}

/** What SentencePiece itself checks when it loads a model: unique pieces, one unknown piece at unk_id. */
function checkPieces(pieces: SentencePiece[], trainer: TrainerSpec, fail: (problem: string) => SpieceError): void {
  const seen = new Map<string, number>();
  pieces.forEach((p, i) => {
    const first = seen.get(p.piece);
    if (first !== undefined) throw fail(`pieces ${first} and ${i} are both ${JSON.stringify(p.piece)}`);
    seen.set(p.piece, i);
  });
  const { unkId } = trainer;
  if (unkId < 0 || unkId >= pieces.length) throw fail(`trainer_spec.unk_id is ${unkId}, but the pieces are numbered 0…${pieces.length - 1}`);
  if (pieces[unkId].type !== 'UNKNOWN') throw fail(`trainer_spec.unk_id is ${unkId}, but piece ${unkId} (${JSON.stringify(pieces[unkId].piece)}) is ${pieces[unkId].type}, not UNKNOWN`);
}
