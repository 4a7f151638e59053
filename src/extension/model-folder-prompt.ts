// What the model-folder dialog says about a folder that failed its check, and which answers it
// offers in which order. Pure, so the wording and the order are unit-tested without VS Code.
// The first button is the dialog's default (Enter): it is always a way out of a bad folder, never
// "Use Anyway", which comes last and only for a folder that is a model with something wrong.

import type { FolderCheck } from '../pipeline/model-folder-check';

export const FOLDER_ANSWERS = {
  choose: 'Choose Another Folder…',
  download: 'Download Model…',
  use: 'Use Anyway',
} as const;

export type FolderAnswer = keyof typeof FOLDER_ANSWERS;

export interface FolderPrompt {
  message: string;
  detail: string;
  /** In the order shown; the first is the default. */
  answers: FolderAnswer[];
}

/** Problems listed in the dialog; the log has them all. */
export const MAX_LISTED = 12;

const WHAT_IT_IS =
  'A model folder holds PixArt-α or PixArt-Σ in OpenVINO\'s format: model_index.json, scheduler/, tokenizer/, text_encoder/, transformer/ and vae_decoder/, 4–12 GB in all. ' +
  'Download Model… gets one from Hugging Face and builds it on this machine, without Python.';

function listed(problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_LISTED).map((p) => `• ${p}`);
  if (problems.length > MAX_LISTED) shown.push(`… and ${problems.length - MAX_LISTED} more (PixArt: Show Log lists them all)`);
  return shown.join('\n');
}

/** The dialog for a folder whose check found problems; undefined when it found none. */
export function folderPrompt(dir: string, check: FolderCheck): FolderPrompt | undefined {
  switch (check.verdict) {
    case 'ok':
      return undefined;
    case 'not-a-model': {
      const inside = check.modelsInside ?? [];
      // The folder above the models is a common pick: then choosing one inside is the answer.
      const lead = inside.length
        ? `It holds model folders: ${inside.join(', ')}. Choose one of them.`
        : `${check.problems[0] ?? 'It holds none of a model\'s files'}.`;
      return {
        message: `PixArt: ${dir} is not a PixArt model folder.`,
        detail: `${lead}\n\n${WHAT_IT_IS}`,
        answers: inside.length ? ['choose', 'download'] : ['download', 'choose'],
      };
    }
    case 'checkpoint':
      return {
        message: `PixArt: ${dir} is a diffusers checkpoint, not yet a model folder PixArt can run.`,
        detail:
          'It holds PyTorch weights where OpenVINO models should be. Download Model… → "A diffusers folder on this machine…" builds a model folder from it, ' +
          `without Python, in a few minutes (from a terminal: pixart build-model --from "${dir}" --out NEW_FOLDER).\n\n${WHAT_IT_IS}`,
        answers: ['download', 'choose'],
      };
    case 'broken': {
      const n = check.problems.length;
      return {
        message: `PixArt: ${dir} is not a usable model folder (${n} problem${n === 1 ? '' : 's'}).`,
        detail: `${listed(check.problems)}\n\nFix ${n === 1 ? 'it' : 'them'}, choose another folder, or get a sound one with Download Model….`,
        answers: ['choose', 'download', 'use'],
      };
    }
  }
}
