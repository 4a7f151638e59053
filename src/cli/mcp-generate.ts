// The generate_image tool: arguments checked (the form's rules) and the folder checked before the
// model is asked for; then, on the one pipeline in its turn, the model's own checks, the run with a
// progress notification per step and the request's AbortSignal as the pipeline's, and the images
// saved only if the call was not cancelled. Every failure is thrown with its message, which the
// SDK returns as a tool error (isError).
import { randomInt } from 'node:crypto';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { LIMITS, withSeed } from '../protocol/generation';
import { CancelledError } from '../pipeline/pipeline';
import { checkedFolder, createFolder, relativeTo } from './mcp-folder';
import type { ModelHost } from './mcp-model';
import { previewContent } from './mcp-preview';
import { InputError, toConfig } from './mcp-request';
import { saveImages, type SavedImage } from './mcp-save';
import type { GenerateArgs, GenerateOutput } from './mcp-schemas';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface ToolContext {
  host: ModelHost;
  /** The server's --out, absolute. */
  root: string;
}

type Progress = (progress: number, total: number | undefined, message: string) => void;

/** Sends notifications/progress when the caller asked for them (a progressToken); never blocks the run. */
export function progressSender(extra: ToolExtra): Progress {
  const token = extra._meta?.progressToken;
  return (progress, total, message) => {
    if (token === undefined) return;
    const params = { progressToken: token, progress, message, ...(total === undefined ? {} : { total }) };
    extra.sendNotification({ method: 'notifications/progress', params }).catch(() => undefined);
  };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function checkName(name: string | undefined): void {
  if (name !== undefined && name.length > LIMITS.fileNameChars) throw new InputError(`name: too long (${name.length} characters; at most ${LIMITS.fileNameChars}).`);
}

function summary(out: GenerateOutput, files: string[], aspect: string | undefined): string {
  const { width, height } = out.images[0];
  const t = out.timings;
  const load = t.loadMs > 0 ? `model load ${Math.round(t.loadMs)} ms (once per server), ` : '';
  const size = aspect === undefined ? `${width}×${height}` : `${width}×${height}, the model's closest size to ${aspect}`;
  return [
    `Saved ${files.length} image${files.length > 1 ? 's' : ''} (${size}, seed ${out.seed}, ${out.steps} steps, guidance ${out.guidanceScale}, ${out.model}):`,
    ...files,
    `The same seed and arguments give the same image. Took ${load}${Math.round(t.generateMs)} ms to generate.`,
  ].join('\n');
}

function result(out: GenerateOutput, saved: SavedImage[], pixels: { rgb: Uint8Array; width: number; height: number }[], aspect: string | undefined): CallToolResult {
  return {
    content: [{ type: 'text', text: summary(out, saved.map((s) => s.path), aspect) }, ...saved.map((s, i) => previewContent(pixels[i], s.bytes))],
    structuredContent: out,
  };
}

export async function generateImage(ctx: ToolContext, args: GenerateArgs, extra: ToolExtra): Promise<CallToolResult> {
  const progress = progressSender(extra);
  toConfig(args); // what needs no model: a bad prompt costs no load
  checkName(args.name);
  // The folder is checked while the call waits its turn, which it takes now: calls run in the order sent.
  const folderChecked = checkedFolder(ctx.root, args.folder);
  folderChecked.catch(() => undefined); // reported by exclusive(), or moot when the queue is full
  return ctx.host.exclusive(extra.signal, () => progress(0, undefined, 'Loading the model (the first call only)…'), async (turn) => {
    const folder = await folderChecked;
    const info = turn.pipeline.info;
    const config = withSeed(toConfig(args, info), () => randomInt(0, LIMITS.maxRandomSeed + 1));
    const t0 = performance.now();
    const run = await turn.pipeline.generate(
      { ...config, resolutionBinning: true },
      { signal: extra.signal, onStep: (s) => progress(s.step, s.steps, `Step ${s.step} of ${s.steps}`) },
    );
    const generateMs = performance.now() - t0;
    if (extra.signal.aborted) throw new CancelledError();
    await createFolder(ctx.root, folder);
    const t1 = performance.now();
    const saved = await saveImages(folder, run.images, config, info, args.name);
    const out: GenerateOutput = {
      images: saved.map((s) => ({ path: s.path, relativePath: relativeTo(ctx.root, s.path), width: s.width, height: s.height })),
      seed: config.seed,
      prompt: config.prompt,
      negativePrompt: run.images[0].negativePrompt, // '' when guidance does not use it, as the file says
      steps: config.steps,
      guidanceScale: config.guidanceScale,
      model: info.name,
      timings: { queuedMs: round(turn.queuedMs), loadMs: round(turn.loadMs), generateMs: round(generateMs), saveMs: round(performance.now() - t1) },
    };
    return result(out, saved, run.images, args.aspect);
  }, folderChecked);
}
