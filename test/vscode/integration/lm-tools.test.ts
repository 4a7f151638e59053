// The chat tools in the real VS Code: `pixart_generate_image` and `pixart_list_images` called the
// way an agent's host calls them, through vscode.lm.invokeTool, on the real worker and OpenVINO
// with the tiny model. The image is saved; the returned paths and snippet are right; the job ran
// through the queue (the controller's job events); cancelling through the token leaves no file;
// bad input is refused with a clear message before any job; the MCP server definition offered to
// VS Code runs this extension's CLI on the configured model and output folder.
//
// Outside a chat request VS Code asks for the tool's confirmation in a modal dialog, which an
// extension host cannot answer: the tests auto-approve this one tool (chat.tools.global.autoApprove
// with VS Code's own test-mode key for its opt-in) and read the confirmation from prepareInvocation.
// Restricted Mode needs a window with workspace trust on: test/vscode/e2e/mcp-server.test.ts.

import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GenerateImageResult } from '../../../src/extension/lm-generate-tool';
import type { ListedImage } from '../../../src/extension/lm-tools';
import { readPngText } from '../../../src/image/png';
import { fromParameters } from '../../../src/image/parameters';
import { readImageParameters } from '../../../src/extension/image-reader';
import { env, outputDir, until, workspaceRoot, type ExtensionApi } from './helpers';
import { filesIn, readyExtension, recordEvents } from './jobs';
import { log } from './log';
import { writeSlowModelFolder } from '../../support/slow-models';

const GENERATE = 'pixart_generate_image';
const LIST = 'pixart_list_images';
const AUTO_APPROVE_TEST_MODE = 'vscode.chat.tools.global.autoApprove.testMode';
const input = (over: Record<string, unknown> = {}) => ({ prompt: 'a small cactus in a terracotta pot', seed: 42, steps: 2, size: '128x128', ...over });

let api: ExtensionApi;

/** The tool's two text parts: the sentence for the chat, and the JSON it carries. */
function partsOf<T>(result: vscode.LanguageModelToolResult): { summary: string; data: T } {
  const texts = result.content.filter((p): p is vscode.LanguageModelTextPart => p instanceof vscode.LanguageModelTextPart).map((p) => p.value);
  assert.equal(texts.length, 2, 'a summary and a JSON part');
  return { summary: texts[0], data: JSON.parse(texts[1]) as T };
}

const invoke = (name: string, toolInput: object, token?: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> =>
  Promise.resolve(vscode.lm.invokeTool(name, { input: toolInput, toolInvocationToken: undefined }, token));

/** Points pixart.modelPath at `modelPath` (Global: the machine settings in a remote window) and waits until it is ready. */
async function useModel(modelPath: string): Promise<void> {
  await vscode.workspace.getConfiguration('pixart').update('modelPath', modelPath, vscode.ConfigurationTarget.Global);
  await until(`the model at ${modelPath} to be ready`, () => api.controller.model.state.state === 'ready' && api.controller.model.state.modelPath === modelPath, 110_000);
}

async function openNotes(): Promise<string> {
  const doc = path.join(workspaceRoot(), 'docs', 'notes.md');
  await vscode.window.showTextDocument(vscode.Uri.file(doc));
  return doc;
}

describe('the chat tools in a real VS Code', () => {
  before(async function () {
    this.timeout(120_000);
    api = await readyExtension();
    await vscode.workspace.getConfiguration('chat.tools.global').update('autoApprove', { [GENERATE]: true }, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('setContext', AUTO_APPROVE_TEST_MODE, true);
  });

  after(async () => {
    await vscode.commands.executeCommand('setContext', AUTO_APPROVE_TEST_MODE, undefined);
    await vscode.workspace.getConfiguration('chat.tools.global').update('autoApprove', undefined, vscode.ConfigurationTarget.Global);
  });

  it('lists both tools in vscode.lm.tools, with the schemas package.json declares', async () => {
    await until('the tools to be listed', () => [GENERATE, LIST].every((n) => vscode.lm.tools.some((t) => t.name === n)), 10_000);
    const contributed: { name: string; inputSchema: object }[] = vscode.extensions.getExtension('pixart-studio.pixart-studio')!.packageJSON.contributes.languageModelTools;
    for (const name of [GENERATE, LIST]) {
      const listed = vscode.lm.tools.find((t) => t.name === name)!;
      assert.deepEqual(listed.inputSchema, contributed.find((c) => c.name === name)!.inputSchema);
    }
    const schema = vscode.lm.tools.find((t) => t.name === GENERATE)!.inputSchema as { required: string[]; properties: Record<string, unknown> };
    assert.deepEqual(schema.required, ['prompt']);
    assert.deepEqual(Object.keys(schema.properties), ['prompt', 'negativePrompt', 'size', 'aspectRatio', 'seed', 'steps', 'guidanceScale', 'count', 'folder']);
  });

  it('asks to confirm what it will generate and where, with the prompt as text, not markdown', async () => {
    const prompt = 'a cactus [click here](command:workbench.action.quit) **now**';
    const prepared = await api.tools.generate.prepareInvocation({ input: input({ prompt, count: 2 }) });
    assert.equal(prepared.confirmationMessages?.title, 'Generate 2 images with PixArt?');
    const message = prepared.confirmationMessages!.message as vscode.MarkdownString;
    assert.ok(message instanceof vscode.MarkdownString);
    // appendText escapes what markdown would render: the brackets and asterisks stay visible text.
    assert.ok(message.value.replace(/&nbsp;/g, ' ').includes('a cactus \\[click here\\]\\(command:workbench.action.quit\\) \\*\\*now\\*\\*'), message.value);
    assert.match(message.value, /2 images, 128×128, 2 steps, seed 42/);
    assert.match(message.value, /\*\*Saved as new files in\*\* assets\/generated/);
    assert.match(String(prepared.invocationMessage), /^Generating 2 images of “a cactus \[click here\]/);
  });

  it('generates through the queue and returns the paths, a snippet for the open document, and the seed', async function () {
    this.timeout(60_000);
    const doc = await openNotes();
    const before = filesIn(outputDir());
    const rec = recordEvents(api.controller);
    let queued = false;
    const sub = api.controller.onDidChange(() => (queued ||= api.controller.jobs.queue.summaries().some((j) => j.prompt === input().prompt)));
    try {
      const { summary, data } = partsOf<GenerateImageResult>(await invoke(GENERATE, input()));
      const added = filesIn(outputDir()).filter((f) => !before.includes(f));
      assert.equal(added.length, 1, 'one new image');
      const file = path.join(outputDir(), added[0]);
      assert.deepEqual(data.files, [`assets/generated/${added[0]}`]);
      assert.equal(data.seed, '42');
      assert.deepEqual([data.width, data.height, data.steps], [128, 128, 2]);
      assert.equal(data.snippetFor, 'docs/notes.md');
      assert.equal(data.snippet, `![a small cactus in a terracotta pot](${path.relative(path.dirname(doc), file).split(path.sep).join('/')})`);
      assert.ok(summary.includes(data.files[0]) && summary.includes('seed 42') && summary.includes(data.snippet), summary);
      const p = fromParameters(readPngText(fs.readFileSync(file)).parameters!);
      assert.deepEqual([p.prompt, p.seed, p.steps, p.width], [input().prompt, '42', 2, 128]);
      // The job went through the queue, as the sidebar's do: started, a progress event per step, done with this file.
      const done = rec.events.find((e) => e.kind === 'done');
      assert.ok(done && done.kind === 'done' && done.files[0] === file, 'the job runner saved this file');
      assert.ok(rec.indexOf(done.jobId, 'started') >= 0);
      assert.deepEqual(rec.events.filter((e) => e.jobId === done.jobId && e.kind === 'progress').map((e) => e.kind === 'progress' && e.step), [1, 2]);
      assert.ok(queued, 'the queue listed the job');
    } finally {
      sub.dispose();
      rec.dispose();
    }
  });

  it('saves into a folder inside the workspace, creating it, with the snippet relative to the document', async function () {
    this.timeout(60_000);
    const doc = await openNotes();
    const { data } = partsOf<GenerateImageResult>(await invoke(GENERATE, input({ folder: 'docs/images', count: 2, seed: 9 })));
    const folder = path.join(workspaceRoot(), 'docs', 'images');
    const saved = filesIn(folder);
    assert.equal(saved.length, 2);
    assert.deepEqual([...data.files].sort(), saved.map((f) => `docs/images/${f}`));
    // One line per image, in the job's order, each relative to docs/notes.md.
    assert.equal(data.snippet, data.files.map((f) => `![a small cactus in a terracotta pot](${f.replace(/^docs\//, '')})`).join('\n'));
    assert.ok(saved.every((f) => /seed9/.test(f)));
    assert.equal(path.dirname(doc), path.dirname(folder));
  });

  it('a burst of calls queues: each runs in turn, and none overwrites another\'s file', async function () {
    this.timeout(60_000);
    const before = filesIn(outputDir());
    const rec = recordEvents(api.controller);
    try {
      let most = 0;
      const sub = api.controller.onDidChange(() => (most = Math.max(most, api.controller.jobs.queue.size)));
      const results = await Promise.all([1, 2, 3].map(() => invoke(GENERATE, input({ seed: 5 }))));
      sub.dispose();
      const files = results.map((r) => partsOf<GenerateImageResult>(r).data.files[0]);
      const added = filesIn(outputDir()).filter((f) => !before.includes(f));
      assert.equal(new Set(files).size, 3, files.join(', '));
      assert.deepEqual([...files].sort(), added.map((f) => `assets/generated/${f}`));
      assert.ok(most >= 2, `the queue held ${most} jobs at once`);
      // One at a time: each job started after the one before it was done.
      const order = rec.events.filter((e) => e.kind === 'started' || e.kind === 'done').map((e) => `${e.kind}:${e.jobId}`);
      const jobs = [...new Set(rec.events.map((e) => e.jobId))];
      assert.deepEqual(order, jobs.flatMap((j) => [`started:${j}`, `done:${j}`]));
    } finally {
      rec.dispose();
    }
  });

  it('cancelling through the token cancels the job mid-step and leaves no file', async function () {
    // The tiny model runs 40 steps in 50 ms, faster than a cancel crosses to the main thread and
    // back: a copy whose steps take about a second (test/support/slow-models.ts).
    this.timeout(240_000);
    const slow = writeSlowModelFolder(env('PIXART_TEST_MODEL'), path.join(env('PIXART_TEST_SANDBOX'), 'slow-model-lm'), { transformerProducts: 40, vaeProducts: 40 });
    await useModel(slow);
    const before = filesIn(outputDir());
    const source = new vscode.CancellationTokenSource();
    const rec = recordEvents(api.controller);
    const sub = api.controller.jobs.onJobEvent((e) => e.kind === 'progress' && e.step === 1 && source.cancel());
    try {
      await assert.rejects(invoke(GENERATE, input({ steps: 4, seed: 7 }), source.token), (e: Error) => e.name === 'Canceled' || /cancel/i.test(e.message));
      const jobId = rec.events.find((e) => e.kind === 'started')!.jobId;
      const outcome = await rec.outcome(jobId);
      assert.ok(outcome.kind === 'failed' && outcome.cancelled, `the job ended as cancelled (${outcome.kind})`);
      const steps = rec.events.filter((e) => e.jobId === jobId && e.kind === 'progress').length;
      assert.ok(steps < 4, `cancelled after ${steps} of 4 steps`);
      log(`chat tool cancelled through its token after ${steps} of 4 steps`);
      assert.deepEqual(filesIn(outputDir()), before, 'no new file');
      assert.deepEqual(fs.readdirSync(outputDir()).filter((f) => f.endsWith('.tmp')), [], 'no temporary file');
      assert.equal(api.controller.jobs.queue.size, 0);
    } finally {
      sub.dispose();
      rec.dispose();
      source.dispose();
      await useModel(env('PIXART_TEST_MODEL'));
    }
  });

  it('refuses bad input with a message naming the field, and queues nothing', async () => {
    const rec = recordEvents(api.controller);
    try {
      const refusal = async (toolInput: object, message: RegExp) => assert.rejects(invoke(GENERATE, toolInput), (e: Error) => message.test(e.message));
      await refusal(input({ count: 9 }), /count: Number of images must be from 1 to 4\./);
      await refusal(input({ steps: 51 }), /steps: Steps must be a whole number from 1 to 50\./);
      await refusal(input({ size: '1024x1024' }), /size: The model cannot make 1024×1024 images; choose one of its sizes \(128×128\)\./);
      await refusal(input({ prompt: 'x'.repeat(2001) }), /prompt: The prompt is too long \(2001 characters; at most 2000\)\./);
      await refusal(input({ folder: '../elsewhere' }), /folder "\.\.\/elsewhere" is outside the workspace/);
      await refusal(input({ folder: '.vscode' }), /hidden folder/);
      await refusal(input({ width: 64 }), /Unknown input "width"/);
      assert.deepEqual(rec.events, [], 'no job was queued');
      assert.ok(!fs.existsSync(path.join(workspaceRoot(), '..', 'elsewhere')));
    } finally {
      rec.dispose();
    }
  });

  it('lists the generated images with prompt, seed and workspace-relative path, filtered and bounded', async function () {
    this.timeout(60_000);
    await invoke(GENERATE, input({ prompt: 'a blue heron at dusk', seed: 3 })); // one that the query leaves out
    type Listing = { total: number; images: ListedImage[] };
    // What the files themselves say, read here with the reader the insert command uses, newest first.
    const onDisk = (await Promise.all(filesIn(outputDir()).map(async (f) => ({ f, p: await readImageParameters(path.join(outputDir(), f)), mtime: fs.statSync(path.join(outputDir(), f)).mtimeMs })))).sort((a, b) => b.mtime - a.mtime);
    const cacti = onDisk.filter((x) => /cactus/.test(x.p?.prompt ?? '') && /terracotta/.test(x.p?.prompt ?? ''));
    assert.ok(cacti.length >= 1 && cacti.length < onDisk.length, `${cacti.length} of ${onDisk.length} files match`);
    const matching = partsOf<Listing>(await invoke(LIST, { query: 'Terracotta CACTUS' }));
    assert.equal(matching.data.total, cacti.length);
    assert.deepEqual(matching.data.images.map((i) => i.path), cacti.map((x) => `assets/generated/${x.f}`));
    const first = matching.data.images[0];
    assert.deepEqual([first.prompt, first.seed, first.size, first.model], [cacti[0].p!.prompt, cacti[0].p!.seed, '128x128', cacti[0].p!.model]);
    assert.equal(matching.summary, `${cacti.length} image${cacti.length === 1 ? '' : 's'} matching “Terracotta CACTUS” in assets/generated, newest first.`);
    const newest = partsOf<Listing>(await invoke(LIST, { limit: 1 }));
    assert.equal(newest.data.total, onDisk.length);
    assert.deepEqual(newest.data.images.map((i) => [i.path, i.prompt, i.seed]), [[`assets/generated/${onDisk[0].f}`, 'a blue heron at dusk', '3']]);
    assert.equal(newest.summary, `${onDisk.length} images in assets/generated, newest first; the first 1 are listed.`);
    const none = partsOf<Listing>(await invoke(LIST, { query: 'zebra' }));
    assert.deepEqual(none.data, { total: 0, images: [] });
    await assert.rejects(invoke(LIST, { limit: 500 }), /limit: a whole number from 1 to 50/);
  });

  it('offers VS Code an MCP server that runs this extension\'s CLI on the model and output folder', async () => {
    const [server, ...more] = await api.mcp.provideMcpServerDefinitions();
    assert.equal(more.length, 0);
    assert.ok(server instanceof vscode.McpStdioServerDefinition);
    assert.equal(server.label, 'PixArt Studio');
    assert.equal(server.command, process.execPath);
    const ext = vscode.extensions.getExtension('pixart-studio.pixart-studio')!;
    assert.deepEqual(server.args, [path.join(ext.extensionPath, 'dist', 'cli.js'), 'mcp', '--model', env('PIXART_TEST_MODEL'), '--out', outputDir(), '--memory', 'auto', '--openvino-lib', env('PIXART_TEST_OPENVINO_LIB')]);
    assert.ok(fs.existsSync(server.args[0]), 'the CLI bundle exists');
    assert.deepEqual(server.env, { ELECTRON_RUN_AS_NODE: '1' });
    assert.equal(server.cwd?.fsPath, workspaceRoot());
    assert.equal(server.version, ext.packageJSON.version);
  });

  it('offers it again when the output folder changes, and none without a model folder', async function () {
    this.timeout(30_000);
    const cfg = vscode.workspace.getConfiguration('pixart');
    let changes = 0;
    const sub = api.mcp.onDidChangeMcpServerDefinitions(() => changes++);
    try {
      await cfg.update('outputFolder', 'art', vscode.ConfigurationTarget.Global);
      await until('the output folder setting', () => api.controller.currentSettings.outputFolder === 'art', 5000);
      assert.ok(changes >= 1, 'onDidChangeMcpServerDefinitions fired');
      const [server] = await api.mcp.provideMcpServerDefinitions();
      assert.equal(server.args[server.args.indexOf('--out') + 1], path.join(workspaceRoot(), 'art'));
      // machine-scoped in a remote window: Global writes the machine settings; '' is "no model".
      await cfg.update('modelPath', '', vscode.ConfigurationTarget.Global);
      await until('the model setting', () => api.controller.currentSettings.modelPath === '', 5000);
      assert.deepEqual(await api.mcp.provideMcpServerDefinitions(), []);
    } finally {
      sub.dispose();
      await cfg.update('outputFolder', undefined, vscode.ConfigurationTarget.Global);
      await cfg.update('modelPath', env('PIXART_TEST_MODEL'), vscode.ConfigurationTarget.Global);
      await until('the settings to be back', () => api.controller.currentSettings.modelPath === env('PIXART_TEST_MODEL') && api.controller.currentSettings.outputFolder === 'assets/generated', 5000);
    }
  });
});
