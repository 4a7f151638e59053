// The arguments of one run phase, shared by bench/run-once.ts and (in the same spelling) bench/anchor.py.
export interface RunArgs {
  model: string;
  phase: 'cold' | 'warm';
  cacheDir: string;
  /** 0×0 for --size auto: the model's static size, or 512×512 for a model that runs any size. */
  width: number;
  height: number;
  steps: number;
  seed: number;
  precision: 'f32' | 'auto';
  /** null: the model's default (0 for LCM, 4.5 for PixArt-XL-2). */
  guidance: number | null;
  prompt: string;
  /** After the images, T5 encodes this prompt once (warm, not in the embedding cache): what a changed prompt costs. */
  newPrompt: string;
  generations: number;
  device: string;
  /** Ours only: LoadOptions.releaseTextEncoder. */
  releaseTextEncoder: boolean;
  /** Where the warm phase writes the last image's raw 8-bit RGB (for comparing implementations). */
  imageOut: string | null;
}

export const DEFAULT_PROMPT = 'A small cactus with a happy face in the Sahara desert.';
/** Tokenized to about DEFAULT_PROMPT's length (29 and 27 tokens with T5's tokenizer: both run as 32), so its encode does the same work. */
export const NEW_PROMPT = 'A small robot with a sad face in the Arctic snow.';

export function parseRunArgs(argv: string[]): RunArgs {
  const a: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}: expected --name value pairs`);
    a[argv[i].slice(2)] = argv[i + 1];
  }
  const need = (k: string) => {
    if (a[k] === undefined) throw new Error(`--${k} is required`);
    return a[k];
  };
  const size = need('size');
  const [width, height] = size === 'auto' ? [0, 0] : size.split('x').map(Number);
  if (!(width >= 0 && height >= 0)) throw new Error(`--size WIDTHxHEIGHT or auto, got ${size}`);
  const phase = need('phase');
  if (phase !== 'cold' && phase !== 'warm') throw new Error(`--phase cold|warm, got ${phase}`);
  const precision = a.precision ?? 'f32';
  if (precision !== 'f32' && precision !== 'auto') throw new Error(`--precision f32|auto, got ${precision}`);
  return {
    model: need('model'), phase, cacheDir: need('cache-dir'), width, height,
    steps: Number(a.steps ?? 4), seed: Number(a.seed ?? 42), precision,
    guidance: a.guidance === undefined ? null : Number(a.guidance),
    prompt: a.prompt ?? DEFAULT_PROMPT,
    newPrompt: a['new-prompt'] ?? NEW_PROMPT,
    generations: Number(a.generations ?? 2),
    device: a.device ?? 'CPU',
    imageOut: a['image-out'] ?? null,
    releaseTextEncoder: a['release-text-encoder'] === 'true',
  };
}
