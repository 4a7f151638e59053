// ComfyUI's files carry no parameters text, only the graph that made them: the API graph
// (`prompt`: node id → { class_type, inputs }, an input a value or a link [node id, slot]) and the
// editor's (`workflow`: { nodes: [{ id, type, inputs: [{ name, link }], widgets_values }], links }),
// as PNG text chunks, or in a WebP's EXIF as "prompt:{…}" (Model) and "workflow:{…}" (Make). From
// the sampler node (KSampler, KSamplerAdvanced, or any node with a seed and a positive input) we
// read its seed, steps, CFG, sampler and scheduler, and follow its links to the positive and
// negative text (through nodes that pass conditioning on), the latent size and the checkpoint.
// The files come from anywhere: bounded (text, node count, hops), tolerant (what is not found is
// left out); without a prompt text and a seed it is not parameters.

import { parseSeed } from '../protocol/generation';
import { NotParametersError, type ImageParameters } from './parameters';

export const COMFY_LIMITS = { jsonChars: 4 * 1024 * 1024, nodes: 10_000, hops: 32 } as const;
/** The PNG keywords (and EXIF prefixes) ComfyUI stores its graphs under. */
export const COMFY_KEYS = ['prompt', 'workflow'] as const;

/** One node, in either format: its type, its literal inputs by name, its linked inputs by name. */
interface GraphNode {
  type: string;
  values: Map<string, unknown>;
  links: Map<string, string>;
}
type Graph = Map<string, GraphNode>;

/** Integers of 16 digits and more become strings before JSON.parse, which would round them (seeds go up to 2^64 − 1). */
function quoteBigIntegers(json: string): string {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c >= '0' && c <= '9' && !/[\d.\-+eE]/.test(json[i - 1] ?? '')) {
      let end = i;
      while (end < json.length && json[end] >= '0' && json[end] <= '9') end++;
      if (end - i >= 16 && !/[.eE]/.test(json[end] ?? '')) {
        out += `${json.slice(from, i)}"${json.slice(i, end)}"`;
        from = end;
      }
      i = end - 1;
    }
  }
  return out + json.slice(from);
}

function parseJson(text: string): unknown {
  if (text.length > COMFY_LIMITS.jsonChars) throw new NotParametersError(`ComfyUI graph too long (${text.length} characters)`);
  try {
    return JSON.parse(quoteBigIntegers(text));
  } catch {
    throw new NotParametersError('the ComfyUI graph is not JSON');
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isLink = (v: unknown): v is [string | number, number] => Array.isArray(v) && v.length === 2 && (typeof v[0] === 'string' || typeof v[0] === 'number') && typeof v[1] === 'number';

/** The API graph: `{ "3": { "class_type": "KSampler", "inputs": { "seed": 5, "positive": ["6", 0] } } }`. */
function apiGraph(root: Record<string, unknown>): Graph {
  const graph: Graph = new Map();
  for (const [id, node] of Object.entries(root).slice(0, COMFY_LIMITS.nodes)) {
    if (!isRecord(node) || typeof node.class_type !== 'string' || !isRecord(node.inputs)) continue;
    const values = new Map<string, unknown>();
    const links = new Map<string, string>();
    for (const [name, v] of Object.entries(node.inputs)) {
      if (isLink(v)) links.set(name, String(v[0]));
      else values.set(name, v);
    }
    graph.set(id, { type: node.class_type, values, links });
  }
  return graph;
}

/** The editor's widgets, by position, for the node types whose values we read (ComfyUI's own order). */
const WIDGETS: Record<string, readonly string[]> = {
  KSampler: ['seed', 'control_after_generate', 'steps', 'cfg', 'sampler_name', 'scheduler', 'denoise'],
  KSamplerAdvanced: ['add_noise', 'noise_seed', 'control_after_generate', 'steps', 'cfg', 'sampler_name', 'scheduler', 'start_at_step', 'end_at_step', 'return_with_leftover_noise'],
  CLIPTextEncode: ['text'],
  EmptyLatentImage: ['width', 'height', 'batch_size'],
  CheckpointLoaderSimple: ['ckpt_name'],
};

/** link id → origin node id, from `links` as arrays [id, origin, slot, target, slot, type] or objects. */
function linkOrigins(links: unknown): Map<number, string> {
  const out = new Map<number, string>();
  for (const l of Array.isArray(links) ? links.slice(0, COMFY_LIMITS.nodes * 4) : []) {
    if (Array.isArray(l) && typeof l[0] === 'number') out.set(l[0], String(l[1]));
    else if (isRecord(l) && typeof l.id === 'number') out.set(l.id, String(l.origin_id));
  }
  return out;
}

/** The editor's graph: nodes with positional widget values and inputs that name a link. */
function workflowGraph(root: Record<string, unknown>): Graph {
  const graph: Graph = new Map();
  const origins = linkOrigins(root.links);
  for (const node of Array.isArray(root.nodes) ? root.nodes.slice(0, COMFY_LIMITS.nodes) : []) {
    if (!isRecord(node) || typeof node.type !== 'string') continue;
    const values = new Map<string, unknown>();
    const widgets = Array.isArray(node.widgets_values) ? node.widgets_values : [];
    (WIDGETS[node.type] ?? []).forEach((name, i) => i < widgets.length && values.set(name, widgets[i]));
    const links = new Map<string, string>();
    for (const input of Array.isArray(node.inputs) ? node.inputs : []) {
      const origin = isRecord(input) && typeof input.name === 'string' && typeof input.link === 'number' ? origins.get(input.link) : undefined;
      if (origin !== undefined && isRecord(input)) links.set(input.name as string, origin);
    }
    graph.set(String(node.id), { type: node.type, values, links });
  }
  return graph;
}

/** Which linked inputs lead on to what is looked for (conditioning to its text, a latent to its size). */
type PassOn = (input: string) => boolean;
const NOWHERE: PassOn = () => false;
const conditioning = (role: 'positive' | 'negative'): PassOn => (input) => input === role || input.includes('conditioning');
const LATENT: PassOn = (input) => input === 'samples' || input.includes('latent');

/**
 * The first of `keys` that the node at `id` holds as a literal passing `ok`, looking through its
 * linked inputs of those names and those `passOn` allows, breadth first within COMFY_LIMITS.hops.
 */
function find(graph: Graph, id: string | undefined, keys: readonly string[], ok: (v: unknown) => boolean, passOn: PassOn = NOWHERE): unknown {
  const seen = new Set<string>();
  let frontier = id === undefined ? [] : [id];
  for (let hop = 0; hop < COMFY_LIMITS.hops && frontier.length; hop++) {
    const next: string[] = [];
    for (const at of frontier) {
      const node = graph.get(at);
      if (!node || seen.has(at)) continue;
      seen.add(at);
      for (const k of keys) if (ok(node.values.get(k))) return node.values.get(k);
      for (const [input, to] of node.links) if (keys.includes(input) || passOn(input)) next.push(to);
    }
    frontier = next;
  }
  return undefined;
}

const isText = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown) => (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && /^\d{1,20}(\.\d+)?$/.test(v));
/** A sampler's seed, or a primitive node's value that a linked seed comes from. */
const SEED_KEYS = ['seed', 'noise_seed', 'value', 'int', 'number'];
const TEXT_KEYS = ['text', 'text_g', 'string', 'value', 'prompt'];
/** A checkpoint's name, or the model input of a node in between (LoRA loaders and the like). */
const MODEL_KEYS = ['ckpt_name', 'unet_name', 'model_name', 'model'];

/** The sampler: KSampler-like nodes first (by id order), then any node with a seed and a positive input. */
function samplerOf(graph: Graph): string | undefined {
  const ids = [...graph.keys()].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  const withSeed = (id: string) => {
    const n = graph.get(id)!;
    return n.links.has('positive') && ['seed', 'noise_seed'].some((k) => n.values.has(k) || n.links.has(k));
  };
  return ids.find((id) => /KSampler/.test(graph.get(id)!.type) && withSeed(id)) ?? ids.find(withSeed);
}

/** What one graph says, as parameters; throws NotParametersError without a sampler, a seed or a positive text. */
function fromGraph(graph: Graph): ImageParameters {
  const at = samplerOf(graph);
  const sampler = at === undefined ? undefined : graph.get(at)!;
  if (!sampler) throw new NotParametersError('the ComfyUI graph has no sampler node with a seed');
  const own = (k: string) => sampler.values.get(k);
  const seed = parseSeed(String(find(graph, at, SEED_KEYS, isNumber) ?? ''));
  const prompt = find(graph, sampler.links.get('positive'), TEXT_KEYS, isText, conditioning('positive'));
  if (!seed || !isText(prompt)) throw new NotParametersError(`the ComfyUI sampler has no ${seed ? 'positive prompt text' : 'whole-number seed'}`);
  const negative = find(graph, sampler.links.get('negative'), TEXT_KEYS, isText, conditioning('negative'));
  const width = find(graph, sampler.links.get('latent_image'), ['width'], isNumber, LATENT);
  const height = find(graph, sampler.links.get('latent_image'), ['height'], isNumber, LATENT);
  const model = find(graph, sampler.links.get('model'), MODEL_KEYS, isText);
  const p: ImageParameters = { prompt, negativePrompt: isText(negative) ? negative : '', seed, sampler: isText(own('sampler_name')) ? (own('sampler_name') as string) : '', model: isText(model) ? model : '' };
  if (isNumber(own('steps'))) p.steps = Number(own('steps'));
  if (isNumber(own('cfg'))) p.guidanceScale = Number(own('cfg'));
  if (isNumber(width) && isNumber(height)) Object.assign(p, { width: Number(width), height: Number(height) });
  if (isText(own('scheduler'))) p.extra = { 'Schedule type': own('scheduler') as string };
  return p;
}

/**
 * The parameters ComfyUI's graphs give: the API graph (`prompt`) when it reads, else the editor's
 * (`workflow`). Throws NotParametersError (with the first graph's reason) when neither does.
 */
export function comfyParameters(graphs: { prompt?: string; workflow?: string }): ImageParameters {
  let firstError: NotParametersError | undefined;
  for (const [text, toGraph] of [[graphs.prompt, apiGraph], [graphs.workflow, workflowGraph]] as const) {
    if (text === undefined) continue;
    try {
      const root = parseJson(text);
      if (!isRecord(root)) throw new NotParametersError('the ComfyUI graph is not a JSON object');
      return fromGraph(toGraph(root));
    } catch (err) {
      if (!(err instanceof NotParametersError)) throw err;
      firstError ??= err;
    }
  }
  throw firstError ?? new NotParametersError('no ComfyUI graph');
}
