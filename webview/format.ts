// Display helpers for the webview: the words each widget shows. Pure.

import type { ImageParameters, ModelState } from '../src/protocol/messages';

/** A token count reply (tokens < 0: no model loaded to count with). */
export interface TokenCount {
  tokens: number;
  max: number;
  truncated: boolean;
}

/** 850 → "1 s", 12_300 → "12 s", 95_000 → "1 min 35 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

function gcd(a: number, b: number): number {
  return b ? gcd(b, a % b) : a;
}

/** "1024×1024 · square", "1152×896 · landscape 9:7" (ratio reduced; approximate for awkward sizes). */
export function sizeLabel(width: number, height: number): string {
  if (width === height) return `${width}×${height} · square`;
  const shape = width > height ? 'landscape' : 'portrait';
  const g = gcd(width, height);
  const rw = width / g;
  const rh = height / g;
  if (rw > 32 || rh > 32) {
    const r = width / height;
    return `${width}×${height} · ${shape} ${r >= 1 ? `${r.toFixed(2)}:1` : `1:${(1 / r).toFixed(2)}`}`;
  }
  return `${width}×${height} · ${shape} ${rw}:${rh}`;
}

/** The model line: what the model is doing, in words. */
export function modelLine(m: ModelState): string {
  const name = m.model?.name ?? (m.modelPath ? m.modelPath.split(/[\\/]/).filter(Boolean).pop() : '');
  switch (m.state) {
    case 'unset':
      return 'No model folder is set.';
    case 'idle':
      return `${name} — loads when you generate.`;
    case 'loading':
      return `Loading ${name}…`;
    case 'compiling':
      return `Compiling ${name} for ${m.device ?? 'the device'}… (cached after the first time)`;
    case 'ready':
      return `${m.model?.name} · ${m.model?.sampler} · ready on ${m.device}${m.runtime ? ` · ${m.runtime}` : ''}`;
    default:
      return 'The model could not be loaded.';
  }
}

/** The token counter's text, and whether it warns. */
export function tokenLine(reply: TokenCount, promptEmpty: boolean): { text: string; warning: boolean } {
  const { tokens, max, truncated } = reply;
  // Before a model is loaded its limit is unknown (α 120, Σ 300): max is 0.
  if (max <= 0) return { text: 'Token count appears when the model is loaded.', warning: false };
  // An empty prompt still encodes to </s>: say the limit rather than "1 / 120".
  if (promptEmpty) return { text: `Up to ${max} tokens.`, warning: false };
  if (tokens < 0) return { text: `Token count appears when the model is loaded (limit ${max}).`, warning: false };
  if (truncated) return { text: `${tokens} / ${max} tokens — over the limit: words past token ${max} are ignored.`, warning: true };
  return { text: `${tokens} / ${max} tokens`, warning: false };
}

/** "Step 3/20 · 12 s elapsed · about 1 min 2 s left" (etaMs 0: decoding; null: unknown). */
export function stepLine(step: number, steps: number, elapsedMs: number, etaMs: number | null): string {
  const eta = etaMs === null ? '' : etaMs > 0 ? ` · about ${formatDuration(etaMs)} left` : ' · decoding…';
  return `Step ${step}/${steps} · ${formatDuration(elapsedMs)} elapsed${eta}`;
}

/**
 * The line while a phase is under way: "Encoding the prompt… · 3 s elapsed", the step line of the
 * running step, "Decoding… · 40 s elapsed · about 5 s left" (etaMs null: unknown).
 */
export function phaseLine(phase: 'encoding' | 'denoising' | 'decoding', step: number, steps: number, elapsedMs: number, etaMs: number | null): string {
  if (phase === 'denoising') return stepLine(step, steps, elapsedMs, etaMs === 0 ? null : etaMs);
  const eta = etaMs ? ` · about ${formatDuration(etaMs)} left` : '';
  return `${phase === 'encoding' ? 'Encoding the prompt…' : 'Decoding…'} · ${formatDuration(elapsedMs)} elapsed${eta}`;
}

/** A gallery image's caption: its prompt on one line, else its file name. */
export function imageCaption(file: string, p: ImageParameters | undefined): string {
  return p?.prompt ? p.prompt.replace(/\s+/g, ' ') : file;
}

/** "seed 1234 · 1024×1024 · 20 steps", as far as the image's parameters tell. */
export function imageMeta(p: ImageParameters | undefined): string {
  return p ? `seed ${p.seed}${p.width ? ` · ${p.width}×${p.height}` : ''}${p.steps ? ` · ${p.steps} steps` : ''}` : '';
}

/** The gallery's count line: "100 of 500 images in assets/generated", "1 image in …", "No images yet in …". */
export function galleryCount(shown: number, total: number, folder: string): string {
  if (total === 0) return `No images yet in ${folder}`;
  if (shown < total) return `${shown} of ${total} images in ${folder}`;
  return `${total} image${total === 1 ? '' : 's'} in ${folder}`;
}

/** At most `max` characters on one line, cut at a word when one ends near the cut, with "…". */
export function shorten(text: string, max = 60): string {
  const one = text.replace(/\s+/g, ' ').trim();
  if (one.length <= max) return one;
  const cut = one.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}

/** The running or queued job's name: its prompt, shortened, quoted; "· 2 of 3" within a batch. */
export function jobLabel(prompt: string, batch?: { index: number; count: number }): string {
  return `“${shorten(prompt)}”${batch ? ` · ${batch.index + 1} of ${batch.count}` : ''}`;
}

/** "1 image saved in 3 s · seed 42", "3 images saved in 1 min 2 s · seed 42" (the files are a click away). */
export function resultLine(files: number, totalMs: number, seed: string): string {
  const took = formatDuration(totalMs);
  return `${files} image${files === 1 ? '' : 's'} saved${took ? ` in ${took}` : ''} · seed ${seed}`;
}

/** What Batches will do: '' for one; "3 jobs, seeds 42, 43, 44"; "3 jobs, each with a random seed". */
export function batchHint(batches: number, seed: string): string {
  if (batches <= 1) return '';
  if (!/^\d+$/.test(seed)) return `${batches} jobs in a row, each with a random seed`;
  const first = BigInt(seed);
  const modulus = 18446744073709551616n; // 2^64: seeds past the largest start again at 0, as the host does
  const seeds = Array.from({ length: Math.min(batches, 3) }, (_, i) => ((first + BigInt(i)) % modulus).toString());
  return `${batches} jobs in a row, seeds ${seeds.join(', ')}${batches > 3 ? ', …' : ''}`;
}
