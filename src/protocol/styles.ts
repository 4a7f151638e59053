// Named prompt styles (`pixart.styles`): a prompt and a negative-prompt template with `{prompt}`
// where the user's text goes, as AUTOMATIC1111's styles.csv has them. Pure: the host parses the
// setting and applies a style when it builds a job; the webview only lists the names.

export interface PromptStyle {
  name: string;
  /** "{prompt}, watercolor, soft light"; without `{prompt}` the text is added after the user's prompt. */
  prompt: string;
  negativePrompt: string;
}

export const PROMPT_SLOT = '{prompt}';
export const STYLE_LIMITS = { maxStyles: 100, nameChars: 60, templateChars: 2000 } as const;
const KEYS = ['name', 'prompt', 'negativePrompt'];

/**
 * The template with `text` in every `{prompt}`; a template without the slot is added after the
 * text with ", " (A1111's rule). split/join, not String.replace, so a `$&` in the text stays text.
 */
export function applyTemplate(template: string, text: string): string {
  if (!template.trim()) return text;
  if (template.includes(PROMPT_SLOT)) return template.split(PROMPT_SLOT).join(text);
  return text.trim() ? `${text}, ${template}` : template;
}

/** The prompt and negative prompt a job runs with under `style` (none: as typed). */
export function applyStyle(style: PromptStyle | undefined, prompt: string, negativePrompt: string): { prompt: string; negativePrompt: string } {
  if (!style) return { prompt, negativePrompt };
  return { prompt: applyTemplate(style.prompt, prompt), negativePrompt: applyTemplate(style.negativePrompt, negativePrompt) };
}

export interface ParsedStyles {
  styles: PromptStyle[];
  /** One line per bad entry, naming it and the fix; the good entries are kept. */
  problems: string[];
}

function entryProblem(raw: unknown, where: string): string | PromptStyle {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return `${where} must be an object such as { "name": "Watercolor", "prompt": "{prompt}, watercolor" }.`;
  const r = raw as Record<string, unknown>;
  const name = typeof r.name === 'string' ? r.name.trim() : '';
  const label = name ? `${where} ("${name.slice(0, STYLE_LIMITS.nameChars)}")` : where;
  if (!name) return `${where} has no "name": give each style a name to pick it by.`;
  if (name.length > STYLE_LIMITS.nameChars) return `${label}: the name is longer than ${STYLE_LIMITS.nameChars} characters.`;
  const unknown = Object.keys(r).filter((k) => !KEYS.includes(k));
  if (unknown.length) return `${label}: unknown key ${unknown.map((k) => `"${k}"`).join(', ')} (a style has "name", "prompt" and "negativePrompt").`;
  for (const k of ['prompt', 'negativePrompt'] as const) {
    if (r[k] !== undefined && typeof r[k] !== 'string') return `${label}: "${k}" must be text, e.g. "{prompt}, watercolor".`;
    if (typeof r[k] === 'string' && r[k].length > STYLE_LIMITS.templateChars) return `${label}: "${k}" is longer than ${STYLE_LIMITS.templateChars} characters.`;
  }
  const prompt = (r.prompt as string | undefined) ?? '';
  const negativePrompt = (r.negativePrompt as string | undefined) ?? '';
  if (!prompt.trim() && !negativePrompt.trim()) return `${label} changes nothing: set "prompt" (e.g. "{prompt}, watercolor") or "negativePrompt".`;
  return { name, prompt, negativePrompt };
}

/** `pixart.styles` as set (any JSON): the usable styles, and what is wrong with the others. */
export function parseStyles(raw: unknown): ParsedStyles {
  if (raw === undefined || raw === null) return { styles: [], problems: [] };
  if (!Array.isArray(raw)) return { styles: [], problems: ['pixart.styles must be a list of styles: [{ "name": "Watercolor", "prompt": "{prompt}, watercolor", "negativePrompt": "photo" }].'] };
  const styles: PromptStyle[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  raw.slice(0, STYLE_LIMITS.maxStyles).forEach((entry, i) => {
    const where = `pixart.styles[${i}]`;
    const r = entryProblem(entry, where);
    if (typeof r === 'string') return void problems.push(r);
    const key = r.name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) return void problems.push(`${where} ("${r.name}"): pixart.styles[${first}] has the same name; give each style its own.`);
    seen.set(key, i);
    styles.push(r);
  });
  if (raw.length > STYLE_LIMITS.maxStyles) problems.push(`pixart.styles has ${raw.length} entries; the first ${STYLE_LIMITS.maxStyles} are used.`);
  return { styles, problems };
}
