// Which files of a repo a PixArt pipeline needs, as a pure function of the repo's file listing:
// model_index.json, the scheduler config, the tokenizer, and for text_encoder/, transformer/ and
// vae/ their config.json and safetensors weights (one file, or an index and the shards it names).
// A part of a pipeline can be asked for instead: only transformer/ (a repo such as
// PixArt-Sigma-XL-2-512-MS holds nothing else), or everything but transformer/ (the base it is
// combined with).
// Never .bin/.pt/.ckpt/ONNX/Flax copies; a variant (`model.fp16.safetensors`) only when asked
// for, and then only where the folder has it (diffusers falls back to the plain weights too).
import type { RepoFile, SnapshotPart, Variant } from './types';

export const WEIGHT_FOLDERS = ['text_encoder', 'transformer', 'vae'] as const;
/** The weight folders each part holds; the metadata (model_index.json, scheduler, tokenizer) goes with the base. */
const PART_FOLDERS: Record<SnapshotPart, readonly (typeof WEIGHT_FOLDERS)[number][]> = {
  pipeline: WEIGHT_FOLDERS,
  transformer: ['transformer'],
  base: ['text_encoder', 'vae'],
};
/** The tokenizer needs one of these (T5's SentencePiece model, or the fast tokenizer's JSON). */
const TOKENIZER_MODELS = ['spiece.model', 'tokenizer.json'];
const TOKENIZER_EXTRAS = ['tokenizer_config.json', 'special_tokens_map.json', 'added_tokens.json'];
/** diffusers' weight name, then transformers': the one a loader looks for first wins. */
const STEM_ORDER = ['diffusion_pytorch_model', 'model'];
const OTHER_WEIGHTS = /\.(bin|pt|pth|ckpt|onnx|msgpack|h5|gguf)$/;

/** A selection that cannot be made; `missing` names each absent file or file pattern. */
export class SelectionError extends Error {
  constructor(message: string, readonly missing: string[]) {
    super(message);
  }
}

/** A sharded checkpoint chosen by its index; `shards` are guessed from the names until the index is read. */
export interface IndexChoice {
  path: string;
  shards: string[];
}

export interface Selection {
  files: RepoFile[];
  indexes: IndexChoice[];
}

interface WeightName {
  kind: 'single' | 'index' | 'shard';
  stem: string;
  variant?: string;
}

const SHARD = /^([^.]+?)(?:\.([^.-]+))?-\d+-of-\d+\.safetensors$/;
const INDEX = /^([^.]+)\.safetensors\.index(?:\.([^.]+))?\.json$/;
const SINGLE = /^([^.]+)(?:\.([^.]+))?\.safetensors$/;

/** Reads a weight file's name: `model.safetensors`, `model.fp16.safetensors`, `model.safetensors.index.json`, `model.fp16-00001-of-00002.safetensors`… */
export function parseWeightName(name: string): WeightName | undefined {
  for (const [kind, re] of [['shard', SHARD], ['index', INDEX], ['single', SINGLE]] as const) {
    const m = re.exec(name);
    if (m) return { kind, stem: m[1], ...(m[2] ? { variant: m[2] } : {}) };
  }
  return undefined;
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const folderOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');

interface Candidate {
  file: RepoFile;
  name: WeightName;
}

/** The first stem's single file, else its index and shards; undefined when these candidates hold none. */
function pickStem(cands: Candidate[]): { files: RepoFile[]; index?: IndexChoice } | undefined {
  const rank = (stem: string) => (STEM_ORDER.includes(stem) ? STEM_ORDER.indexOf(stem) : STEM_ORDER.length);
  const stems = [...new Set(cands.map((c) => c.name.stem))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const stem of stems) {
    const own = cands.filter((c) => c.name.stem === stem);
    const single = own.find((c) => c.name.kind === 'single');
    if (single) return { files: [single.file] };
    const index = own.find((c) => c.name.kind === 'index');
    if (!index) continue;
    const shards = own.filter((c) => c.name.kind === 'shard').map((c) => c.file);
    return { files: [index.file, ...shards], index: { path: index.file.path, shards: shards.map((s) => s.path) } };
  }
  return undefined;
}

/** Why a folder yields no weights, as the missing pattern and a hint. */
function noWeights(folder: string, cands: Candidate[], children: RepoFile[], variant?: Variant): string {
  const variants = [...new Set(cands.map((c) => c.name.variant).filter((v): v is string => !!v))];
  if (!variant && variants.length) return `${folder}/*.safetensors (it has only ${variants.join(', ')} weights: choose the ${variants[0]} variant)`;
  const other = [...new Set(children.map((f) => OTHER_WEIGHTS.exec(f.path)?.[1]).filter(Boolean))];
  if (other.length) return `${folder}/*.safetensors (it has only .${other.join(', .')} weights; safetensors are needed)`;
  return `${folder}/*.safetensors`;
}

/** One folder's weights: the variant's where it has them, else the plain ones. */
function chooseWeights(folder: string, listing: RepoFile[], variant?: Variant): { files: RepoFile[]; index?: IndexChoice } | { missing: string } {
  const children = listing.filter((f) => folderOf(f.path) === folder);
  const cands = children.flatMap((file) => {
    const name = parseWeightName(baseName(file.path));
    return name ? [{ file, name }] : [];
  });
  for (const v of variant ? [variant, undefined] : [undefined]) {
    const pick = pickStem(cands.filter((c) => c.name.variant === v));
    if (pick) return pick;
  }
  return { missing: noWeights(folder, cands, children, variant) };
}

/** The files a PixArt pipeline needs from this listing; throws SelectionError naming what is absent. */
export function selectFiles(listing: RepoFile[], variant?: Variant, part: SnapshotPart = 'pipeline'): Selection {
  const { selection, missing } = selectAvailable(listing, variant, part);
  if (missing.length) throw new SelectionError(`it lacks ${missing.join(', ')}`, missing);
  return selection;
}

/** The needed files this listing has, and what it lacks (a file, or a pattern with a hint). */
export function selectAvailable(listing: RepoFile[], variant?: Variant, part: SnapshotPart = 'pipeline'): { selection: Selection; missing: string[] } {
  const byPath = new Map(listing.map((f) => [f.path, f]));
  const files: RepoFile[] = [];
  const indexes: IndexChoice[] = [];
  const missing: string[] = [];
  const take = (path: string, required: boolean) => {
    const f = byPath.get(path);
    if (f) files.push(f);
    else if (required) missing.push(path);
  };
  if (part !== 'transformer') {
    take('model_index.json', true);
    take('scheduler/scheduler_config.json', true);
    if (!TOKENIZER_MODELS.some((n) => byPath.has(`tokenizer/${n}`))) missing.push(TOKENIZER_MODELS.map((n) => `tokenizer/${n}`).join(' or '));
    for (const name of [...TOKENIZER_MODELS, ...TOKENIZER_EXTRAS]) take(`tokenizer/${name}`, false);
  }
  for (const folder of PART_FOLDERS[part]) {
    take(`${folder}/config.json`, true);
    const w = chooseWeights(folder, listing, variant);
    if ('missing' in w) missing.push(w.missing);
    else {
      files.push(...w.files);
      if (w.index) indexes.push(w.index);
    }
  }
  return { selection: { files, indexes }, missing };
}

/** A listing with transformer/ but no model_index.json: the transformer of a pipeline whose other parts live in another repo. */
export function isTransformerOnly(listing: RepoFile[]): boolean {
  const paths = new Set(listing.map((f) => f.path));
  return !paths.has('model_index.json') && paths.has('transformer/config.json');
}

/** The shards a `*.safetensors.index.json` names (its weight_map's values), as files of the listing. */
export function shardsOfIndex(indexPath: string, text: string, listing: RepoFile[]): RepoFile[] {
  let map: unknown;
  try {
    map = (JSON.parse(text) as { weight_map?: unknown }).weight_map;
  } catch {
    map = undefined;
  }
  if (!map || typeof map !== 'object' || Array.isArray(map)) throw new SelectionError(`${indexPath} is not a safetensors index (no weight_map object)`, [indexPath]);
  const names = [...new Set(Object.values(map as Record<string, unknown>))];
  const bad = names.filter((n) => typeof n !== 'string' || !/^[^/\\]+\.safetensors$/.test(n) || n.startsWith('.'));
  if (bad.length) throw new SelectionError(`${indexPath} names shards that are not safetensors files beside it: ${bad.map((n) => JSON.stringify(n)).join(', ')}`, [indexPath]);
  const folder = folderOf(indexPath);
  const paths = (names as string[]).map((n) => (folder ? `${folder}/${n}` : n));
  const byPath = new Map(listing.map((f) => [f.path, f]));
  const absent = paths.filter((p) => !byPath.has(p));
  if (absent.length) throw new SelectionError(`${indexPath} names shards that are not there: ${absent.join(', ')}`, absent);
  return paths.map((p) => byPath.get(p) as RepoFile);
}

/** The selection with one index's guessed shards replaced by the ones it names. */
export function withShards(selection: Selection, indexPath: string, shards: RepoFile[]): Selection {
  const guessed = new Set(selection.indexes.find((i) => i.path === indexPath)?.shards ?? []);
  const kept = selection.files.filter((f) => !guessed.has(f.path));
  const have = new Set(kept.map((f) => f.path));
  return {
    files: [...kept, ...shards.filter((s) => !have.has(s.path))],
    indexes: selection.indexes.map((i) => (i.path === indexPath ? { path: i.path, shards: shards.map((s) => s.path) } : i)),
  };
}
