// One generation's parameters, their limits and their validation: the one shape the form, the
// commands, the CLI, the worker, the pipeline and the `parameters` text all use. It imports
// nothing, so every layer (and the webview bundle) may import it.

export interface GenerationConfig {
  prompt: string;
  negativePrompt: string;
  /** Decimal digits, 0 … 2^64−1 (torch.Generator's range); '' means "random" until a seed is drawn. */
  seed: string;
  steps: number;
  guidanceScale: number;
  width: number;
  height: number;
  imagesPerPrompt: number;
}

/** What arrives before validation (from the webview, a setting, the command line). */
export type RawGenerationConfig = { [K in keyof GenerationConfig]?: unknown };

/** Everything a generation may be, in one place. A model can narrow steps (ModelInfo.maxSteps) and sizes. */
export const LIMITS = {
  promptChars: 2000,
  minSteps: 1,
  maxSteps: 1000,
  minGuidance: 0,
  maxGuidance: 20,
  /** The form offers 1 … this many images per prompt. */
  maxImagesPerPrompt: 4,
  /** Prompts × images in one pipeline run (the CLI takes several prompts). */
  maxImagesPerRun: 16,
  sideMultiple: 8,
  minSide: 8,
  maxSide: 4096,
  maxSeed: 18446744073709551615n, // 2^64 − 1
  /** Random seeds are drawn in 0 … 2^32−1, as other tools do, so they are easy to type. */
  maxRandomSeed: 4294967295,
  tokenTextChars: 4000,
  fileNameChars: 255,
  jobIdChars: 64,
} as const;

/** A model's starting steps and guidance, by scheduler: LCM needs few steps and no guidance. */
export function schedulerDefaults(schedulerClass: string): { steps: number; guidanceScale: number } {
  return schedulerClass === 'LCMScheduler' ? { steps: 4, guidanceScale: 0 } : { steps: 20, guidanceScale: 4.5 };
}

/**
 * The one seed rule: '' / '-1' / -1 / undefined mean random (''); otherwise a whole number
 * 0 … 2^64−1 as a number, bigint or decimal string, returned as canonical decimal digits.
 * null when it is none of these.
 */
export function parseSeed(v: unknown): string | null {
  if (v === undefined || v === null) return '';
  let n: bigint;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number') {
    if (v === -1) return '';
    if (!Number.isSafeInteger(v)) return null;
    n = BigInt(v);
  } else if (typeof v === 'string') {
    const s = v.trim();
    if (s === '' || s === '-1') return '';
    if (!/^\d{1,20}$/.test(s)) return null;
    n = BigInt(s);
  } else return null;
  return n >= 0n && n <= LIMITS.maxSeed ? n.toString() : null;
}

export const SEED_RULE = `The seed must be a whole number from 0 to ${LIMITS.maxSeed}, or empty (or −1) for a random one.`;

export interface FieldError {
  field: keyof GenerationConfig | 'message';
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export interface SizeRule {
  width: number;
  height: number;
}

export interface ValidationContext {
  /** Sizes the loaded model can run. Empty when no model is loaded: then any multiple of 8 in range. */
  supportedSizes: readonly SizeRule[];
  /** The model's own step limit (LCM: original_inference_steps). */
  maxSteps?: number;
}

/** A number from a number or a numeric string (form inputs and flags give strings); NaN otherwise. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  // `\d+(\.\d*)?`, not `\d+\.?\d*`: the latter splits a run of digits every way, quadratic on a long one.
  if (typeof v === 'string' && /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(v.trim())) return Number(v.trim());
  return NaN;
}

function hasControlChars(s: string): boolean {
  // Tabs and newlines are fine in prompts; other C0 controls and DEL are not.
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s);
}

function checkText(v: unknown, what: string, required: boolean): { value: string } | { error: string } {
  if (v === undefined || v === null) return required ? { error: `Enter a ${what}.` } : { value: '' };
  if (typeof v !== 'string') return { error: `The ${what} must be text.` };
  if (required && v.trim() === '') return { error: `Enter a ${what}.` };
  if (v.length > LIMITS.promptChars) return { error: `The ${what} is too long (${v.length} characters; at most ${LIMITS.promptChars}).` };
  if (hasControlChars(v)) return { error: `The ${what} contains control characters.` };
  return { value: v.trim() };
}

function checkSize(width: number, height: number, ctx: ValidationContext): string | null {
  if (!Number.isInteger(width) || !Number.isInteger(height)) return 'Choose an image size.';
  const sizes = ctx.supportedSizes;
  if (sizes.length > 0) {
    if (sizes.some((s) => s.width === width && s.height === height)) return null;
    const list = sizes.length <= 6 ? ` (${sizes.map((s) => `${s.width}×${s.height}`).join(', ')})` : '';
    return `The model cannot make ${width}×${height} images; choose one of its sizes${list}.`;
  }
  const { sideMultiple: m, minSide: lo, maxSide: hi } = LIMITS;
  const ok = (v: number) => v % m === 0 && v >= lo && v <= hi;
  return ok(width) && ok(height) ? null : `Width and height must be multiples of ${m} from ${lo} to ${hi}.`;
}

/** Checks every field and names each problem in words a user can act on. */
export function validateGeneration(raw: unknown, ctx: ValidationContext): Validated<GenerationConfig> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, errors: [{ field: 'message', message: 'The form values are missing.' }] };
  const r = raw as RawGenerationConfig;
  const errors: FieldError[] = [];
  const prompt = checkText(r.prompt, 'prompt', true);
  if ('error' in prompt) errors.push({ field: 'prompt', message: prompt.error });
  const negative = checkText(r.negativePrompt, 'negative prompt', false);
  if ('error' in negative) errors.push({ field: 'negativePrompt', message: negative.error });
  const seed = parseSeed(r.seed);
  if (seed === null) errors.push({ field: 'seed', message: SEED_RULE });
  const maxSteps = Math.min(ctx.maxSteps ?? LIMITS.maxSteps, LIMITS.maxSteps);
  const steps = toNumber(r.steps);
  if (!Number.isInteger(steps) || steps < LIMITS.minSteps || steps > maxSteps) errors.push({ field: 'steps', message: `Steps must be a whole number from ${LIMITS.minSteps} to ${maxSteps}.` });
  const guidanceScale = toNumber(r.guidanceScale);
  if (!Number.isFinite(guidanceScale) || guidanceScale < LIMITS.minGuidance || guidanceScale > LIMITS.maxGuidance) errors.push({ field: 'guidanceScale', message: `Guidance scale must be a number from ${LIMITS.minGuidance} to ${LIMITS.maxGuidance}.` });
  const width = toNumber(r.width);
  const height = toNumber(r.height);
  const sizeError = checkSize(width, height, ctx);
  if (sizeError) errors.push({ field: 'width', message: sizeError });
  const imagesPerPrompt = toNumber(r.imagesPerPrompt ?? 1);
  if (!Number.isInteger(imagesPerPrompt) || imagesPerPrompt < 1 || imagesPerPrompt > LIMITS.maxImagesPerPrompt) errors.push({ field: 'imagesPerPrompt', message: `Number of images must be from 1 to ${LIMITS.maxImagesPerPrompt}.` });
  if (errors.length || 'error' in prompt || 'error' in negative) return { ok: false, errors };
  return { ok: true, value: { prompt: prompt.value, negativePrompt: negative.value, seed: seed ?? '', steps, guidanceScale, width, height, imagesPerPrompt } };
}

/** A seed for a config that left it random: drawn by `random` (a uniform integer in 0 … maxRandomSeed). */
export function withSeed(config: GenerationConfig, random: () => number): GenerationConfig {
  return config.seed === '' ? { ...config, seed: String(random()) } : config;
}
