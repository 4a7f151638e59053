// The AUTOMATIC1111-style "parameters" text that generated images carry, written and read back:
//   <prompt>
//   Negative prompt: <negative>
//   Steps: 4, Sampler: LCM, CFG scale: 0, Seed: 42, Size: 1024x1024, Model: PixArt-LCM-XL-2-1024-MS
// Other tools (A1111, ComfyUI importers, civitai) read this format; so do we, to reuse parameters.
// The one place that maps a GenerationConfig to this text and back.
//
// The format cannot say everything: a `\r` in a prompt, a prompt line starting with
// "Negative prompt:", or a negative prompt starting with a space read back differently. When the
// plain lines would read back wrong, the fields line also carries the exact text as JSON
// (`Exact prompt: "…"`, `Exact negative prompt: "…"`), so our files round-trip exactly while the
// lines above stay what other tools show.
//
// Reading is linear in the text and bounded: a text over PARAMETERS_LIMITS.textChars, or a fields
// line over PARAMETERS_LIMITS.fieldsLineChars, is not parameters (files come from anywhere).
import type { ImageParameters } from '../protocol/messages';
import { parseSeed, type GenerationConfig } from '../protocol/generation';

export type { ImageParameters };

export const PARAMETERS_KEY = 'parameters';

export const PARAMETERS_LIMITS = {
  textChars: 64 * 1024,
  /** Room for both exact prompts (2 × 2,000 characters, escaped) and the usual fields. */
  fieldsLineChars: 16 * 1024,
} as const;

/** The one error fromParameters throws: the text is not generation parameters, and why. */
export class NotParametersError extends Error {
  override name = 'NotParametersError';
}

const KNOWN = ['Steps', 'Sampler', 'CFG scale', 'Seed', 'Size', 'Model'];
const EXACT_PROMPT = 'Exact prompt';
const EXACT_NEGATIVE = 'Exact negative prompt';
const RESERVED = new Set([...KNOWN, EXACT_PROMPT, EXACT_NEGATIVE]);
const FIELD_LINE = new RegExp(`^(${KNOWN.join('|')})\\s*:`);
const NEGATIVE = 'Negative prompt:';

/** Values that the fields line could not hold plainly are quoted as JSON, as A1111 does. */
function quote(v: string): string {
  return /[,:"\n\r]|^\s|\s$/.test(v) ? JSON.stringify(v) : v;
}

/** A key the reader gets back as written: no separators, no surrounding space, not one of ours. */
function checkKey(k: string): string {
  if (!k || k !== k.trim() || /[,:\n\r]/.test(k) || RESERVED.has(k)) throw new Error(`invalid parameters key ${JSON.stringify(k)}`);
  return k;
}

const splitLines = (text: string) => text.replace(/\r\n?/g, '\n').split('\n');

/** Prompt and negative prompt from the lines above the fields line (as A1111 lays them out). */
function readHead(head: string[]): { prompt: string; negativePrompt: string } {
  const negAt = head.findIndex((l) => l.startsWith(NEGATIVE));
  if (negAt < 0) return { prompt: head.join('\n'), negativePrompt: '' };
  const negative = [head[negAt].slice(NEGATIVE.length).trimStart(), ...head.slice(negAt + 1)];
  return { prompt: head.slice(0, negAt).join('\n'), negativePrompt: negative.join('\n') };
}

export function toParameters(p: ImageParameters): string {
  const known: [string, string | undefined][] = [
    ['Steps', p.steps?.toString()],
    ['Sampler', p.sampler],
    ['CFG scale', p.guidanceScale?.toString()],
    ['Seed', p.seed],
    ['Size', p.width !== undefined && p.height !== undefined ? `${p.width}x${p.height}` : undefined],
    ['Model', p.model],
  ];
  const head = [p.prompt];
  if (p.negativePrompt) head.push(`${NEGATIVE} ${p.negativePrompt}`);
  const shown = readHead(splitLines(head.join('\n')));
  const exact: [string, string][] = [];
  if (shown.prompt !== p.prompt) exact.push([EXACT_PROMPT, p.prompt]);
  if (shown.negativePrompt !== p.negativePrompt) exact.push([EXACT_NEGATIVE, p.negativePrompt]);
  const extra = Object.entries(p.extra ?? {}).map(([k, v]): [string, string] => [checkKey(k), v]);
  const fields = [...known.filter((f): f is [string, string] => f[1] !== undefined), ...extra, ...exact];
  return [...head, fields.map(([k, v]) => `${k}: ${quote(v)}`).join(', ')].join('\n');
}

const isSpace = (c: string) => /\s/.test(c);

function skipSpace(s: string, i: number): number {
  while (i < s.length && isSpace(s[i])) i++;
  return i;
}

/** Index of the quote closing the JSON string opened at `open`, or -1. */
function closingQuote(s: string, open: number): number {
  for (let i = open + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

/**
 * One value from `start`: a JSON string followed by ',' or the end, else the text up to ','
 * (an unclosed quote: the first ','; trailing text after a closed one: the ',' after it). A
 * quote that does not close cannot reopen inside the text it scanned (a value's quote follows
 * ':' or a space, never a backslash), so the whole line is scanned a bounded number of times.
 */
function readValue(s: string, start: number): { value: string; end: number } {
  const open = skipSpace(s, start);
  const close = s[open] === '"' ? closingQuote(s, open) : -1;
  if (close >= 0) {
    const after = skipSpace(s, close + 1);
    if (after >= s.length || s[after] === ',') {
      const raw = s.slice(open, close + 1);
      try {
        return { value: JSON.parse(raw) as string, end: after };
      } catch {
        return { value: raw, end: after };
      }
    }
  }
  let comma = s.indexOf(',', close >= 0 ? close : start);
  if (comma < 0) comma = s.length;
  return { value: s.slice(start, comma).trim(), end: comma };
}

/** Splits `K: v, K2: "v, 2"` into pairs in one pass; text without a ':' before the next ',' is skipped. */
function parseFields(line: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < line.length) {
    let sep = i;
    while (sep < line.length && line[sep] !== ':' && line[sep] !== ',') sep++;
    if (sep >= line.length) break;
    if (line[sep] === ',') {
      i = sep + 1;
      continue;
    }
    const key = line.slice(i, sep).trim();
    const { value, end } = readValue(line, sep + 1);
    if (key) out.set(key, value);
    i = end + 1;
  }
  return out;
}

/** The lines above the fields line, and the fields (the last line that starts like one, and any after it). */
function splitText(text: string): { head: string[]; fields: Map<string, string> } {
  if (text.length > PARAMETERS_LIMITS.textChars) throw new NotParametersError(`parameters text too long (${text.length} characters; at most ${PARAMETERS_LIMITS.textChars})`);
  const lines = splitLines(text);
  let fieldsAt = -1;
  for (let i = lines.length - 1; i >= 0; i--) if (FIELD_LINE.test(lines[i])) { fieldsAt = i; break; }
  if (fieldsAt < 0) throw new NotParametersError('no "Steps: …, Seed: …" line: not generation parameters');
  const line = lines.slice(fieldsAt).join(' ');
  if (line.length > PARAMETERS_LIMITS.fieldsLineChars) throw new NotParametersError(`parameters fields line too long (${line.length} characters; at most ${PARAMETERS_LIMITS.fieldsLineChars})`);
  return { head: lines.slice(0, fieldsAt), fields: parseFields(line) };
}

/** Parses a parameters text; throws NotParametersError with the reason when it is not one. Numbers it cannot read are left out. */
export function fromParameters(text: string): ImageParameters {
  const { head, fields: f } = splitText(text);
  const shown = readHead(head);
  const seed = parseSeed(f.get('Seed') ?? '');
  if (!seed) throw new NotParametersError(`parameters have no valid Seed (got ${JSON.stringify((f.get('Seed') ?? '').slice(0, 40))})`);
  const num = (k: string) => {
    const n = Number(f.get(k) ?? NaN);
    return Number.isFinite(n) ? n : undefined;
  };
  const size = /^(\d+)x(\d+)$/.exec(f.get('Size') ?? '');
  const extra: Record<string, string> = {};
  // defineProperty: a key such as "__proto__" stays a plain field.
  for (const [k, v] of f) if (!RESERVED.has(k)) Object.defineProperty(extra, k, { value: v, enumerable: true, writable: true, configurable: true });
  const p: ImageParameters = {
    prompt: f.get(EXACT_PROMPT) ?? shown.prompt,
    negativePrompt: f.get(EXACT_NEGATIVE) ?? shown.negativePrompt,
    seed,
    sampler: f.get('Sampler') ?? '',
    model: f.get('Model') ?? '',
  };
  const steps = num('Steps');
  const guidanceScale = num('CFG scale');
  if (steps !== undefined) p.steps = steps;
  if (guidanceScale !== undefined) p.guidanceScale = guidanceScale;
  if (size) Object.assign(p, { width: Number(size[1]), height: Number(size[2]) });
  if (Object.keys(extra).length) p.extra = extra;
  return p;
}
/** The name AUTOMATIC1111 and friends use for a diffusers scheduler class. */
export function samplerName(schedulerClass: string): string {
  switch (schedulerClass) {
    case 'LCMScheduler': return 'LCM';
    case 'DPMSolverMultistepScheduler': return 'DPM++ 2M';
    default: return schedulerClass.replace(/Scheduler$/, '') || 'unknown';
  }
}

/**
 * What one generated image's file says: the config it ran with, the size it came out at, the
 * model, and (in a batch) its place, the way A1111 writes `Batch size` and `Batch pos`.
 */
export function imageParameters(
  config: Pick<GenerationConfig, 'steps' | 'guidanceScale' | 'seed'>,
  image: { prompt: string; negativePrompt: string; width: number; height: number; index: number },
  model: { name: string; schedulerClass: string },
  batchSize: number,
): ImageParameters {
  return {
    prompt: image.prompt,
    negativePrompt: image.negativePrompt,
    steps: config.steps,
    sampler: samplerName(model.schedulerClass),
    guidanceScale: config.guidanceScale,
    seed: config.seed,
    width: image.width,
    height: image.height,
    model: model.name,
    extra: { ...(batchSize > 1 ? { 'Batch size': String(batchSize), 'Batch pos': String(image.index) } : {}), Version: 'PixArt Studio' },
  };
}

/** The config fields an image's parameters give back (for Reuse and Re-run): only what it carries. */
export function configFromParameters(p: ImageParameters): Partial<GenerationConfig> {
  const out: Partial<GenerationConfig> = { prompt: p.prompt, negativePrompt: p.negativePrompt, seed: p.seed };
  if (p.steps !== undefined) out.steps = p.steps;
  if (p.guidanceScale !== undefined) out.guidanceScale = p.guidanceScale;
  if (p.width !== undefined && p.height !== undefined) Object.assign(out, { width: p.width, height: p.height });
  return out;
}
