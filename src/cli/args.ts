// Command-line parsing for `pixart generate`: flags to a typed options object, with errors that
// name the flag and what it takes.

export interface CliOptions {
  model: string;
  prompts: string[];
  negativePrompt: string;
  seed: bigint | null;
  steps: number | null;
  guidance: number | null;
  width: number | null;
  height: number | null;
  binning: boolean;
  images: number;
  schedulerConfig: string | null;
  device: string;
  precision: 'f32' | 'auto';
  runtime: 'auto' | 'openvino-node' | 'openvino-c';
  openvinoLib: string | null;
  cacheDir: string | null;
  out: string;
  force: boolean;
}

export const USAGE = `usage: pixart generate --model DIR --prompt TEXT [--prompt TEXT …] --out FILE.png
  [--negative-prompt TEXT] [--seed N] [--steps N] [--guidance X] [--width W --height H]
  [--no-binning] [--images N] [--scheduler-config FILE] [--device CPU|GPU|NPU|AUTO]
  [--precision f32|auto] [--runtime auto|openvino-node|openvino-c] [--openvino-lib PATH]
  [--cache-dir DIR] [--force]
Writes FILE.png (then FILE-2.png, … for more images) with the generation parameters embedded,
and prints one JSON line: files, seed, size, timings.`;

export class UsageError extends Error {}

function int(flag: string, v: string, lo: number, hi: number): number {
  if (!/^-?\d+$/.test(v) || Number(v) < lo || Number(v) > hi) throw new UsageError(`${flag} takes a whole number from ${lo} to ${hi}, got "${v}"`);
  return Number(v);
}

export function parseArgs(argv: string[]): CliOptions {
  const [command, ...rest] = argv;
  if (command !== 'generate') throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  const o: Partial<CliOptions> & { prompts: string[] } = { prompts: [], binning: true, images: 1, device: 'CPU', precision: 'auto', runtime: 'auto', force: false };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--model': o.model = value(); break;
      case '--prompt': o.prompts.push(value()); break;
      case '--negative-prompt': o.negativePrompt = value(); break;
      case '--seed': {
        const v = value();
        if (v === '-1') o.seed = null;
        else if (/^\d+$/.test(v) && BigInt(v) < 2n ** 64n) o.seed = BigInt(v);
        else throw new UsageError(`--seed takes a whole number from 0 to 18446744073709551615 (or -1 for random), got "${v}"`);
        break;
      }
      case '--steps': o.steps = int(flag, value(), 1, 1000); break;
      case '--guidance': {
        const v = value();
        const g = Number(v);
        if (v.trim() === '' || !Number.isFinite(g) || g < 0) throw new UsageError(`--guidance takes a finite number ≥ 0, got "${v}"`);
        o.guidance = g;
        break;
      }
      case '--width': o.width = int(flag, value(), 8, 4096); break;
      case '--height': o.height = int(flag, value(), 8, 4096); break;
      case '--no-binning': o.binning = false; break;
      case '--images': o.images = int(flag, value(), 1, 16); break;
      case '--scheduler-config': o.schedulerConfig = value(); break;
      case '--device': o.device = value(); break;
      case '--precision': {
        const v = value();
        if (v !== 'f32' && v !== 'auto') throw new UsageError(`--precision takes f32 or auto, got "${v}"`);
        o.precision = v;
        break;
      }
      case '--runtime': {
        const v = value();
        if (v !== 'auto' && v !== 'openvino-node' && v !== 'openvino-c') throw new UsageError(`--runtime takes auto, openvino-node or openvino-c, got "${v}"`);
        o.runtime = v;
        break;
      }
      case '--openvino-lib': o.openvinoLib = value(); break;
      case '--cache-dir': o.cacheDir = value(); break;
      case '--out': o.out = value(); break;
      case '--force': o.force = true; break;
      default: throw new UsageError(`unknown option "${flag}"`);
    }
  }
  if (!o.model) throw new UsageError('--model DIR is required');
  if (o.prompts.length === 0) throw new UsageError('--prompt TEXT is required');
  if (!o.out) throw new UsageError('--out FILE.png is required');
  if (!/\.png$/i.test(o.out)) throw new UsageError(`--out must name a .png file, got "${o.out}"`);
  if ((o.width === undefined) !== (o.height === undefined)) throw new UsageError('give --width and --height together');
  return {
    negativePrompt: '', seed: null, steps: null, guidance: null, width: null, height: null, schedulerConfig: null, openvinoLib: null, cacheDir: null,
    ...o,
  } as CliOptions;
}

/** FILE.png, FILE-2.png, FILE-3.png … */
export function outputFiles(out: string, count: number): string[] {
  const stem = out.replace(/\.png$/i, '');
  return Array.from({ length: count }, (_, i) => (i === 0 ? out : `${stem}-${i + 1}.png`));
}
