// A generation request and its validation: every bad value is refused with a message that names
// the field, the value and the accepted range, before any model runs.

export interface GenerateRequest {
  prompt: string | string[];
  /** One for all prompts, or one per prompt. Used only with guidance (guidanceScale > 1). */
  negativePrompt?: string | string[];
  /** 0 … 2^64−1, as torch.Generator.manual_seed accepts. */
  seed: bigint | number;
  steps: number;
  guidanceScale: number;
  width: number;
  height: number;
  /** Generate at the closest trained aspect-ratio bin, then resize and crop (diffusers' default: true). */
  resolutionBinning?: boolean;
  imagesPerPrompt?: number;
}

export interface ValidRequest {
  prompts: string[];
  negativePrompts: string[];
  seed: bigint;
  steps: number;
  guidanceScale: number;
  width: number;
  height: number;
  resolutionBinning: boolean;
  imagesPerPrompt: number;
}

export const LIMITS = {
  maxSteps: 1000,
  maxImages: 16,
  maxSide: 4096,
  maxSeed: 2n ** 64n - 1n,
} as const;

function intIn(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new RangeError(`${name} must be a whole number from ${lo} to ${hi}, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function validateRequest(r: GenerateRequest): ValidRequest {
  const prompts = typeof r.prompt === 'string' ? [r.prompt] : r.prompt;
  if (!Array.isArray(prompts) || prompts.length === 0 || prompts.some((p) => typeof p !== 'string')) {
    throw new TypeError('prompt must be a string or a non-empty list of strings');
  }
  const neg = r.negativePrompt ?? '';
  const negativePrompts = typeof neg === 'string' ? prompts.map(() => neg) : neg;
  if (!Array.isArray(negativePrompts) || negativePrompts.length !== prompts.length || negativePrompts.some((p) => typeof p !== 'string')) {
    throw new TypeError(`negativePrompt must be a string or a list of ${prompts.length} strings, one per prompt`);
  }
  let seed: bigint;
  if (typeof r.seed === 'bigint') seed = r.seed;
  else if (typeof r.seed === 'number' && Number.isSafeInteger(r.seed)) seed = BigInt(r.seed);
  else throw new RangeError(`seed must be a whole number from 0 to 2^64-1, got ${String(r.seed)}`);
  if (seed < 0n || seed > LIMITS.maxSeed) throw new RangeError(`seed must be from 0 to 2^64-1, got ${seed}`);
  const steps = intIn('steps', r.steps, 1, LIMITS.maxSteps);
  if (typeof r.guidanceScale !== 'number' || !Number.isFinite(r.guidanceScale) || r.guidanceScale < 0) {
    throw new RangeError(`guidance scale must be a finite number ≥ 0, got ${r.guidanceScale}`);
  }
  const width = intIn('width', r.width, 8, LIMITS.maxSide);
  const height = intIn('height', r.height, 8, LIMITS.maxSide);
  const imagesPerPrompt = intIn('images per prompt', r.imagesPerPrompt ?? 1, 1, LIMITS.maxImages);
  if (prompts.length * imagesPerPrompt > LIMITS.maxImages) {
    throw new RangeError(`at most ${LIMITS.maxImages} images per run, asked ${prompts.length} prompts × ${imagesPerPrompt}`);
  }
  return {
    prompts,
    negativePrompts,
    seed,
    steps,
    guidanceScale: r.guidanceScale,
    width,
    height,
    resolutionBinning: r.resolutionBinning ?? true,
    imagesPerPrompt,
  };
}
