// PixArt's pipeline families: what diffusers' PixArtAlphaPipeline and PixArtSigmaPipeline decide
// over the same three networks (T5, PixArtTransformer2DModel, AutoencoderKL). A model folder's
// model_index.json names its family (`_class_name`); everything else the two share. The VAE's
// scaling factor is not here: each folder's vae config says it (α 0.18215, Σ's SDXL VAE 0.13025).
import { MAX_SEQUENCE_LENGTH } from './tokenizer';
import { ALPHA_BINS, SIGMA_BINS, type BinRule } from './resolution';

export interface PipelineFamily {
  /** diffusers' pipeline class, as model_index.json's `_class_name` names it. */
  className: 'PixArtAlphaPipeline' | 'PixArtSigmaPipeline';
  /** For people: the model line, messages. */
  label: string;
  /** max_sequence_length: prompts are padded or truncated to this many tokens. */
  maxTokens: number;
  /**
   * The transformer sample_size at which the pipeline passes `resolution` and `aspect_ratio`
   * (α: 128, its 1024-px models); null: never (Σ passes no added_cond_kwargs).
   */
  microConditionsAt: number | null;
  /** The aspect-ratio bins for each sample_size, with resolution binning. */
  bins: BinRule;
}

export const PIXART_ALPHA: PipelineFamily = {
  className: 'PixArtAlphaPipeline',
  label: 'PixArt-α',
  maxTokens: MAX_SEQUENCE_LENGTH,
  microConditionsAt: 128,
  bins: ALPHA_BINS,
};

export const PIXART_SIGMA: PipelineFamily = {
  className: 'PixArtSigmaPipeline',
  label: 'PixArt-Σ',
  maxTokens: 300,
  microConditionsAt: null,
  bins: SIGMA_BINS,
};

export const FAMILIES: readonly PipelineFamily[] = [PIXART_ALPHA, PIXART_SIGMA];

/** `PixArtPipeline` is what early diffusers releases wrote for α. */
const ALIASES: Readonly<Record<string, PipelineFamily>> = { PixArtPipeline: PIXART_ALPHA };

/** The family a `_class_name` names, or null for a class no family runs. */
export function familyNamed(className: string): PipelineFamily | null {
  return FAMILIES.find((f) => f.className === className) ?? ALIASES[className] ?? null;
}

/** "PixArtAlphaPipeline (PixArt-α) and PixArtSigmaPipeline (PixArt-Σ)", for messages. */
export function supportedFamilies(): string {
  const names = FAMILIES.map((f) => `${f.className} (${f.label})`);
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
