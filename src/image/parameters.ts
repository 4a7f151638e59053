// The AUTOMATIC1111-style "parameters" text that generated images carry, written and read back:
//   <prompt>
//   Negative prompt: <negative>
//   Steps: 4, Sampler: LCM, CFG scale: 0, Seed: 42, Size: 1024x1024, Model: PixArt-LCM-XL-2-1024-MS
// Other tools (A1111, ComfyUI importers, civitai) read this format; so do we, to reuse parameters.
// The one place that maps a GenerationConfig to this text and back.
import type { ImageParameters } from '../protocol/messages';
import { parseSeed, type GenerationConfig } from '../protocol/generation';

export type { ImageParameters };

export const PARAMETERS_KEY = 'parameters';

/** Values containing a comma or quote are quoted, as A1111 does. */
function quote(v: string): string {
  return /[,:"\n]/.test(v) ? JSON.stringify(v) : v;
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
  const fields = [...known.filter((f): f is [string, string] => f[1] !== undefined), ...Object.entries(p.extra ?? {})];
  const lines = [p.prompt];
  if (p.negativePrompt) lines.push(`Negative prompt: ${p.negativePrompt}`);
  lines.push(fields.map(([k, v]) => `${k}: ${quote(v)}`).join(', '));
  return lines.join('\n');
}

/** Splits `K: v, K2: "v, 2"` into pairs, honouring JSON-quoted values. */
function parseFields(line: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /\s*([\w \-/().]+?):\s*("(?:\\.|[^"\\])*"|[^,]*)(?:,|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) && m[0] !== '') {
    let v = m[2].trim();
    if (v.startsWith('"')) {
      try { v = JSON.parse(v) as string; } catch { /* keep raw */ }
    }
    out.set(m[1].trim(), v);
  }
  return out;
}

const KNOWN = ['Steps', 'Sampler', 'CFG scale', 'Seed', 'Size', 'Model'];
const FIELD_LINE = new RegExp(`^(${KNOWN.join('|')})\\s*:`);

/** Parses a parameters text; throws with the reason when it is not one. Numbers it cannot read are left out. */
export function fromParameters(text: string): ImageParameters {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  // The fields line is the last line that starts like one; everything before is prompt/negative.
  let fieldsAt = -1;
  for (let i = lines.length - 1; i >= 0; i--) if (FIELD_LINE.test(lines[i])) { fieldsAt = i; break; }
  if (fieldsAt < 0) throw new Error('no "Steps: …, Seed: …" line: not generation parameters');
  const head = lines.slice(0, fieldsAt);
  const negAt = head.findIndex((l) => l.startsWith('Negative prompt:'));
  const prompt = (negAt < 0 ? head : head.slice(0, negAt)).join('\n');
  const negativePrompt = negAt < 0 ? '' : [head[negAt].slice('Negative prompt:'.length).trimStart(), ...head.slice(negAt + 1)].join('\n');
  const f = parseFields(lines.slice(fieldsAt).join(' '));
  const seed = parseSeed(f.get('Seed') ?? '');
  if (!seed) throw new Error(`parameters have no valid Seed (got ${JSON.stringify(f.get('Seed') ?? '')})`);
  const num = (k: string) => {
    const n = Number(f.get(k) ?? NaN);
    return Number.isFinite(n) ? n : undefined;
  };
  const size = /^(\d+)x(\d+)$/.exec(f.get('Size') ?? '');
  const extra: Record<string, string> = {};
  for (const [k, v] of f) if (!KNOWN.includes(k)) extra[k] = v;
  const p: ImageParameters = { prompt, negativePrompt, seed, sampler: f.get('Sampler') ?? '', model: f.get('Model') ?? '' };
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
