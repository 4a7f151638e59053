// Where a build reads each part of the checkpoint: one diffusers folder, or the transformer from
// one folder (a repo such as PixArt-Sigma-XL-2-512-MS holds only transformer/) and everything else
// from another, the base — as diffusers' users combine them with from_pretrained(base, transformer=…).
// Each part is read in place; nothing is copied to make one folder.
import { join, resolve } from 'node:path';

/** The parts of a diffusers PixArt checkpoint the builder reads. */
export type CheckpointPart = 'model_index.json' | 'scheduler' | 'tokenizer' | 'text_encoder' | 'transformer' | 'vae';

/** What the base gives when the transformer comes from elsewhere. */
export const BASE_PARTS: readonly CheckpointPart[] = ['model_index.json', 'scheduler', 'tokenizer', 'text_encoder', 'vae'];

export interface CheckpointFolders {
  /** The folder holding transformer/. */
  transformer: string;
  /** The folder holding every other part. */
  base: string;
}

/** One folder for everything, or the transformer from `from` and the rest from `base` (absolute). */
export function checkpointFolders(from: string, base?: string): CheckpointFolders {
  return { transformer: resolve(from), base: resolve(base ?? from) };
}

/** Whether the parts come from two folders. */
export const isAssembled = (f: CheckpointFolders): boolean => f.transformer !== f.base;

/** The path of one part: transformer/ in the transformer's folder, any other in the base. */
export function partPath(f: CheckpointFolders, part: CheckpointPart): string {
  return join(part === 'transformer' ? f.transformer : f.base, part);
}
