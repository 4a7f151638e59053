// What Download Model offers: the known PixArt repos, the weight presets, and the check of a typed
// repo id. Pure, unit-tested without VS Code.

export interface ModelSource {
  /** A repo id (`owner/name`, downloaded first) or a local diffusers folder. */
  from: string;
  kind: 'repo' | 'folder';
  revision?: string;
  /** The model folder's name. */
  name: string;
  /** How the progress and the messages name it: the repo id (with @revision), or the folder's name. */
  title: string;
}

export const HUB_MODELS = [
  { repo: 'PixArt-alpha/PixArt-LCM-XL-2-1024-MS', label: 'PixArt-LCM-XL-2-1024-MS', detail: 'Recommended: 4 steps at 1024². Downloads ~22 GB once (mostly T5-XXL) into the Hugging Face cache; ~6 GB built.' },
  { repo: 'PixArt-alpha/PixArt-XL-2-1024-MS', label: 'PixArt-XL-2-1024-MS', detail: 'The original: 20 steps with guidance 4.5 at 1024². Downloads ~22 GB once into the Hugging Face cache; ~6 GB built.' },
  // Σ 512 and 2K are not offered: their repos hold only transformer/ (T5, VAE, tokenizer and scheduler come from another repo), which a one-repo download does not assemble.
  { repo: 'PixArt-alpha/PixArt-Sigma-XL-2-1024-MS', label: 'PixArt-Sigma-XL-2-1024-MS', detail: 'PixArt-Σ: sharper, prompts up to 300 tokens; 20 steps with guidance 4.5 at 1024². Downloads ~22 GB once (its own T5-XXL, not shared with α\'s); ~6 GB built.' },
];

/** What the weights are stored as: the defaults first (see DESIGN.md, "Precision defaults"). */
export const WEIGHT_CHOICES = [
  { id: 'int8', label: 'Balanced (recommended)', detail: 'T5 in int8, the transformer in f16: about 6.7 GB on disk, images indistinguishable from full precision.', weights: 'text_encoder=int8,transformer=f16' },
  { id: 'int4', label: 'Smallest', detail: 'T5 in int4, the transformer in f16: about 4.3 GB; the prompt encoding drifts slightly.', weights: 'text_encoder=int4,transformer=f16' },
  { id: 'full', label: 'Full precision', detail: 'T5 in f16, the transformer in f32: about 12 GB; for comparisons.', weights: 'text_encoder=f16,transformer=f32' },
];

const REPO_ID = /^[A-Za-z0-9][\w.-]{0,95}\/[A-Za-z0-9][\w.-]{0,95}$/;

/** "owner/name" or "owner/name@revision" → the source, or the problem with it. */
export function parseRepoInput(text: string): { repo: string; revision?: string } | string {
  const [repo, revision, extra] = text.trim().split('@');
  if (extra !== undefined || !REPO_ID.test(repo ?? '') || repo.includes('..')) return 'Type a Hugging Face repo id such as PixArt-alpha/PixArt-XL-2-1024-MS, optionally with @revision (a branch, tag or commit).';
  if (revision !== undefined && !/^[\w./-]{1,120}$/.test(revision)) return `"${revision}" is not a revision: use a branch, tag or commit hash.`;
  return { repo, revision: revision || undefined };
}

