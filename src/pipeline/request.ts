// A pipeline run and its validation: every bad value is refused with a message that names the
// field, the value and the accepted range, before any model runs. The limits and the seed rule
// are the one generation config's (src/protocol/generation.ts); a run may also hold several
// prompts (the CLI's batches) and turn resolution binning off.
import { LIMITS, parseSeed, type GenerationConfig } from '../protocol/generation';

export interface GenerateRequest extends Pick<GenerationConfig, 'steps' | 'guidanceScale' | 'width' | 'height'> {
  prompt: string | string[];
  /** One for all prompts, or one per prompt. Used only with guidance (guidanceScale > 1). */
  negativePrompt?: string | string[];
  /** 0 … 2^64−1, as torch.Generator.manual_seed accepts (a decimal string, as GenerationConfig holds it, or a number). */
  seed: bigint | number | string;
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

function intIn(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new RangeError(`${name} must be a whole number from ${lo} to ${hi}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function stringList(v: string | string[], what: string, count?: number): string[] {
  const list = typeof v === 'string' ? Array.from({ length: count ?? 1 }, () => v) : v;
  if (!Array.isArray(list) || list.length === 0 || (count !== undefined && list.length !== count) || list.some((p) => typeof p !== 'string')) {
    throw new TypeError(count === undefined ? `${what} must be a string or a non-empty list of strings` : `${what} must be a string or a list of ${count} strings, one per prompt`);
  }
  return list;
}

export function validateRequest(r: GenerateRequest): ValidRequest {
  const prompts = stringList(r.prompt, 'prompt');
  const negativePrompts = stringList(r.negativePrompt ?? '', 'negativePrompt', prompts.length);
  // '' (random, as parseSeed also reads -1) is the host's or the CLI's to resolve: the pipeline needs the seed it runs with.
  const seed = parseSeed(r.seed);
  if (!seed) throw new RangeError(`seed must be a whole number from 0 to 2^64-1, got ${String(r.seed)}`);
  const steps = intIn('steps', r.steps, LIMITS.minSteps, LIMITS.maxSteps);
  if (typeof r.guidanceScale !== 'number' || !Number.isFinite(r.guidanceScale) || r.guidanceScale < LIMITS.minGuidance || r.guidanceScale > LIMITS.maxGuidance) {
    throw new RangeError(`guidance scale must be a number from ${LIMITS.minGuidance} to ${LIMITS.maxGuidance}, got ${r.guidanceScale}`);
  }
  const width = intIn('width', r.width, LIMITS.minSide, LIMITS.maxSide);
  const height = intIn('height', r.height, LIMITS.minSide, LIMITS.maxSide);
  const imagesPerPrompt = intIn('images per prompt', r.imagesPerPrompt ?? 1, 1, LIMITS.maxImagesPerRun);
  if (prompts.length * imagesPerPrompt > LIMITS.maxImagesPerRun) {
    throw new RangeError(`at most ${LIMITS.maxImagesPerRun} images per run, asked ${prompts.length} prompts × ${imagesPerPrompt}`);
  }
  return { prompts, negativePrompts, seed: BigInt(seed), steps, guidanceScale: r.guidanceScale, width, height, resolutionBinning: r.resolutionBinning ?? true, imagesPerPrompt };
}
