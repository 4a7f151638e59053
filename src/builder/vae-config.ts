// The VAE's config.json as the decoder builder reads it: every value that sizes a tensor, a loop or
// the graph is bounded here, and a value the builder does not implement is refused, each message
// naming the file and the field. Defaults are diffusers' AutoencoderKL defaults.
import { join } from 'node:path';
import { flag, readConfigObject, show, wholeNumber, type Json } from './config-json';

export class VaeConfigError extends Error {
  override name = 'VaeConfigError';
}

export interface VaeDecoderConfig {
  /** Widths of the blocks, encoder order (the decoder runs them reversed). */
  blockOutChannels: number[];
  layersPerBlock: number;
  normNumGroups: number;
  latentChannels: number;
  outChannels: number;
  midBlockAddAttention: boolean;
  usePostQuantConv: boolean;
  /** The file's text, copied as is into the model folder. */
  text: string;
}

/** 2^(blocks − 1) pixels per latent; the pipeline reads at most 6 blocks (model-folder.ts). */
const MAX_BLOCKS = 6;
/** Channels of one block: AutoencoderKL has at most 512; 4096 leaves room and bounds a tensor. */
const MAX_WIDTH = 4096;
/** Resnets per up block are layers_per_block + 1 (AutoencoderKL: 2). */
const MAX_LAYERS_PER_BLOCK = 8;
/** Latent channels: PixArt and SD have 4, SD3 and Flux 16 (as model-folder.ts). */
const MAX_LATENT_CHANNELS = 64;

function int(c: Json, file: string, field: string, min: number, max: number, fallback: number): number {
  return wholeNumber(c, file, field, min, max, fallback, VaeConfigError);
}

function bool(c: Json, file: string, field: string, fallback: boolean): boolean {
  return flag(c, file, field, fallback, VaeConfigError);
}

function blockWidths(c: Json, file: string): number[] {
  const v = c.block_out_channels ?? [64];
  if (!Array.isArray(v) || v.length < 1 || v.length > MAX_BLOCKS) {
    throw new VaeConfigError(`${file}: "block_out_channels" must list 1 to ${MAX_BLOCKS} block widths, found ${show(v)}.`);
  }
  for (const w of v) {
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 1 || w > MAX_WIDTH) {
      throw new VaeConfigError(`${file}: "block_out_channels" entries must be whole numbers from 1 to ${MAX_WIDTH}, found ${show(w)}.`);
    }
  }
  return v as number[];
}

/** Fields whose other values mean a network or a pipeline step this builder does not make. */
function refuseUnimplemented(c: Json, file: string, blocks: number): void {
  const refuse = (field: string, why: string) => new VaeConfigError(`${file}: "${field}" is ${show(c[field])}; ${why}.`);
  if (c._class_name !== undefined && c._class_name !== 'AutoencoderKL') throw refuse('_class_name', 'the builder makes the decoder of diffusers\' AutoencoderKL only');
  if ((c.act_fn ?? 'silu') !== 'silu') throw refuse('act_fn', 'the builder implements the SiLU activation only (AutoencoderKL\'s "silu")');
  const up = c.up_block_types ?? Array(blocks).fill('UpDecoderBlock2D');
  if (!Array.isArray(up) || up.length !== blocks || up.some((t) => t !== 'UpDecoderBlock2D')) {
    throw refuse('up_block_types', `the builder implements ${blocks} "UpDecoderBlock2D" blocks, one per block_out_channels entry`);
  }
  for (const field of ['shift_factor', 'latents_mean', 'latents_std']) {
    if (c[field] !== undefined && c[field] !== null) throw refuse(field, 'the PixArt pipeline only divides the latents by scaling_factor, so this VAE would decode wrong colours');
  }
  const scaling = c.scaling_factor ?? 0.18215;
  if (typeof scaling !== 'number' || !(scaling > 0 && scaling <= 10)) throw refuse('scaling_factor', 'it must be a number above 0 and at most 10 (PixArt-α\'s VAE: 0.18215)');
}

/** `<componentDir>/config.json`, checked. */
export function readVaeDecoderConfig(componentDir: string): VaeDecoderConfig {
  const file = join(componentDir, 'config.json');
  const { obj: c, text } = readConfigObject(file, 'vae', VaeConfigError);
  const blockOutChannels = blockWidths(c, file);
  refuseUnimplemented(c, file, blockOutChannels.length);
  const normNumGroups = int(c, file, 'norm_num_groups', 1, MAX_WIDTH, 32);
  const indivisible = blockOutChannels.find((w) => w % normNumGroups !== 0);
  if (indivisible !== undefined) {
    throw new VaeConfigError(`${file}: "norm_num_groups" = ${normNumGroups} does not divide the block width ${indivisible} ("block_out_channels"); group norm needs whole groups.`);
  }
  const outChannels = int(c, file, 'out_channels', 1, MAX_LATENT_CHANNELS, 3);
  if (outChannels !== 3) throw new VaeConfigError(`${file}: "out_channels" is ${outChannels}; the pipeline makes RGB images, so the decoder must have 3.`);
  return {
    blockOutChannels,
    layersPerBlock: int(c, file, 'layers_per_block', 1, MAX_LAYERS_PER_BLOCK, 1),
    normNumGroups,
    latentChannels: int(c, file, 'latent_channels', 1, MAX_LATENT_CHANNELS, 4),
    outChannels,
    midBlockAddAttention: bool(c, file, 'mid_block_add_attention', true),
    usePostQuantConv: bool(c, file, 'use_post_quant_conv', true),
    text,
  };
}
