// pixart-manifest.json for a built model, in the converter's format_version 1
// (models/pixart_convert/folder.py): where the model came from, how it was built, each component's
// file, precision and ports, and the sha256 and size of every file, so a damaged or incomplete
// copy is told from a sound one (verifyModelFolder in src/pipeline/model-folder-check.ts). A model
// assembled from a transformer and a base records both sources (`source`, `source.base`).
import { createReadStream, readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, relative, sep } from 'node:path';
import { MANIFEST_FILE } from '../pipeline/model-folder';
import { OWNER_FILE } from './stale-partials';
import { writeFileAtomic } from '../image/atomic-write';
import { version as BUILDER_VERSION } from '../../package.json';

/** A model port as the manifest lists it (-1: dynamic). */
export interface PortSpec {
  name: string;
  type: string;
  shape: number[];
}

export interface ManifestComponent {
  file: string;
  /** The converter's names: fp32, fp16, bf16, int8, int4. */
  precision: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
}

export interface ManifestSource {
  repo?: string;
  revision?: string;
  commit?: string;
}

export interface ManifestInput {
  source: ManifestSource;
  /** The checkpoint folder the model was built from (absolute); with a base, the one its transformer came from. */
  folder: string;
  /** The second source, when the transformer came from `folder` and every other part from here. */
  base?: { source: ManifestSource; folder: string; parts: string[] };
  components: Record<string, ManifestComponent>;
  /** Parts of the checkpoint left unbuilt, and where their weights are. */
  notBuilt: Record<string, NotBuilt>;
}

/** A part of the checkpoint the model does not include yet. */
export interface NotBuilt {
  /** The safetensors files holding its weights, relative to the folder they came from (the base's, when there is one). */
  weights: string[];
  /** Its tensors' names. */
  tensors: string[];
  why: string;
}

export interface FileEntry {
  sha256: string;
  bytes: number;
}

export interface HashOptions {
  signal?: AbortSignal;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

/** Every file under `dir` but the manifest, as posix paths relative to it, sorted. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.isFile()) out.push(relative(dir, join(d, e.name)).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.filter((f) => f !== MANIFEST_FILE && f !== OWNER_FILE).sort();
}

/** sha256 and size of every file, read in 4 MB chunks (weights are gigabytes). */
export async function hashFiles(dir: string, { signal, onProgress }: HashOptions = {}): Promise<Record<string, FileEntry>> {
  const files = listFiles(dir);
  const total = files.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  const entries: Record<string, FileEntry> = {};
  let done = 0;
  for (const file of files) {
    const h = createHash('sha256');
    let bytes = 0;
    for await (const chunk of createReadStream(join(dir, file), { highWaterMark: 4 << 20 })) {
      signal?.throwIfAborted();
      h.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      onProgress?.((done += (chunk as Buffer).length), total);
    }
    entries[file] = { sha256: h.digest('hex'), bytes };
  }
  if (total === 0) onProgress?.(0, 0);
  return entries;
}

/**
 * The inputs of an IR written by IrGraph (Parameters carry their name, type and shape) and, per
 * output, the tensor names of the port it reads. Output types and shapes are not in the XML
 * (OpenVINO infers them when it reads the model), so the caller states them and checks the names.
 */
export function irPorts(xmlFile: string): { inputs: PortSpec[]; outputNames: string[][] } {
  const xml = readFileSync(xmlFile, 'utf8');
  const layers = new Map<string, { type: string; body: string }>();
  for (const m of xml.matchAll(/<layer id="(\d+)" name="[^"]*" type="(\w+)"[^>]*>([\s\S]*?)<\/layer>/g)) layers.set(m[1], { type: m[2], body: m[3] });
  const inputs: PortSpec[] = [];
  for (const { type, body } of layers.values()) {
    if (type !== 'Parameter') continue;
    const data = /<data shape="([^"]*)" element_type="(\w+)"/.exec(body);
    const name = /names="([^",]*)/.exec(body);
    if (!data || !name) throw new Error(`${xmlFile}: a Parameter without a name, shape or type`);
    inputs.push({ name: name[1], type: data[2], shape: data[1] === '' ? [] : data[1].split(',').map((d) => (d === '?' ? -1 : Number(d))) });
  }
  const outputNames: string[][] = [];
  for (const m of xml.matchAll(/<edge from-layer="(\d+)" from-port="(\d+)" to-layer="(\d+)" to-port="0" \/>/g)) {
    if (layers.get(m[3])?.type !== 'Result') continue;
    const port = new RegExp(`<port id="${m[2]}" precision="[^"]*" names="([^"]*)"`).exec(layers.get(m[1])?.body ?? '');
    outputNames.push(port ? port[1].split(',') : []);
  }
  return { inputs, outputNames };
}

/** What the manifest records of one built component; `outputs` are what the builder makes. */
export function describeComponent(dir: string, component: string, precision: string, outputs: PortSpec[]): ManifestComponent {
  const file = `${component}/openvino_model.xml`;
  const { inputs, outputNames } = irPorts(join(dir, file));
  if (outputNames.length !== outputs.length || outputs.some((o, i) => !outputNames[i].includes(o.name))) {
    throw new Error(`${join(dir, file)}: outputs ${outputNames.map((n) => n.join('/')).join(', ')}, expected ${outputs.map((o) => o.name).join(', ')} (a builder bug)`);
  }
  const names: Record<string, string> = { f32: 'fp32', f16: 'fp16' };
  return { file, precision: names[precision] ?? precision, inputs, outputs };
}

/** A source's repo, revision and commit, those it has. */
function sourceFields({ repo, revision, commit }: ManifestSource): ManifestSource {
  return { ...(repo ? { repo } : {}), ...(revision ? { revision } : {}), ...(commit ? { commit } : {}) };
}

/** Writes `dir/pixart-manifest.json`; `measure` gives the build's seconds and peak RSS, hashing included. */
export async function writeManifest(dir: string, input: ManifestInput, measure: () => { seconds: number; peakRssGb: number }, options: HashOptions = {}): Promise<object> {
  const files = await hashFiles(dir, options);
  const build = measure();
  const base = input.base ? { base: { ...sourceFields(input.base.source), folder: input.base.folder, parts: input.base.parts } } : {};
  const manifest = {
    format: 'pixart-studio-model',
    format_version: 1,
    // model_id is what format-1 readers show as the model's name (modelName in model-folder.ts): the transformer's repo.
    source: { kind: 'diffusers', ...(input.source.repo ? { model_id: input.source.repo } : {}), ...sourceFields(input.source), folder: input.folder, ...base },
    builder: { name: 'pixart-studio build-model', version: BUILDER_VERSION, seconds: Math.round(build.seconds * 10) / 10, peak_rss_gb: Math.round(build.peakRssGb * 100) / 100 },
    created: new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00'),
    components: input.components,
    not_built: input.notBuilt,
    transformer_sizes: 'dynamic',
    files,
  };
  writeFileAtomic(join(dir, MANIFEST_FILE), new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
  return manifest;
}
