// generate_image's arguments to the one GenerationConfig, through the form's own validation
// (validateGeneration, LIMITS): before the model is loaded, what does not depend on it (so a bad
// prompt costs no load); with the model, its sizes and step limit. The size comes from width and
// height, or from an aspect ratio mapped to the closest size the model runs, or the model's
// default. Pure.
import { LIMITS, validateGeneration, type FieldError, type GenerationConfig } from '../protocol/generation';
import { classifyBin } from '../pipeline/resolution';
import type { ModelInfo } from '../pipeline/types';
import type { GenerateArgs } from './mcp-schemas';

/** Bad arguments; the message has one line per problem, each naming its argument. */
export class InputError extends Error {
  override name = 'InputError';
}

const ARGUMENT: Record<FieldError['field'], string> = {
  prompt: 'prompt',
  negativePrompt: 'negative_prompt',
  seed: 'seed',
  steps: 'steps',
  guidanceScale: 'guidance_scale',
  width: 'width',
  height: 'height',
  imagesPerPrompt: 'count',
  message: 'arguments',
};

type Size = { width: number; height: number };
type Model = Pick<ModelInfo, 'supportedSizes' | 'staticSize' | 'maxSteps' | 'defaults'>;

/** The most extreme aspect ratio accepted (PixArt's bins span 1:4 … 4:1). */
const MAX_ASPECT = 8;

/** "16:9", "4x3", "1/1" → width and height parts; throws InputError when it is none. */
export function parseAspect(aspect: string): Size {
  const m = /^\s*(\d+(?:\.\d+)?)\s*[:x×/]\s*(\d+(?:\.\d+)?)\s*$/i.exec(aspect);
  const width = m ? Number(m[1]) : NaN;
  const height = m ? Number(m[2]) : NaN;
  if (!(width > 0 && height > 0)) throw new InputError(`aspect: "${aspect.slice(0, 40)}" is not an aspect ratio; write it as width:height, such as "16:9" or "1:1".`);
  if (width / height > MAX_ASPECT || height / width > MAX_ASPECT) throw new InputError(`aspect: ${aspect} is too extreme; use a ratio from 1:${MAX_ASPECT} to ${MAX_ASPECT}:1.`);
  return { width, height };
}

/** The model's starting size, as the form's: its one static size, else its square bin, else its first. */
export function defaultSize(model: Pick<ModelInfo, 'supportedSizes' | 'staticSize'>): Size {
  const sizes = model.supportedSizes;
  const size = model.staticSize ?? sizes.find((s) => s.width === s.height) ?? sizes[0];
  return { width: size.width, height: size.height };
}

/** The size asked for: width and height as given, or the model's size closest to `aspect`, or its default; undefined before the model is known. */
export function requestedSize(args: GenerateArgs, model: Model | undefined): Size | undefined {
  const hasWidth = args.width !== undefined;
  if (hasWidth !== (args.height !== undefined)) throw new InputError('width, height: give both, or neither (then aspect, or the model\'s default size).');
  if (hasWidth && args.aspect !== undefined) throw new InputError('aspect: give either aspect or width and height, not both.');
  if (hasWidth) return { width: args.width!, height: args.height! };
  const aspect = args.aspect === undefined ? undefined : parseAspect(args.aspect);
  if (!model) return undefined;
  if (!aspect) return defaultSize(model);
  const bin = classifyBin(aspect, model.supportedSizes);
  return { width: bin.width, height: bin.height };
}

/**
 * The config for these arguments: checked without the model (`model` undefined: steps, guidance
 * and size only when given, against LIMITS), or fully with it (its sizes, its step limit, its
 * defaults for what is not given). Throws InputError naming every bad argument.
 */
export function toConfig(args: GenerateArgs, model?: Model): GenerationConfig {
  const size = requestedSize(args, model) ?? { width: LIMITS.minSide, height: LIMITS.minSide };
  const raw = {
    prompt: args.prompt,
    negativePrompt: args.negative_prompt,
    seed: args.seed,
    steps: args.steps ?? model?.defaults.steps ?? LIMITS.minSteps,
    guidanceScale: args.guidance_scale ?? model?.defaults.guidanceScale ?? LIMITS.minGuidance,
    ...size,
    imagesPerPrompt: args.count ?? 1,
  };
  const v = validateGeneration(raw, { supportedSizes: model?.supportedSizes ?? [], maxSteps: model?.maxSteps });
  if (v.ok) return v.value;
  const sizeArgument = args.aspect !== undefined ? 'aspect' : 'width';
  throw new InputError(v.errors.map((e) => `${e.field === 'width' ? sizeArgument : ARGUMENT[e.field]}: ${e.message}`).join('\n'));
}
