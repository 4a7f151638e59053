// `pixart mcp`: an MCP server on stdin/stdout (the official SDK's McpServer and stdio transport)
// with two tools, generate_image (mcp-generate.ts) and list_images (mcp-list.ts), over one
// pipeline that loads on the first generate_image call and stays loaded (mcp-model.ts). stdout
// carries only the protocol: every log line, ours or a library's console.log, goes to stderr.
// The model folder is checked before serving, so a wrong --model fails at start, not at the
// first call; the runtime and the compile are the first call's (their errors are tool errors).
import { promises as fs } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { version } from '../../package.json';
import { readModelFolder } from '../pipeline/model-folder';
import { LIMITS } from '../protocol/generation';
import { UsageError, type McpOptions } from './args';
import { generateImage } from './mcp-generate';
import { listImages } from './mcp-list';
import { MAX_WAITING_CALLS, ModelHost } from './mcp-model';
import { generateInput, generateOutput, listInput, listOutput } from './mcp-schemas';

const log = (line: string) => process.stderr.write(`pixart mcp: ${line}\n`);

/** Nothing but JSON-RPC may reach stdout. */
function keepStdoutForTheProtocol(): void {
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}

async function checkOut(out: string): Promise<void> {
  const st = await fs.stat(out).catch(() => undefined);
  if (st && !st.isDirectory()) throw new UsageError(`--out: ${out} is a file; name a folder (it is created when the first image is saved)`);
}

const GENERATE_DESCRIPTION = `Generates images from a text prompt on this machine with PixArt (α or Σ), saves each as a PNG carrying its generation parameters in the server's output folder (or a subfolder of it), and returns the file paths, the seed used and the image itself. Never replaces an existing file. Calls run one at a time; at most ${LIMITS.maxImagesPerPrompt} images per call. Before generating something that may exist already, list_images can find it.`;
const LIST_DESCRIPTION = 'Lists the images in the output folder (or a subfolder), newest first, with the prompt, seed and size each was generated with, so an existing image can be reused instead of generated again.';

/** The tool's outcome on stderr, for whoever reads the client's server log. */
async function logged(tool: string, run: () => Promise<CallToolResult>, signal: AbortSignal): Promise<CallToolResult> {
  const t0 = performance.now();
  try {
    const r = await run();
    const files = r.content.filter((c) => c.type === 'image').length;
    log(`${tool}: done in ${Math.round(performance.now() - t0)} ms${files ? `, ${files} image${files > 1 ? 's' : ''} saved` : ''}`);
    return r;
  } catch (err) {
    log(`${tool}: ${signal.aborted ? 'cancelled' : `failed: ${(err instanceof Error ? err.message : String(err)).replace(/\n/g, '; ')}`}`);
    throw err;
  }
}

function createServer(o: McpOptions, host: ModelHost): McpServer {
  const server = new McpServer(
    { name: 'pixart-studio', title: 'PixArt Studio', version },
    { instructions: `Local text-to-image generation (PixArt-α/Σ on OpenVINO). Images are saved under ${o.out}. The first generate_image call loads the model (seconds to minutes); later calls do not. At most ${MAX_WAITING_CALLS} calls wait behind the running one.` },
  );
  const ctx = { host, root: o.out };
  server.registerTool(
    'generate_image',
    { title: 'Generate image', description: GENERATE_DESCRIPTION, inputSchema: generateInput, outputSchema: generateOutput, annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } },
    (args, extra) => logged('generate_image', () => generateImage(ctx, args, extra), extra.signal),
  );
  server.registerTool(
    'list_images',
    { title: 'List generated images', description: LIST_DESCRIPTION, inputSchema: listInput, outputSchema: listOutput, annotations: { readOnlyHint: true, openWorldHint: false } },
    (args, extra) => logged('list_images', () => listImages(o.out, args), extra.signal),
  );
  return server;
}

/** Serves until the client closes stdin or signals the process. */
export async function runMcp(o: McpOptions): Promise<void> {
  keepStdoutForTheProtocol();
  readModelFolder(o.model); // a ModelFolderError names the file and the fix
  await checkOut(o.out);
  const host = new ModelHost(o, log);
  const server = createServer(o, host);
  // The OS frees the model; disposing it under a running inference would only risk a crash.
  const stop = () => process.exit(0);
  process.stdin.once('end', stop);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await server.connect(new StdioServerTransport());
  log(`ready: model ${o.model} (loaded by the first generate_image call), images in ${o.out}`);
}
