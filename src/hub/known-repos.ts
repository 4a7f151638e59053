// The hub repos that hold only a transformer, and what each is combined with: PixArt-Σ's 512 and
// 2K transformers are published alone, and diffusers' users load them into a PixArtSigmaPipeline
// made from PixArt-alpha/pixart_sigma_sdxlvae_T5_diffusers (T5, SDXL's VAE, tokenizer, scheduler).
// That base was uploaded before diffusers had PixArtSigmaPipeline, so its model_index.json cannot
// be trusted to name the pipeline: the table says which one the transformer belongs to.

/** The T5, VAE, tokenizer and scheduler PixArt-Σ's transformer-only repos are combined with. */
export const SIGMA_BASE_REPO = 'PixArt-alpha/pixart_sigma_sdxlvae_T5_diffusers';

export interface TransformerOnlyRepo {
  /** The repo the other components come from, unless another is named. */
  base: string;
  /** The pipeline the transformer belongs to, written into the model's model_index.json. */
  pipeline: 'PixArtSigmaPipeline';
}

const TRANSFORMER_ONLY: Record<string, TransformerOnlyRepo> = {
  'PixArt-alpha/PixArt-Sigma-XL-2-512-MS': { base: SIGMA_BASE_REPO, pipeline: 'PixArtSigmaPipeline' },
  'PixArt-alpha/PixArt-Sigma-XL-2-2K-MS': { base: SIGMA_BASE_REPO, pipeline: 'PixArtSigmaPipeline' },
};

/** The known transformer-only repo `repo` is (ids compare without case, as the hub's do), or undefined. */
export function transformerOnlyRepo(repo: string): TransformerOnlyRepo | undefined {
  const key = Object.keys(TRANSFORMER_ONLY).find((k) => k.toLowerCase() === repo.trim().toLowerCase());
  return key ? TRANSFORMER_ONLY[key] : undefined;
}
