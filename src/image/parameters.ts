// The AUTOMATIC1111-style "parameters" text that generated PNGs carry, written and read back:
//   <prompt>
//   Negative prompt: <negative>
//   Steps: 4, Sampler: LCM, CFG scale: 0, Seed: 42, Size: 1024x1024, Model: PixArt-LCM-XL-2-1024-MS
// Other tools (A1111, ComfyUI importers, civitai) read this format; so do we, to reuse parameters.

export interface ImageParameters {
  prompt: string;
  negativePrompt: string;
  steps: number;
  sampler: string;
  cfgScale: number;
  /** Decimal string: seeds go up to 2^64−1, beyond a double's exact range. */
  seed: string;
  width: number;
  height: number;
  model: string;
  /** Any further `Key: value` pairs, in order. */
  extra?: Record<string, string>;
}

export const PARAMETERS_KEY = 'parameters';

/** Values containing a comma or quote are quoted, as A1111 does. */
function quote(v: string): string {
  return /[,:"\n]/.test(v) ? JSON.stringify(v) : v;
}

export function formatParameters(p: ImageParameters): string {
  const fields: [string, string][] = [
    ['Steps', String(p.steps)],
    ['Sampler', p.sampler],
    ['CFG scale', String(p.cfgScale)],
    ['Seed', p.seed],
    ['Size', `${p.width}x${p.height}`],
    ['Model', p.model],
    ...Object.entries(p.extra ?? {}),
  ];
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

const FIELD_LINE = /^(Steps|Sampler|CFG scale|Seed|Size|Model)\s*:/;

/** Parses a parameters text; throws with the reason when it is not one. */
export function parseParameters(text: string): ImageParameters {
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
  const num = (k: string, fallback: number) => {
    const v = f.get(k);
    const n = v === undefined ? NaN : Number(v);
    return Number.isFinite(n) ? n : fallback;
  };
  const size = /^(\d+)x(\d+)$/.exec(f.get('Size') ?? '');
  const seed = f.get('Seed') ?? '';
  if (!/^\d+$/.test(seed)) throw new Error(`parameters have no valid Seed (got ${JSON.stringify(seed)})`);
  const known = new Set(['Steps', 'Sampler', 'CFG scale', 'Seed', 'Size', 'Model']);
  const extra: Record<string, string> = {};
  for (const [k, v] of f) if (!known.has(k)) extra[k] = v;
  return {
    prompt,
    negativePrompt,
    steps: num('Steps', NaN),
    sampler: f.get('Sampler') ?? '',
    cfgScale: num('CFG scale', NaN),
    seed,
    width: size ? Number(size[1]) : NaN,
    height: size ? Number(size[2]) : NaN,
    model: f.get('Model') ?? '',
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}

/** The name AUTOMATIC1111 and friends use for a diffusers scheduler class. */
export function samplerName(schedulerClass: string): string {
  switch (schedulerClass) {
    case 'LCMScheduler': return 'LCM';
    case 'DPMSolverMultistepScheduler': return 'DPM++ 2M';
    default: return schedulerClass.replace(/Scheduler$/, '') || 'unknown';
  }
}
