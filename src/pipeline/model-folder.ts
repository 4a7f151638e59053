// Reads and checks a PixArt model folder (the diffusers/optimum layout of DESIGN.md) without
// compiling anything, so a bad folder is reported at once, naming the file that is wrong.
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';

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

function readJson(file: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ModelFolderError(`${what}: ${file} is missing or unreadable`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new ModelFolderError(`${what}: ${file} is not valid JSON (${(e as Error).message})`);
  }
}

function findModelFile(dir: string, component: string): string {
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

function positiveInt(v: unknown, field: string, file: string, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ModelFolderError(`${file}: "${field}" must be a positive integer, found ${JSON.stringify(v)}`);
  return v;
}

export function readModelFolder(dir: string): ModelFolder {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ModelFolderError(`model folder ${dir} does not exist or is not a folder`);
  const index = join(dir, 'model_index.json');
  if (existsSync(index)) {
    const cls = readJson(index, 'model_index.json')._class_name;
    if (typeof cls === 'string' && !/^PixArt(Alpha)?Pipeline$/.test(cls)) {
      throw new ModelFolderError(`${index}: this is a ${cls} model; PixArt Studio runs PixArtAlphaPipeline models`);
    }
  }
  const schedulerConfigFile = join(dir, 'scheduler', 'scheduler_config.json');
  if (!existsSync(schedulerConfigFile)) throw new ModelFolderError(`scheduler: ${schedulerConfigFile} is missing`);
  const tokenizerDir = join(dir, 'tokenizer');
  if (!existsSync(join(tokenizerDir, 'tokenizer.json'))) {
    throw new ModelFolderError(`tokenizer: ${join(tokenizerDir, 'tokenizer.json')} is missing (the converter in models/ writes it from spiece.model)`);
  }
  const tcFile = join(dir, 'transformer', 'config.json');
  const tc = readJson(tcFile, 'transformer');
  const inChannels = positiveInt(tc.in_channels, 'in_channels', tcFile, 4);
  const transformer: TransformerConfig = {
    sampleSize: positiveInt(tc.sample_size, 'sample_size', tcFile),
    inChannels,
    outChannels: positiveInt(tc.out_channels, 'out_channels', tcFile, inChannels * 2),
  };
  const vcFile = join(dir, 'vae_decoder', 'config.json');
  const vc = readJson(vcFile, 'vae_decoder');
  const blocks = Array.isArray(vc.block_out_channels) ? vc.block_out_channels.length : 4;
  const scalingFactor = vc.scaling_factor ?? 0.18215;
  if (typeof scalingFactor !== 'number' || !(scalingFactor > 0)) throw new ModelFolderError(`${vcFile}: "scaling_factor" must be a positive number`);

  let name = basename(dir);
  const manifestFile = join(dir, 'pixart-manifest.json');
  if (existsSync(manifestFile)) {
    const m = readJson(manifestFile, 'manifest');
    const src = m.source as Record<string, unknown> | undefined;
    const source = src?.model_id ?? m.model_id;
    if (typeof source === 'string' && source) name = (source.split('/').pop() ?? source) + (src?.kind === 'random' ? ' (random weights)' : '');
  }
  return {
    dir,
    name,
    textEncoderFile: findModelFile(dir, 'text_encoder'),
    transformerFile: findModelFile(dir, 'transformer'),
    vaeDecoderFile: findModelFile(dir, 'vae_decoder'),
    tokenizerDir,
    schedulerConfigFile,
    transformer,
    vaeScaleFactor: 2 ** (blocks - 1),
    scalingFactor,
  };
}

export const MANIFEST_FILE = 'pixart-manifest.json';

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}

/**
 * Checks a model folder as far as it can be checked without compiling: the layout (as
 * readModelFolder), and, when the converter's manifest is there, that every file it lists is
 * present with its size — and, with `hashes`, its sha256 (slow on multi-GB weights).
 * Returns the problems found, each naming the file; empty when the folder is sound.
 */
export async function verifyModelFolder(dir: string, { hashes = false } = {}): Promise<string[]> {
  try {
    readModelFolder(dir);
  } catch (e) {
    return [(e as Error).message];
  }
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) return [];
  let files: Record<string, { bytes?: number; sha256?: string }>;
  try {
    files = (JSON.parse(readFileSync(manifestPath, 'utf8')) as { files?: typeof files }).files ?? {};
  } catch (e) {
    return [`${manifestPath} is not valid JSON (${(e as Error).message})`];
  }
  const problems: string[] = [];
  for (const [rel, want] of Object.entries(files)) {
    const file = join(dir, rel);
    if (!existsSync(file)) {
      problems.push(`${rel} is listed in the manifest but missing`);
      continue;
    }
    const bytes = statSync(file).size;
    if (want.bytes !== undefined && bytes !== want.bytes) {
      problems.push(`${rel} has ${bytes} bytes, the manifest says ${want.bytes} (an incomplete copy?)`);
    } else if (hashes && want.sha256 && (await sha256(file)) !== want.sha256) {
      problems.push(`${rel} does not match its sha256 in the manifest (the file was changed or damaged)`);
    }
  }
  return problems;
}
