// Driving `pixart mcp` (the built dist/cli.js) as an MCP client does: the SDK's own Client over its
// StdioClientTransport, on the real OpenVINO runtime. Shared by the mcp*.test.ts files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { runtimeEnv } from '../support/engines';

export const cli = join(__dirname, '..', '..', 'dist', 'cli.js');

export interface Server {
  client: Client;
  out: string;
  stderr: string[];
  /** Errors the client saw on the connection (a stray line on stdout would be one). */
  errors: Error[];
}

export async function startServer(model: string, out: string, extraArgs: string[] = []): Promise<Server> {
  assert.ok(existsSync(cli), `${cli} is missing: run npm run build`);
  const env = { ...process.env, ...runtimeEnv() } as Record<string, string>;
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'mcp', '--model', model, '--out', out, ...extraArgs], env, stderr: 'pipe' });
  const stderr: string[] = [];
  transport.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  const client = new Client({ name: 'pixart-mcp-test', version: '0' });
  const errors: Error[] = [];
  client.onerror = (e) => errors.push(e);
  await client.connect(transport);
  return { client, out, stderr, errors };
}

/** The CLI run to the end (stdin closed at once). */
export function runCli(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', input: '', env: { ...process.env, ...runtimeEnv() } });
}

type Content = CallToolResult['content'][number];
export const textOf = (r: CallToolResult) => r.content.filter((c): c is Extract<Content, { type: 'text' }> => c.type === 'text').map((c) => c.text).join('\n');
export const imagesOf = (r: CallToolResult) => r.content.filter((c): c is Extract<Content, { type: 'image' }> => c.type === 'image');

/** generate_image's structured result (the client has checked it against the output schema). */
export interface Generated {
  images: { path: string; relativePath: string; width: number; height: number }[];
  seed: string;
  timings: { queuedMs: number; loadMs: number; generateMs: number; saveMs: number };
}

export async function generate(s: Server, args: Record<string, unknown>, options: { onprogress?: (p: Progress) => void; signal?: AbortSignal } = {}): Promise<{ result: CallToolResult; out: Generated; wallMs: number }> {
  const t0 = performance.now();
  const result = (await s.client.callTool({ name: 'generate_image', arguments: args }, undefined, options)) as CallToolResult;
  const wallMs = performance.now() - t0;
  assert.ok(!result.isError, `generate_image failed: ${textOf(result)}`);
  return { result, out: result.structuredContent as unknown as Generated, wallMs };
}

export async function callTool(s: Server, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await s.client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The text of the tool error a call must end in. */
export async function toolError(s: Server, name: string, args: Record<string, unknown>): Promise<string> {
  const result = await callTool(s, name, args);
  assert.equal(result.isError, true, `expected an error for ${JSON.stringify(args).slice(0, 200)}, got ${textOf(result)}`);
  return textOf(result);
}

/** Every file under `dir`, relative to it, sorted. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}
