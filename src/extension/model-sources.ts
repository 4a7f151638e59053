// What Download Model offers: the known PixArt repos (PixArt-Σ's 512 and 2K transformers with the
// repo their other parts come from), the weight presets, the check of a typed repo id, and the
// build-model arguments a choice becomes. Pure, unit-tested without VS Code.

export interface ModelSource {
  /** A repo id (`owner/name`, downloaded first) or a local diffusers folder. */
  from: string;
  kind: 'repo' | 'folder';
  revision?: string;
  /** The repo the parts other than the transformer come from, when `from` holds only transformer/. */
  base?: string;
  /** The model folder's name. */
  name: string;
  /** How the progress and the messages name it: the repo id (with @revision), or the folder's name. */
  title: string;
}

/** The T5, VAE, tokenizer and scheduler PixArt-Σ's transformer-only repos are combined with (as diffusers' users do). */
export const SIGMA_BASE = 'PixArt-alpha/pixart_sigma_sdxlvae_T5_diffusers';

export interface HubModel {
  repo: string;
  label: string;
  detail: string;
  /** The repo the other parts come from, for a repo that holds only transformer/. */
  base?: string;
}

export const HUB_MODELS: readonly HubModel[] = [
  { repo: 'PixArt-alpha/PixArt-LCM-XL-2-1024-MS', label: 'PixArt-LCM-XL-2-1024-MS', detail: 'Recommended: 4 steps at 1024². Downloads ~22 GB once (mostly T5-XXL) into the Hugging Face cache; ~6 GB built.' },
  { repo: 'PixArt-alpha/PixArt-XL-2-1024-MS', label: 'PixArt-XL-2-1024-MS', detail: 'The original: 20 steps with guidance 4.5 at 1024². Downloads ~22 GB once into the Hugging Face cache; ~6 GB built.' },
  { repo: 'PixArt-alpha/PixArt-Sigma-XL-2-1024-MS', label: 'PixArt-Sigma-XL-2-1024-MS', detail: 'PixArt-Σ: sharper, prompts up to 300 tokens; 20 steps with guidance 4.5 at 1024². Downloads ~22 GB once (its own T5-XXL, not shared with α\'s); ~6 GB built.' },
  {
    repo: 'PixArt-alpha/PixArt-Sigma-XL-2-512-MS', label: 'PixArt-Sigma-XL-2-512-MS', base: SIGMA_BASE,
    detail: 'PixArt-Σ at 512²: a quarter of 1024²\'s pixels, so each step and the decode are several times quicker on a CPU. Downloads ~22 GB once (the 2.4 GB transformer, then T5-XXL and the VAE from pixart_sigma_sdxlvae_T5_diffusers); ~6 GB built.',
  },
  {
    repo: 'PixArt-alpha/PixArt-Sigma-XL-2-2K-MS', label: 'PixArt-Sigma-XL-2-2K-MS', base: SIGMA_BASE,
    detail: 'PixArt-Σ at 2048²: 4× the pixels of 1024², so on a CPU each step takes 4 to 16× as long (attention grows with the square of the image) and the decode needs several times the RAM it needs at 1024² (~2.3 GB in bf16). Downloads ~22 GB once (the 2.4 GB transformer, then T5-XXL and the VAE from pixart_sigma_sdxlvae_T5_diffusers); ~6 GB built.',
  },
];

/** What the weights are stored as: the defaults first (see DESIGN.md, "Precision defaults"). */
export const WEIGHT_CHOICES = [
  { id: 'int8', label: 'Balanced (recommended)', detail: 'T5 in int8, the transformer in f16: about 6.7 GB on disk, images indistinguishable from full precision.', weights: 'text_encoder=int8,transformer=f16' },
  { id: 'int4', label: 'Smallest', detail: 'T5 in int4, the transformer in f16: about 4.3 GB; the prompt encoding drifts slightly.', weights: 'text_encoder=int4,transformer=f16' },
  { id: 'full', label: 'Full precision', detail: 'T5 in f16, the transformer in f32: about 12 GB; for comparisons.', weights: 'text_encoder=f16,transformer=f32' },
];

const REPO_ID = /^[A-Za-z0-9][\w.-]{0,95}\/[A-Za-z0-9][\w.-]{0,95}$/;

const REPO_HINT = 'Type a Hugging Face repo id such as PixArt-alpha/PixArt-XL-2-1024-MS, optionally with @revision (a branch, tag or commit)';

/**
 * "owner/name", "owner/name@revision", or a transformer-only repo and the repo its other parts come
 * from: "owner/name[@revision] + base/name" → the source, or the problem with it. A known
 * transformer-only repo typed alone gets its base from HUB_MODELS.
 */
export function parseRepoInput(text: string): { repo: string; revision?: string; base?: string } | string {
  const [main, base, more] = text.split('+').map((t) => t.trim());
  const [repo, revision, extra] = main.split('@');
  if (more !== undefined || extra !== undefined || !REPO_ID.test(repo ?? '') || repo.includes('..')) return `${REPO_HINT}; for a repo that holds only a transformer, add "+ base/name".`;
  if (revision !== undefined && !/^[\w./-]{1,120}$/.test(revision)) return `"${revision}" is not a revision: use a branch, tag or commit hash.`;
  if (base !== undefined && (!REPO_ID.test(base) || base.includes('..'))) return `"${base}" after + is not a repo id: name the repo the text encoder, VAE, tokenizer and scheduler come from, e.g. ${SIGMA_BASE}.`;
  const known = HUB_MODELS.find((m) => m.repo.toLowerCase() === repo.toLowerCase())?.base;
  return { repo, revision: revision || undefined, ...(base ?? known ? { base: base ?? known } : {}) };
}

/** The `pixart build-model` arguments for a source, its output folder and its weights preset. */
export function buildModelArgs(source: ModelSource, out: string, weights: string): string[] {
  return [
    'build-model', '--from', source.from, ...(source.base ? ['--base', source.base] : []), '--out', out, '--weights', weights,
    ...(source.revision ? ['--revision', source.revision] : []),
  ];
}
