// What build-model checks before any work: that the source is a complete PixArt-α or PixArt-Σ
// diffusers checkpoint, that the output folder is free, and that its disk has room for the model. Each
// refusal names the file or folder and the fix.
import { existsSync, readFileSync, readdirSync, statSync, statfsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Checkpoint } from './safetensors';
import { readVaeDecoderConfig } from './vae-config';
import { decoderTensorNames } from './vae-blocks';
import { FAMILIES, supportedFamilies, type PipelineFamily } from '../pipeline/family';

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

/** The family model_index.json names; anything but a PixArt-α or -Σ pipeline is refused. */
function readFamily(index: string): PipelineFamily {
  if (statSync(index).size > MAX_INDEX_BYTES) throw new BuildModelError(`${index} is over 1 MB: not a model_index.json. Download the model again.`);
  let cls: unknown;
  try {
    cls = (JSON.parse(readFileSync(index, 'utf8')) as Record<string, unknown>)._class_name;
  } catch (e) {
    throw new BuildModelError(`${index} is not valid JSON (${(e as Error).message}). Download the model again.`);
  }
  const family = FAMILIES.find((f) => f.className === cls);
  if (!family) throw new BuildModelError(`${index}: this is a ${typeof cls === 'string' ? cls.slice(0, 80) : 'model without a _class_name'}; the builder builds ${supportedFamilies()} checkpoints.`);
  return family;
}

/** Refuses anything but a PixArt-α or -Σ diffusers checkpoint with its five components; returns its family. */
export function checkSource(from: string): PipelineFamily {
  if (!existsSync(from) || !statSync(from).isDirectory()) throw new BuildModelError(`--from ${from} is not a folder. Give the folder of a diffusers checkpoint (the one holding model_index.json).`);
  const index = join(from, 'model_index.json');
  if (!existsSync(index)) throw new BuildModelError(`${from} has no model_index.json: it is not a diffusers checkpoint. Give the folder that holds model_index.json.`);
  const family = readFamily(index);
  if (existsSync(join(from, 'vae_decoder')) && !existsSync(join(from, 'vae'))) {
    throw new BuildModelError(`${from} is a model folder already (it has vae_decoder/, not a checkpoint's vae/): use it as it is (pixart generate --model ${from}).`);
  }
  const missing: string[] = [];
  if (!existsSync(join(from, 'scheduler', 'scheduler_config.json'))) missing.push('scheduler/scheduler_config.json');
  if (!['tokenizer.json', 'spiece.model'].some((f) => existsSync(join(from, 'tokenizer', f)))) missing.push('tokenizer/tokenizer.json or tokenizer/spiece.model');
  for (const net of NETWORKS) if (!existsSync(join(from, net, 'config.json'))) missing.push(`${net}/config.json`);
  if (missing.length) throw new BuildModelError(`${from} is not a complete ${family.label} checkpoint: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing. Download the model again.`);
  readVaeDecoderConfig(join(from, 'vae'));
  for (const net of NETWORKS) Checkpoint.open(join(from, net)).close(); // each has weights, with sound headers
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
export function estimateBytes(from: string, weights: ModelWeights): number {
  const usesPostQuantConv = readVaeDecoderConfig(join(from, 'vae')).usePostQuantConv;
  const bytes = elements(join(from, 'text_encoder')) * BYTES_PER_WEIGHT[weights.text_encoder]
    + elements(join(from, 'transformer')) * BYTES_PER_WEIGHT[weights.transformer]
    + elements(join(from, 'vae'), (n) => decoderTensorNames(n, usesPostQuantConv)) * 4;
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
