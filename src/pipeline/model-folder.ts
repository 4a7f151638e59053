// Reads and checks a PixArt model folder (the diffusers/optimum layout of DESIGN.md) without
// compiling anything, so a bad folder is reported at once, naming the file that is wrong.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LIMITS } from '../protocol/generation';
import { PIXART_ALPHA, familyNamed, supportedFamilies, type PipelineFamily } from './family';

export class ModelFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFolderError';
  }
}

export interface TransformerConfig {
  sampleSize: number;
  inChannels: number;
  outChannels: number;
}

export interface ModelFolder {
  dir: string;
  /** The source model id from the converter's manifest, else the folder's name. */
  name: string;
  /** The pipeline model_index.json names (PixArt-α when it names none). */
  family: PipelineFamily;
  textEncoderFile: string;
  transformerFile: string;
  vaeDecoderFile: string;
  tokenizerDir: string;
  schedulerConfigFile: string;
  transformer: TransformerConfig;
  /** 2^(len(vae.block_out_channels) − 1): pixels per latent. */
  vaeScaleFactor: number;
  /** vae.config.scaling_factor */
  scalingFactor: number;
}

/** Model files we can load, in order of preference: OpenVINO IR first, then ONNX. */
const MODEL_FILES = ['openvino_model.xml', 'model.xml', 'model.onnx'];
export const MANIFEST_FILE = 'pixart-manifest.json';

/** A config.json is a few kB; a larger file is not one, and would be read whole. */
const MAX_CONFIG_BYTES = 1 << 20;

export function readJson(file: string, what: string): Record<string, unknown> {
  const bytes = existsSync(file) ? statSync(file).size : 0;
  if (bytes > MAX_CONFIG_BYTES) throw new ModelFolderError(`${what}: ${file} is ${bytes} bytes, too large for a config file (at most ${MAX_CONFIG_BYTES})`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ModelFolderError(`${what}: ${file} is missing or unreadable`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ModelFolderError(`${what}: ${file} is not valid JSON (${(e as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ModelFolderError(`${what}: ${file} must hold a JSON object`);
  return value as Record<string, unknown>;
}

export function findModelFile(dir: string, component: string): string {
  const sub = join(dir, component);
  for (const name of MODEL_FILES) {
    const file = join(sub, name);
    if (existsSync(file)) {
      if (name.endsWith('.xml') && !existsSync(file.replace(/\.xml$/, '.bin'))) {
        throw new ModelFolderError(`${component}: ${file} has no weights file beside it (${basename(file, '.xml')}.bin)`);
      }
      return file;
    }
  }
  throw new ModelFolderError(`${component}: no model file in ${sub} (expected one of ${MODEL_FILES.join(', ')})`);
}

// Bounds of the config.json fields that size the latents, the sizes offered and the VAE's scale, so
// a wrong value is refused here, naming the file and the field, not met as an allocation or a loop.
/** Latent channels: PixArt and SD have 4, SD3 and Flux 16. */
const MAX_LATENT_CHANNELS = 64;
/** 2^(blocks − 1) pixels per latent: AutoencoderKL has 4 blocks (8 pixels). */
const MAX_VAE_BLOCKS = 6;
/** vae.config.scaling_factor: α 0.18215, SDXL 0.13025, SD3 1.5305. */
const MAX_SCALING_FACTOR = 10;

function show(v: unknown): string {
  if (typeof v === 'number') return String(v);
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** A whole number from 1 to `max`; `why` explains max. */
function positiveInt(obj: Record<string, unknown>, field: string, file: string, max: number, why: string, fallback?: number): number {
  const v = obj[field];
  if (v === undefined && fallback !== undefined) return fallback;
  const range = `accepted: 1 to ${max}${why}`;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ModelFolderError(`${file}: "${field}" must be a positive integer, found ${show(v)} (${range})`);
  if (v > max) throw new ModelFolderError(`${file}: "${field}" = ${show(v)} is too large (${range})`);
  return v;
}

/** vae_decoder/config.json: pixels per latent (from block_out_channels) and scaling_factor. */
export function readVaeConfig(file: string): { vaeScaleFactor: number; scalingFactor: number } {
  const vc = readJson(file, 'vae_decoder');
  const widths = vc.block_out_channels ?? null;
  const blocks = widths === null ? 4 : Array.isArray(widths) ? widths.length : 0; // diffusers' default has 4
  if (blocks < 1 || blocks > MAX_VAE_BLOCKS) {
    const found = Array.isArray(widths) ? `${blocks} entries` : show(widths);
    throw new ModelFolderError(`${file}: "block_out_channels" must list 1 to ${MAX_VAE_BLOCKS} block widths (2^(n−1) pixels per latent, at most ${2 ** (MAX_VAE_BLOCKS - 1)}), found ${found}`);
  }
  const scalingFactor = vc.scaling_factor ?? 0.18215;
  if (typeof scalingFactor !== 'number' || !(scalingFactor > 0 && scalingFactor <= MAX_SCALING_FACTOR)) {
    throw new ModelFolderError(`${file}: "scaling_factor" must be a number above 0 and at most ${MAX_SCALING_FACTOR} (PixArt-α's VAE: 0.18215), found ${show(scalingFactor)}`);
  }
  return { vaeScaleFactor: 2 ** (blocks - 1), scalingFactor };
}

/** transformer/config.json: sample_size (its side in latents, within LIMITS.maxSide pixels) and channels. */
export function readTransformerConfig(file: string, vaeScaleFactor: number): TransformerConfig {
  const tc = readJson(file, 'transformer');
  const maxSample = Math.floor(LIMITS.maxSide / vaeScaleFactor);
  const sampleSize = positiveInt(tc, 'sample_size', file, maxSample, `; × ${vaeScaleFactor} pixels per latent, at most ${LIMITS.maxSide} pixels`);
  const inChannels = positiveInt(tc, 'in_channels', file, MAX_LATENT_CHANNELS, ' latent channels', 4);
  const outChannels = positiveInt(tc, 'out_channels', file, 2 * MAX_LATENT_CHANNELS, '', inChannels * 2);
  if (outChannels !== inChannels && outChannels !== 2 * inChannels) {
    throw new ModelFolderError(`${file}: "out_channels" must be in_channels (${inChannels}) or, with learned sigma, 2 × in_channels (${2 * inChannels}), found ${outChannels}`);
  }
  return { sampleSize, inChannels, outChannels };
}

/** The source model id from the converter's manifest, else the folder's name. */
function modelName(dir: string): string {
  const manifestFile = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestFile)) return basename(dir);
  const m = readJson(manifestFile, 'manifest');
  const src = m.source as Record<string, unknown> | undefined;
  const source = src?.model_id ?? m.model_id;
  if (typeof source !== 'string' || !source) return basename(dir);
  return (source.split('/').pop() ?? source) + (src?.kind === 'random' ? ' (random weights)' : '');
}

/**
 * The pipeline family model_index.json's `_class_name` names. A folder without the file or the
 * field is PixArt-α's (older converter output); a class no family runs is refused.
 */
export function readFamily(index: string): PipelineFamily {
  if (!existsSync(index)) return PIXART_ALPHA;
  const cls = readJson(index, 'model_index.json')._class_name;
  if (typeof cls !== 'string') return PIXART_ALPHA;
  const family = familyNamed(cls);
  const named = cls.length > 60 ? `${cls.slice(0, 57)}...` : cls;
  if (!family) throw new ModelFolderError(`${index}: this is a ${named} model (its "_class_name"); PixArt Studio runs ${supportedFamilies()} models.`);
  return family;
}

/** scheduler/scheduler_config.json, which must exist. */
export function schedulerConfigOf(dir: string): string {
  const file = join(dir, 'scheduler', 'scheduler_config.json');
  if (!existsSync(file)) throw new ModelFolderError(`scheduler: ${file} is missing`);
  return file;
}

/** tokenizer/, which must hold tokenizer.json. */
export function tokenizerDirOf(dir: string): string {
  const tokenizerDir = join(dir, 'tokenizer');
  const file = join(tokenizerDir, 'tokenizer.json');
  if (!existsSync(file)) throw new ModelFolderError(`tokenizer: ${file} is missing (Download Model… and pixart build-model write it from spiece.model)`);
  return tokenizerDir;
}

export function readModelFolder(dir: string): ModelFolder {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ModelFolderError(`model folder ${dir} does not exist or is not a folder`);
  const family = readFamily(join(dir, 'model_index.json'));
  const schedulerConfigFile = schedulerConfigOf(dir);
  const tokenizerDir = tokenizerDirOf(dir);
  const { vaeScaleFactor, scalingFactor } = readVaeConfig(join(dir, 'vae_decoder', 'config.json'));
  const transformer = readTransformerConfig(join(dir, 'transformer', 'config.json'), vaeScaleFactor);
  return {
    dir,
    name: modelName(dir),
    family,
    textEncoderFile: findModelFile(dir, 'text_encoder'),
    transformerFile: findModelFile(dir, 'transformer'),
    vaeDecoderFile: findModelFile(dir, 'vae_decoder'),
    tokenizerDir,
    schedulerConfigFile,
    transformer,
    vaeScaleFactor,
    scalingFactor,
  };
}

/** What a model file is, judged by its input names as diffusers' exports name them. */
export function modelKind(inputs: readonly string[]): string | null {
  const has = (name: string) => inputs.includes(name);
  if (has('hidden_states') && has('timestep')) return 'transformer';
  if (has('sample') && has('timestep')) return 'UNet';
  if (has('latents') || has('latent_sample')) return 'VAE decoder';
  if (has('sample')) return 'VAE encoder';
  if (has('input_ids')) return 'text encoder';
  return null;
}

/**
 * A model lacks an input it needs. When its inputs tell it is another `expected` kind of model (a
 * transformer in vae_decoder/), the message says so: the folder holds the wrong network.
 */
export function missingInputError(file: string, name: string, inputs: readonly string[], expected?: string): ModelFolderError {
  const base = `${file}: the model has no input "${name}" (inputs: ${inputs.join(', ') || 'none'})`;
  const kind = inputs.length ? modelKind(inputs) : 'empty';
  if (!expected || !kind || kind === expected) return new ModelFolderError(base);
  return new ModelFolderError(
    `${base}: it looks like ${kind === 'empty' ? 'an empty model' : `a ${kind} model`}, not a ${expected}. ` +
      'Each of text_encoder/, transformer/ and vae_decoder/ holds its own network (models/convert.py writes them so).',
  );
}

/** The micro-conditions a PixArt transformer may take (diffusers' added_cond_kwargs). */
export const MICRO_CONDITIONS = ['resolution', 'aspect_ratio'] as const;

/**
 * A transformer that takes micro-conditions the pipeline will not feed: its family feeds them only
 * at sample_size `fedAtSampleSize` (null: never, as PixArt-Σ) and config.json says another, so the
 * IR was converted with another config.json (or for another family), and the first image would
 * fail on a missing input.
 */
export function checkMicroConditions(folder: ModelFolder, transformerInputs: readonly string[], fedAtSampleSize: number | null): void {
  const declared = MICRO_CONDITIONS.filter((name) => transformerInputs.includes(name));
  const { sampleSize } = folder.transformer;
  if (!declared.length || sampleSize === fedAtSampleSize) return;
  const config = join(folder.dir, 'transformer', 'config.json');
  if (fedAtSampleSize === null) {
    throw new ModelFolderError(
      `${folder.transformerFile} takes ${declared.join(' and ')}, which ${folder.family.className} never feeds (its transformers have use_additional_conditions false): ` +
        `the model is not a ${folder.family.label} transformer. Build or convert it again from the ${folder.family.label} checkpoint, whose ${config} it should match.`,
    );
  }
  throw new ModelFolderError(
    `${config}: "sample_size" is ${sampleSize}, but ${folder.transformerFile} takes ${declared.join(' and ')}, ` +
      `which are fed only at sample_size ${fedAtSampleSize}: config.json and the model disagree. Use the config.json the model was converted with, or convert it again (models/convert.py).`,
  );
}
