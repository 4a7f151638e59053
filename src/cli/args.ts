// Command-line parsing for `pixart generate` (flags to a typed options object; the generation
// values are checked by the one validateGeneration, and each error names its flag), `pixart mcp`
// (load options only) and `pixart info`.
import { join, resolve } from 'node:path';
import { LIMITS, validateGeneration, type GenerationConfig, type RawGenerationConfig } from '../protocol/generation';
import type { ImageFormat } from '../protocol/messages';
import { MEMORY_MODES, type MemoryMode } from '../protocol/memory-mode';

export interface CliOptions {
  model: string;
  prompts: string[];
  /** The flags' generation values (prompt aside: `prompts`); missing steps, guidance and size default to the model's. */
  config: Partial<GenerationConfig>;
  binning: boolean;
  schedulerConfig: string | null;
  device: string;
  precision: 'f32' | 'auto';
  runtime: 'auto' | 'openvino-node' | 'openvino-c';
  openvinoLib: string | null;
  cacheDir: string | null;
  out: string;
  /** Told by --out's extension: .png, .webp, .jpg/.jpeg. */
  format: ImageFormat;
  force: boolean;
}

export const USAGE = `usage: pixart generate --model DIR --prompt TEXT [--prompt TEXT …] --out FILE.png|.webp|.jpg
  [--negative-prompt TEXT] [--seed N] [--steps N] [--guidance X] [--width W --height H]
  [--no-binning] [--images N] [--scheduler-config FILE] [--device CPU|GPU|NPU|AUTO]
  [--precision f32|auto] [--runtime auto|openvino-node|openvino-c] [--openvino-lib PATH]
  [--cache-dir DIR] [--force]
Writes FILE.png (then FILE-2.png, … for more images) with the generation parameters embedded
(PNG: a parameters text chunk; WebP, JPEG: EXIF, as AUTOMATIC1111 writes them), and prints one
JSON line: files, seed, size, timings.

usage: pixart mcp --model DIR [--out DIR] [--memory auto|low|fast] [--device …] [--precision …] [--runtime …]
  [--openvino-lib PATH] [--cache-dir DIR] [--scheduler-config FILE]
An MCP server on stdin/stdout with the tools generate_image and list_images. Images are saved
in --out (default ./assets/generated) or a subfolder of it, never over an existing file. The
model loads on the first generate_image call and stays loaded; calls run one at a time. --memory
low frees the text encoder and the VAE between calls (auto, the default: low below 20 GB of RAM).

usage: pixart info [--json] FILE…
Prints the generation parameters each PNG, WebP or JPEG carries (as stored, or as JSON).`;

export class UsageError extends Error {}

/** Flags that set a generation value, and the config field each sets. */
const CONFIG_FLAGS: Record<string, keyof GenerationConfig> = {
  '--negative-prompt': 'negativePrompt',
  '--seed': 'seed',
  '--steps': 'steps',
  '--guidance': 'guidanceScale',
  '--width': 'width',
  '--height': 'height',
  '--images': 'imagesPerPrompt',
};

type Parsed = Omit<CliOptions, 'config' | 'model' | 'out' | 'format'> & { model?: string; out?: string; raw: RawGenerationConfig };

function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`${flag} takes ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

/** Applies one flag (and its value) to `o`; returns false for an unknown flag. */
function applyFlag(o: Parsed, flag: string, value: () => string): boolean {
  const field = CONFIG_FLAGS[flag];
  if (field) o.raw[field] = value();
  else if (flag === '--model') o.model = value();
  else if (flag === '--prompt') o.prompts.push(value());
  else if (flag === '--no-binning') o.binning = false;
  else if (flag === '--scheduler-config') o.schedulerConfig = value();
  else if (flag === '--device') o.device = value();
  else if (flag === '--precision') o.precision = oneOf(flag, value(), ['f32', 'auto'] as const);
  else if (flag === '--runtime') o.runtime = oneOf(flag, value(), ['auto', 'openvino-node', 'openvino-c'] as const);
  else if (flag === '--openvino-lib') o.openvinoLib = value();
  else if (flag === '--cache-dir') o.cacheDir = value();
  else if (flag === '--out') o.out = value();
  else if (flag === '--force') o.force = true;
  else return false;
  return true;
}

/**
 * The flags' values through validateGeneration, once per prompt. Values the model supplies later
 * (steps, guidance, size) are checked only when given.
 */
function checkConfig(prompts: string[], raw: RawGenerationConfig): Partial<GenerationConfig> {
  const flagOf = (field: string) => Object.keys(CONFIG_FLAGS).find((f) => CONFIG_FLAGS[f] === field) ?? '--prompt';
  const stand = { steps: LIMITS.minSteps, guidanceScale: LIMITS.minGuidance, width: LIMITS.minSide, height: LIMITS.minSide };
  let config: GenerationConfig | undefined;
  for (const prompt of prompts) {
    const v = validateGeneration({ ...stand, ...raw, prompt }, { supportedSizes: [] });
    if (!v.ok) throw new UsageError(`${flagOf(v.errors[0].field)}: ${v.errors[0].message}`);
    config = v.value;
  }
  const { negativePrompt, seed, imagesPerPrompt } = config!;
  const out: Partial<GenerationConfig> = { negativePrompt, seed, imagesPerPrompt };
  for (const field of ['steps', 'guidanceScale', 'width', 'height'] as const) if (field in raw) out[field] = config![field];
  return out;
}

/** Every flag of `rest` applied to the defaults; `refuse` may reject a flag first (a message, or null to take it). */
function readFlags(rest: string[], refuse: (flag: string) => string | null = () => null): Parsed {
  const o: Parsed = { prompts: [], raw: {}, binning: true, device: 'CPU', precision: 'auto', runtime: 'auto', force: false, schedulerConfig: null, openvinoLib: null, cacheDir: null };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const refused = refuse(flag);
    if (refused) throw new UsageError(refused);
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (!applyFlag(o, flag, value)) throw new UsageError(`unknown option "${flag}"`);
  }
  return o;
}

export function parseArgs(argv: string[]): CliOptions {
  const [command, ...rest] = argv;
  if (command !== 'generate') throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  const o = readFlags(rest);
  if (!o.model) throw new UsageError('--model DIR is required');
  if (o.prompts.length === 0) throw new UsageError('--prompt TEXT is required');
  if (!o.out) throw new UsageError('--out FILE.png is required');
  const format = outputFormat(o.out);
  if (('width' in o.raw) !== ('height' in o.raw)) throw new UsageError('give --width and --height together');
  const { raw, ...options } = o;
  return { ...options, model: o.model, out: o.out, format, config: checkConfig(o.prompts, raw) };
}

/** `pixart mcp`: the model and how to load it, and the output folder; generation values come with each call. */
export type McpOptions = Pick<CliOptions, 'model' | 'schedulerConfig' | 'device' | 'precision' | 'runtime' | 'openvinoLib' | 'cacheDir'> & {
  /** Absolute; images go here or into a subfolder of it. */
  out: string;
  /** How much the loaded model may hold between calls (--memory, default auto). */
  memory: MemoryMode;
};

/** Flags of `pixart generate` that are per image, not per server: generate_image takes them per call. */
const PER_CALL_FLAGS = new Set([...Object.keys(CONFIG_FLAGS), '--prompt']);

function refuseForMcp(flag: string): string | null {
  if (PER_CALL_FLAGS.has(flag)) return `${flag} is not a server option: generate_image takes it with each call`;
  if (flag === '--force') return '--force is not a server option: the MCP server never overwrites a file';
  if (flag === '--no-binning') return '--no-binning is not a server option: the server offers the sizes the model can run';
  return null;
}

/** `pixart mcp --model DIR [--out DIR] [load options]`; --out defaults to assets/generated in the current folder. */
export function parseMcpArgs(argv: string[]): McpOptions {
  let memory: MemoryMode = 'auto';
  const i = argv.indexOf('--memory');
  if (i >= 0) {
    if (argv[i + 1] === undefined) throw new UsageError('--memory needs a value');
    memory = oneOf('--memory', argv[i + 1], MEMORY_MODES);
    argv = [...argv.slice(0, i), ...argv.slice(i + 2)];
  }
  const o = readFlags(argv, refuseForMcp);
  if (!o.model) throw new UsageError('--model DIR is required');
  const { model, schedulerConfig, device, precision, runtime, openvinoLib, cacheDir } = o;
  return { model, schedulerConfig, device, precision, runtime, openvinoLib, cacheDir, out: resolve(o.out ?? join('assets', 'generated')), memory };
}

const OUT_EXTENSION = /\.(png|webp|jpe?g)$/i;

/** The format --out's extension names (.png, .webp, .jpg, .jpeg); a UsageError for any other. */
export function outputFormat(out: string): ImageFormat {
  const ext = OUT_EXTENSION.exec(out)?.[1].toLowerCase();
  if (!ext) throw new UsageError(`--out must name a .png, .webp or .jpg file, got "${out}"`);
  return ext === 'jpg' || ext === 'jpeg' ? 'jpeg' : (ext as ImageFormat);
}

/** FILE.png, FILE-2.png, FILE-3.png … (in --out's own extension). */
export function outputFiles(out: string, count: number): string[] {
  const ext = OUT_EXTENSION.exec(out)?.[0] ?? '';
  const stem = out.slice(0, out.length - ext.length);
  return Array.from({ length: count }, (_, i) => (i === 0 ? out : `${stem}-${i + 1}${ext}`));
}

export interface InfoOptions {
  files: string[];
  json: boolean;
}

/** `pixart info [--json] FILE…` (after `--`, every argument is a file). */
export function parseInfoArgs(argv: string[]): InfoOptions {
  const o: InfoOptions = { files: [], json: false };
  let flags = true;
  for (const a of argv) {
    if (flags && a === '--') flags = false;
    else if (flags && a === '--json') o.json = true;
    else if (flags && a.startsWith('-') && a !== '-') throw new UsageError(`unknown option "${a}"`);
    else o.files.push(a);
  }
  if (o.files.length === 0) throw new UsageError('pixart info needs at least one FILE');
  return o;
}
