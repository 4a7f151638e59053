// What build-model checks before any work: that the source is a complete PixArt-α or PixArt-Σ
// diffusers checkpoint (in one folder, or a transformer and a base), that the output folder is free, and that its disk has room for the model. Each
// refusal names the file or folder and the fix.
import { existsSync, readFileSync, readdirSync, statSync, statfsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Checkpoint } from './safetensors';
import { readVaeDecoderConfig } from './vae-config';
import { decoderTensorNames } from './vae-blocks';
import { FAMILIES, supportedFamilies, type PipelineFamily } from '../pipeline/family';
import { isAssembled, partPath, type CheckpointFolders } from './build-model-sources';

/** The base PixArt-Σ's transformer-only repos are combined with (src/hub/known-repos.ts has the table). */
const SIGMA_BASE_NOTE = 'PixArt-alpha/pixart_sigma_sdxlvae_T5_diffusers';

export class BuildModelError extends Error {
  override name = 'BuildModelError';
}

export type TextEncoderWeights = 'int8' | 'int4' | 'f16' | 'f32';
export type TransformerWeights = 'f32' | 'f16' | 'bf16';

export interface ModelWeights {
  text_encoder: TextEncoderWeights;
  transformer: TransformerWeights;
}

/** The diffusers folders the builder reads, each with its config.json and safetensors. */
export const NETWORKS = ['text_encoder', 'transformer', 'vae'] as const;

const GB = 1024 ** 3;
/** model_index.json is a few hundred bytes. */
const MAX_INDEX_BYTES = 1 << 20;

/** model_index.json's pipeline class (it must be a JSON object of at most 1 MB). */
function readIndexClass(index: string): unknown {
  if (statSync(index).size > MAX_INDEX_BYTES) throw new BuildModelError(`${index} is over 1 MB: not a model_index.json. Download the model again.`);
  try {
    return (JSON.parse(readFileSync(index, 'utf8')) as Record<string, unknown>)._class_name;
  } catch (e) {
    throw new BuildModelError(`${index} is not valid JSON (${(e as Error).message}). Download the model again.`);
  }
}

/** The family a pipeline class is; anything but a PixArt-α or -Σ pipeline is refused, naming `where` it was found. */
function familyOf(cls: unknown, where: string): PipelineFamily {
  const family = FAMILIES.find((f) => f.className === cls);
  if (!family) throw new BuildModelError(`${where}: this is a ${typeof cls === 'string' ? cls.slice(0, 80) : 'model without a _class_name'}; the builder builds ${supportedFamilies()} checkpoints.`);
  return family;
}

function checkFolder(dir: string, flag: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new BuildModelError(`${flag} ${dir} is not a folder. Give the folder of a diffusers checkpoint (the one holding model_index.json).`);
}

/** The base's model_index.json, with the refusals for a folder that has none (a transformer-only one names --base). */
function indexFile(f: CheckpointFolders): string {
  const index = join(f.base, 'model_index.json');
  if (existsSync(index)) return index;
  if (!isAssembled(f) && existsSync(join(f.base, 'transformer', 'config.json'))) {
    throw new BuildModelError(`${f.base} holds only a transformer (transformer/, no model_index.json): its text encoder, VAE, tokenizer and scheduler come from another checkpoint. Name that one with --base REPO_OR_DIR (for PixArt-Σ: ${SIGMA_BASE_NOTE}).`);
  }
  throw new BuildModelError(`${isAssembled(f) ? '--base ' : ''}${f.base} has no model_index.json: it is not a diffusers checkpoint. Give the folder that holds model_index.json.`);
}

/** What is missing from the parts the build reads, as paths relative to their folders. */
function missingParts(f: CheckpointFolders): string[] {
  const missing: string[] = [];
  if (!existsSync(join(partPath(f, 'scheduler'), 'scheduler_config.json'))) missing.push('scheduler/scheduler_config.json');
  if (!['tokenizer.json', 'spiece.model'].some((n) => existsSync(join(partPath(f, 'tokenizer'), n)))) missing.push('tokenizer/tokenizer.json or tokenizer/spiece.model');
  for (const net of NETWORKS) if (!existsSync(join(partPath(f, net), 'config.json'))) missing.push(`${net}/config.json${isAssembled(f) ? ` (in ${net === 'transformer' ? '--from' : '--base'})` : ''}`);
  return missing;
}

/**
 * Refuses anything but a PixArt-α or -Σ diffusers checkpoint with its five components (from one
 * folder, or a transformer from one and the rest from the base); returns its family: `pipeline`'s
 * when the caller names it (a transformer-only source's), else the one model_index.json names.
 */
export function checkSource(f: CheckpointFolders, pipeline?: string): PipelineFamily {
  checkFolder(f.transformer, '--from');
  if (isAssembled(f)) {
    checkFolder(f.base, '--base');
    if (!existsSync(partPath(f, 'transformer'))) throw new BuildModelError(`--from ${f.transformer} has no transformer/ folder: with --base, --from gives the transformer (a diffusers checkpoint, or a repo such as PixArt-alpha/PixArt-Sigma-XL-2-512-MS).`);
  }
  const index = indexFile(f);
  const cls = readIndexClass(index); // read (and so checked) also when `pipeline` overrides it
  const family = familyOf(pipeline ?? cls, pipeline ? `the pipeline named for ${f.transformer}` : index);
  if (existsSync(join(f.base, 'vae_decoder')) && !existsSync(partPath(f, 'vae'))) {
    throw new BuildModelError(`${f.base} is a model folder already (it has vae_decoder/, not a checkpoint's vae/): use it as it is (pixart generate --model ${f.base}).`);
  }
  const missing = missingParts(f);
  const where = isAssembled(f) ? `${f.transformer} with --base ${f.base}` : f.base;
  if (missing.length) throw new BuildModelError(`${where} is not a complete ${family.label} checkpoint: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing. Download the model again.`);
  readVaeDecoderConfig(partPath(f, 'vae'));
  for (const net of NETWORKS) Checkpoint.open(partPath(f, net)).close(); // each has weights, with sound headers
  return family;
}

/** Refuses an output that exists and is not an empty folder: the builder never replaces anything. */
export function checkOutput(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new BuildModelError(`--out ${out} exists and is not a folder. Choose a new folder.`);
  if (readdirSync(out).length) throw new BuildModelError(`--out ${out} is not empty; the builder never overwrites a folder. Choose a new or empty folder.`);
}

const BYTES_PER_WEIGHT: Record<TextEncoderWeights | TransformerWeights, number> = {
  f32: 4, f16: 2, bf16: 2,
  int8: 1 + 3 / 4096, // a u8 per weight; an f16 scale and a u8 zero point per row (T5-XXL rows: 4096 or more)
  int4: 0.5 + 2.5 / 128, // a u4 per weight; an f16 scale and a u4 zero point per group of 128
};

/** Elements of the tensors of one component that `filter` keeps. */
function elements(dir: string, filter: (names: string[]) => string[] = (n) => n): number {
  const checkpoint = Checkpoint.open(dir);
  try {
    return filter(checkpoint.names()).reduce((sum, name) => sum + checkpoint.info(name).shape.reduce((a, b) => a * b, 1), 0);
  } finally {
    checkpoint.close();
  }
}

/** Bytes the model folder will take (weights dominate; 5 % and 64 MB more for the rest). */
export function estimateBytes(f: CheckpointFolders, weights: ModelWeights): number {
  const usesPostQuantConv = readVaeDecoderConfig(partPath(f, 'vae')).usePostQuantConv;
  const bytes = elements(partPath(f, 'text_encoder')) * BYTES_PER_WEIGHT[weights.text_encoder]
    + elements(partPath(f, 'transformer')) * BYTES_PER_WEIGHT[weights.transformer]
    + elements(partPath(f, 'vae'), (n) => decoderTensorNames(n, usesPostQuantConv)) * 4;
  return Math.ceil(bytes * 1.05 + 64 * 1024 ** 2);
}

function existingAncestor(path: string): string {
  let dir = resolve(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Refuses a build whose output would not fit on the disk of `out`. */
export function checkDisk(out: string, neededBytes: number): void {
  const fs = statfsSync(existingAncestor(out));
  const free = fs.bavail * fs.bsize;
  if (free < neededBytes) {
    throw new BuildModelError(`not enough disk space: the model needs about ${(neededBytes / GB).toFixed(1)} GB, but only ${(free / GB).toFixed(1)} GB is free on the disk of ${out}. Free some space, choose --out on another disk, or choose smaller --weights (text_encoder=int4).`);
  }
}
