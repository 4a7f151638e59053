// The jobs one Generate from the form becomes: the style applied to the prompt and negative
// prompt (what the worker runs and writes into the image's parameters), and "Batches" as jobs in a
// row, each with the next seed (or its own random one when the seed is random). Pure.

import { LIMITS, type FieldError, type GenerationConfig } from '../protocol/generation';
import { applyStyle, type PromptStyle } from '../protocol/styles';

/** seed + by, past 2^64 − 1 round to 0 (every seed stays one torch's manual_seed takes); '' (random) stays ''. */
export function nextSeed(seed: string, by = 1): string {
  if (seed === '') return '';
  return ((BigInt(seed) + BigInt(by)) % (LIMITS.maxSeed + 1n)).toString();
}

export type FormJobs = { ok: true; jobs: GenerationConfig[] } | { ok: false; errors: FieldError[] };

/**
 * The configs to queue for a validated form config. `style` is a name from `styles` ('' or
 * undefined: none); an unknown name is an error on the style field, and a styled prompt over the
 * length limit an error on the prompt.
 */
export function formJobs(config: GenerationConfig, styles: readonly PromptStyle[], styleName: string | undefined, batches = 1): FormJobs {
  let style: PromptStyle | undefined;
  if (styleName) {
    style = styles.find((s) => s.name === styleName);
    if (!style) return { ok: false, errors: [{ field: 'message', message: `There is no style "${styleName}" in pixart.styles now; pick another or None.` }] };
  }
  const styled = { ...config, ...applyStyle(style, config.prompt, config.negativePrompt) };
  for (const f of ['prompt', 'negativePrompt'] as const) {
    if (styled[f].length > LIMITS.promptChars) return { ok: false, errors: [{ field: f, message: `With the style "${styleName}" the ${f === 'prompt' ? 'prompt' : 'negative prompt'} has ${styled[f].length} characters, over the ${LIMITS.promptChars} allowed; shorten it or the style.` }] };
  }
  const n = Math.max(1, Math.min(batches, 100));
  return { ok: true, jobs: Array.from({ length: n }, (_, i) => ({ ...styled, seed: nextSeed(config.seed, i) })) };
}
