// The form's values as its controls hold them (text), to and from the protocol's shapes. Pure.

import type { GenerationConfig, RawGenerationConfig } from '../src/protocol/generation';

/** What the controls hold, as typed. Saved with getState, so the names stay as they were. */
export interface FormValues {
  prompt: string;
  negativePrompt: string;
  seed: string;
  steps: string;
  guidanceScale: string;
  /** "<width>x<height>" */
  size: string;
  /** Images per prompt. */
  count: string;
  /** A style's name from pixart.styles ('' or absent: none); applied by the host. */
  style?: string;
  /** Jobs in a row, each with the next seed ("1" … MAX_BATCHES). */
  batches?: string;
}

/** The values as sent to the host, unparsed: its validator checks every field. */
export function toRawConfig(v: FormValues): Required<RawGenerationConfig> {
  const [width, height] = v.size.split('x');
  return { prompt: v.prompt, negativePrompt: v.negativePrompt, seed: v.seed, steps: v.steps, guidanceScale: v.guidanceScale, width, height, imagesPerPrompt: v.count };
}

/** The values a (partial) config sets, e.g. a reused image's parameters; a size needs both sides. */
export function fromConfig(p: Partial<GenerationConfig>): Partial<FormValues> {
  const v: Partial<FormValues> = {};
  if (p.prompt !== undefined) v.prompt = p.prompt;
  if (p.negativePrompt !== undefined) v.negativePrompt = p.negativePrompt;
  if (p.seed !== undefined) v.seed = p.seed;
  if (p.steps !== undefined) v.steps = String(p.steps);
  if (p.guidanceScale !== undefined) v.guidanceScale = String(p.guidanceScale);
  if (p.width !== undefined && p.height !== undefined) v.size = `${p.width}x${p.height}`;
  if (p.imagesPerPrompt !== undefined) v.count = String(p.imagesPerPrompt);
  return v;
}
