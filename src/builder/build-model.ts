// Builds a PixArt-α or -Σ model folder (DESIGN.md, "The model folder") from a diffusers checkpoint,
// in TypeScript: model_index.json, the scheduler and tokenizer as they are, the three networks built
// from their safetensors, and pixart-manifest.json. The checkpoint is one folder, or a transformer
// from one folder and the other parts from a base (build-model-sources.ts). Everything is checked first, then built in
// `<out>.partial-<hex>/` beside the output and renamed to it at the end, so a failed or cancelled
// build leaves nothing, and an existing folder is never replaced. A build killed outright (SIGKILL,
// a crash, a power cut) cannot clean up: the next build of the same output removes the partial
// folders whose builder is gone (`stale-partials.ts`).
import { copyFileSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { BASE_PARTS, checkpointFolders, isAssembled, partPath, type CheckpointFolders } from './build-model-sources';
import { makeFolder } from '../image/atomic-write';
import { markOwner, OWNER_FILE, removeStalePartials } from './stale-partials';
import { Checkpoint } from './safetensors';
import { writeTokenizer } from './build-model-tokenizer';
import { buildVaeDecoder } from './vae-decoder';
import { buildT5Encoder } from './t5-encoder';
import { buildPixArtTransformer } from './pixart-transformer';
import { CONFIG_JSON, type ComponentBuild } from './build-model-files';
import { BuildModelError, checkDisk, checkOutput, checkSource, estimateBytes, type ModelWeights, type TextEncoderWeights, type TransformerWeights } from './build-model-checks';
import { describeComponent, writeManifest, type ManifestComponent, type ManifestInput, type ManifestSource, type NotBuilt, type PortSpec } from './manifest';

export { BuildModelError, type ModelWeights } from './build-model-checks';

export type BuildPhase = 'checking' | 'vae_decoder' | 'text_encoder' | 'transformer' | 'hashing';

export interface BuildModelOptions {
  /** A diffusers PixArt checkpoint folder (model_index.json, scheduler/, tokenizer/, text_encoder/, transformer/, vae/); with `base`, the folder whose transformer/ is built. */
  from: string;
  /** The folder the other parts come from (model_index.json, scheduler/, tokenizer/, text_encoder/, vae/), when `from` gives only the transformer. */
  base?: string;
  /** The pipeline class the model is for, when it is not the one the base's model_index.json names (written into the model's). */
  pipeline?: string;
  /** The model folder to create: new, or an empty folder. */
  out: string;
  weights: ModelWeights;
  signal?: AbortSignal;
  /** Each phase's progress: tensors for the networks, bytes for hashing. */
  onProgress?: (phase: BuildPhase, done: number, total: number) => void;
  /** Where the checkpoint (with `base`: the transformer) came from, for the manifest. */
  source?: ManifestSource;
  /** Where the base came from, for the manifest. */
  baseSource?: ManifestSource;
}

export interface BuiltModel {
  dir: string;
  manifest: object;
  seconds: number;
  peakRssGb: number;
}

export const TEXT_ENCODER_WEIGHTS: readonly TextEncoderWeights[] = ['int8', 'int4', 'f16', 'f32'];
export const TRANSFORMER_WEIGHTS: readonly TransformerWeights[] = ['f32', 'f16', 'bf16'];

function checkWeights(w: ModelWeights): void {
  if (!TEXT_ENCODER_WEIGHTS.includes(w?.text_encoder)) throw new BuildModelError(`weights.text_encoder must be one of ${TEXT_ENCODER_WEIGHTS.join(', ')}, found ${JSON.stringify(w?.text_encoder)}`);
  if (!TRANSFORMER_WEIGHTS.includes(w?.transformer)) throw new BuildModelError(`weights.transformer must be one of ${TRANSFORMER_WEIGHTS.join(', ')}, found ${JSON.stringify(w?.transformer)}`);
}

function copyNew(from: string, to: string): void {
  if (!existsSync(dirname(to))) mkdirSync(dirname(to)); // one level, inside the fresh staging folder
  copyFileSync(from, to, constants.COPYFILE_EXCL);
}

/** The base's model_index.json as it is, or with `_class_name` set to `pipeline` when that names another class. */
function writeModelIndex(from: string, to: string, pipeline: string | undefined): void {
  const index = JSON.parse(readFileSync(from, 'utf8')) as Record<string, unknown>;
  if (!pipeline || index._class_name === pipeline) return copyNew(from, to);
  writeFileSync(to, `${JSON.stringify({ ...index, _class_name: pipeline }, null, 2)}\n`, { flag: 'wx' });
}

/** model_index.json and the scheduler config, byte for byte (diffusers' JSON may hold -Infinity), and the tokenizer. */
function copyMetadata(f: CheckpointFolders, staging: string, pipeline: string | undefined): void {
  writeModelIndex(partPath(f, 'model_index.json'), join(staging, 'model_index.json'), pipeline);
  copyNew(join(partPath(f, 'scheduler'), 'scheduler_config.json'), join(staging, 'scheduler', 'scheduler_config.json'));
  writeTokenizer(f.base, staging);
}

function readConfig(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

function dimOf(v: unknown): number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : -1;
}

/** The outputs each builder makes (the IR's XML carries names only; OpenVINO infers types and shapes). */
function componentOutputs(f: CheckpointFolders): Record<string, PortSpec[]> {
  const t5 = readConfig(join(partPath(f, 'text_encoder'), CONFIG_JSON));
  const tr = readConfig(join(partPath(f, 'transformer'), CONFIG_JSON));
  const outChannels = dimOf(tr.out_channels ?? tr.in_channels ?? 4);
  return {
    text_encoder: [{ name: 'last_hidden_state', type: 'f32', shape: [-1, -1, dimOf(t5.d_model)] }],
    transformer: [{ name: 'sample', type: 'f32', shape: [-1, outChannels, -1, -1] }],
    vae_decoder: [{ name: 'sample', type: 'f32', shape: [-1, 3, -1, -1] }],
  };
}

interface Step {
  component: 'vae_decoder' | 'text_encoder' | 'transformer';
  sourceDir: string;
  precision: string;
  build: (outDir: string, onProgress: (done: number, total: number) => void) => Promise<ComponentBuild>;
}

function steps(f: CheckpointFolders, weights: ModelWeights, signal: AbortSignal | undefined): Step[] {
  const [vae, t5, transformer] = [partPath(f, 'vae'), partPath(f, 'text_encoder'), partPath(f, 'transformer')];
  return [
    { component: 'vae_decoder', sourceDir: vae, precision: 'f32', build: (dir, onProgress) => buildVaeDecoder(vae, dir, { signal, onProgress }) },
    { component: 'text_encoder', sourceDir: t5, precision: weights.text_encoder, build: (dir, onProgress) => buildT5Encoder(t5, dir, { weights: weights.text_encoder, signal, onProgress }) },
    { component: 'transformer', sourceDir: transformer, precision: weights.transformer, build: (dir, onProgress) => buildPixArtTransformer(transformer, dir, { weights: weights.transformer, signal, onProgress }) },
  ];
}

/** Builds the three networks into `staging`; returns what the manifest says of each. */
async function buildNetworks(o: BuildModelOptions, f: CheckpointFolders, staging: string): Promise<Record<string, ManifestComponent>> {
  const outputs = componentOutputs(f);
  const components: Record<string, ManifestComponent> = {};
  for (const step of steps(f, o.weights, o.signal)) {
    const dir = join(staging, step.component);
    await step.build(dir, (done, total) => o.onProgress?.(step.component, done, total));
    o.signal?.throwIfAborted();
    // Each builder writes its config.json; one that does not gets the checkpoint's, as is.
    if (!existsSync(join(dir, CONFIG_JSON))) copyNew(join(step.sourceDir, CONFIG_JSON), join(dir, CONFIG_JSON));
    components[step.component] = describeComponent(staging, step.component, step.precision, outputs[step.component]);
  }
  return components;
}

/** Where the VAE encoder's weights are (relative to the base): image-to-image will build it from there. */
function vaeEncoderWeights(f: CheckpointFolders): NotBuilt {
  const checkpoint = Checkpoint.open(partPath(f, 'vae'));
  try {
    const files = new Set(checkpoint.names().filter((n) => /^(encoder|quant_conv)\./.test(n)).map((n) => relative(f.base, checkpoint.info(n).file).split(sep).join('/')));
    return { weights: [...files].sort(), tensors: ['encoder.*', 'quant_conv.*'], why: 'image-to-image is not built yet' };
  } finally {
    checkpoint.close();
  }
}

/** Renames the finished staging folder to `out`, which must still be new or empty (rmdir refuses a non-empty one). */
function publishFolder(staging: string, out: string): void {
  rmSync(join(staging, OWNER_FILE), { force: true });
  if (existsSync(out)) {
    checkOutput(out);
    rmdirSync(out);
  }
  renameSync(staging, out);
}

/** What the manifest says of the source: the checkpoint folder, and with a base, the base and the parts it gave. */
function manifestSources(o: BuildModelOptions, f: CheckpointFolders): Pick<ManifestInput, 'source' | 'folder' | 'base'> {
  const base = isAssembled(f) ? { base: { source: o.baseSource ?? {}, folder: f.base, parts: [...BASE_PARTS] } } : {};
  return { source: o.source ?? {}, folder: f.transformer, ...base };
}

/** Builds the model folder `o.out` from the checkpoint `o.from` (with `o.base`: its transformer, the rest from the base). */
export async function buildModel(o: BuildModelOptions): Promise<BuiltModel> {
  const t0 = performance.now();
  const folders = checkpointFolders(o.from, o.base);
  const out = resolve(o.out);
  checkWeights(o.weights);
  o.onProgress?.('checking', 0, 1);
  checkSource(folders, o.pipeline);
  checkOutput(out);
  checkDisk(out, estimateBytes(folders, o.weights));
  o.signal?.throwIfAborted();
  await makeFolder(dirname(out));
  removeStalePartials(out);
  const staging = join(dirname(out), `${basename(out)}.partial-${randomBytes(6).toString('hex')}`);
  mkdirSync(staging);
  markOwner(staging);
  try {
    copyMetadata(folders, staging, o.pipeline);
    const components = await buildNetworks(o, folders, staging);
    const measure = () => ({ seconds: (performance.now() - t0) / 1000, peakRssGb: process.resourceUsage().maxRSS / 1024 ** 2 });
    const manifest = await writeManifest(staging, { ...manifestSources(o, folders), components, notBuilt: { vae_encoder: vaeEncoderWeights(folders) } }, measure, {
      signal: o.signal,
      onProgress: (done, total) => o.onProgress?.('hashing', done, total),
    });
    o.signal?.throwIfAborted();
    publishFolder(staging, out);
    return { dir: out, manifest, ...measure() };
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}
