// build-model's checks and its folder: what it refuses before any work (not PixArt-α, an
// incomplete checkpoint, an output that exists, a full disk, unknown weights), that a failure or a
// cancel during the build leaves nothing beside the output, and the manifest's ports and hashes,
// checked against the real engine and an independent hash of the files.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { hostname, tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { buildModel, type BuildModelOptions } from '../../src/builder/build-model';
import { OWNER_FILE } from '../../src/builder/stale-partials';
import { checkDisk } from '../../src/builder/build-model-checks';
import { buildVaeDecoder } from '../../src/builder/vae-decoder';
import { hashFiles, irPorts } from '../../src/builder/manifest';
import { writeTokenizer } from '../../src/builder/build-model-tokenizer';
import { T5Tokenizer } from '../../src/pipeline/tokenizer';
import { engineUnderTest } from '../support/engines';
import { fixturesDir } from '../support/paths';

const source = join(fixturesDir, 'pixart-tiny-diffusers');
const work = mkdtempSync(join(tmpdir(), 'pixart-build-model-'));
after(() => rmSync(work, { recursive: true, force: true }));
const weights = { text_encoder: 'f32', transformer: 'f32' } as const;

/** A copy of the tiny checkpoint, changed by `edit`. */
function checkpointWith(edit: (dir: string) => void): string {
  const dir = mkdtempSync(join(work, 'source-'));
  cpSync(source, dir, { recursive: true });
  edit(dir);
  return dir;
}

function editJson(file: string, edit: (j: Record<string, unknown>) => void): void {
  const j = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(j);
  writeFileSync(file, JSON.stringify(j));
}

/** Runs a build that must fail with `pattern`, and checks that the output's folder holds what it held before. */
async function refused(options: Partial<BuildModelOptions> & { from: string }, pattern: RegExp | { name: string }): Promise<void> {
  const parent = mkdtempSync(join(work, 'out-'));
  const out = join(parent, 'model');
  await assert.rejects(buildModel({ out, weights, ...options }), pattern);
  assert.deepEqual(readdirSync(parent), [], 'nothing is left beside the output: no model, no .partial folder');
}

test('a checkpoint that is not PixArt-α or -Σ is refused, by name', async () => {
  const sd = checkpointWith((d) => editJson(join(d, 'model_index.json'), (j) => { j._class_name = 'StableDiffusionPipeline'; }));
  await refused({ from: sd }, /model_index\.json: this is a StableDiffusionPipeline; the builder builds PixArtAlphaPipeline \(PixArt-α\) and PixArtSigmaPipeline \(PixArt-Σ\) checkpoints/);
  await refused({ from: join(source, 'vae') }, /has no model_index\.json: it is not a diffusers checkpoint/);
  await refused({ from: join(work, 'nowhere') }, /--from .*nowhere is not a folder/);
  await refused({ from: join(fixturesDir, 'pixart-tiny') }, /pixart-tiny is a model folder already \(it has vae_decoder\/, not a checkpoint's vae\/\): use it as it is/);
});

test('an incomplete checkpoint is refused, naming what is missing', async () => {
  const partial = checkpointWith((d) => {
    rmSync(join(d, 'vae', 'config.json'));
    rmSync(join(d, 'scheduler'), { recursive: true });
  });
  await refused({ from: partial }, /is not a complete PixArt-α checkpoint: scheduler\/scheduler_config\.json, vae\/config\.json are missing/);
  const noWeights = checkpointWith((d) => {
    for (const f of readdirSync(join(d, 'transformer'))) if (f.endsWith('.safetensors')) rmSync(join(d, 'transformer', f));
  });
  await refused({ from: noWeights }, /transformer: no safetensors weights/);
  const badVae = checkpointWith((d) => editJson(join(d, 'vae', 'config.json'), (j) => { j.act_fn = 'relu'; }));
  await refused({ from: badVae }, /vae.config\.json: "act_fn" is "relu"/);
});

test('an output that exists and is not an empty folder is refused, and left as it was', async () => {
  const taken = mkdtempSync(join(work, 'taken-'));
  writeFileSync(join(taken, 'notes.txt'), 'mine');
  await assert.rejects(buildModel({ from: source, out: taken, weights }), /--out .* is not empty; the builder never overwrites a folder/);
  assert.deepEqual(readdirSync(taken), ['notes.txt']);
  const file = join(taken, 'notes.txt');
  await assert.rejects(buildModel({ from: source, out: file, weights }), /exists and is not a folder/);
  assert.equal(readFileSync(file, 'utf8'), 'mine');
});

test('unknown weights are refused, naming the component', async () => {
  await refused({ from: source, weights: { text_encoder: 'int3', transformer: 'f16' } as never }, /weights\.text_encoder must be one of int8, int4, f16, f32, found "int3"/);
  await refused({ from: source, weights: { text_encoder: 'int8', transformer: 'int8' } as never }, /weights\.transformer must be one of f32, f16, bf16, found "int8"/);
});

test('a disk without room for the model is refused before any work', () => {
  const fs = statfsSync(work);
  const moreThanTheDisk = fs.blocks * fs.bsize + 1;
  assert.throws(() => checkDisk(join(work, 'a', 'b'), moreThanTheDisk), /not enough disk space: the model needs about .* GB, but only .* GB is free on the disk of/);
  assert.doesNotThrow(() => checkDisk(join(work, 'a', 'b'), 1));
});

test('a failure during the build leaves nothing', async () => {
  // config.json passes the checks, but the checkpoint lacks the third resnet it asks for: found while building.
  const mismatched = checkpointWith((d) => editJson(join(d, 'vae', 'config.json'), (j) => { j.layers_per_block = 2; }));
  await refused({ from: mismatched }, /has no tensor decoder\.up_blocks\.0\.resnets\.2/);
});

test('a cancel during the build stops it and leaves nothing', async () => {
  const ac = new AbortController();
  const phases: string[] = [];
  await refused({ from: source, signal: ac.signal, onProgress: (phase, done) => { phases.push(phase); if (phase === 'vae_decoder' && done > 10) ac.abort(); } }, { name: 'AbortError' });
  assert.deepEqual([...new Set(phases)], ['checking', 'vae_decoder']);
});

test("a killed build's .partial folder is removed by the next build of that output; a live build's, and one without an owner, are kept", async () => {
  const parent = mkdtempSync(join(work, 'stale-'));
  const out = join(parent, 'model');
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const partial = (hex: string, owner?: object) => {
    const dir = join(parent, `model.partial-${hex}`);
    mkdirSync(join(dir, 'text_encoder'), { recursive: true });
    writeFileSync(join(dir, 'text_encoder', 'openvino_model.bin'), Buffer.alloc(1 << 16));
    if (owner) writeFileSync(join(dir, OWNER_FILE), JSON.stringify(owner));
    return `model.partial-${hex}`;
  };
  const killed = partial('aaaaaaaaaaaa', { pid: Number(dead.stdout), host: hostname() });
  const live = partial('bbbbbbbbbbbb', { pid: process.pid, host: hostname() });
  const elsewhere = partial('cccccccccccc', { pid: Number(dead.stdout), host: `not-${hostname()}` });
  const unowned = partial('dddddddddddd');
  await buildModel({ from: source, out, weights });
  assert.deepEqual(readdirSync(parent).sort(), ['model', live, elsewhere, unowned].sort(), `${killed} is gone`);
  assert.ok(!existsSync(join(out, OWNER_FILE)), 'the published model carries no owner file');
  assert.ok(!readFileSync(join(out, 'pixart-manifest.json'), 'utf8').includes(OWNER_FILE));
});

test('the tokenizer is copied, and made from spiece.model when the checkpoint has no tokenizer.json', () => {
  const fixture = join(source, 'tokenizer');
  const withJson = mkdtempSync(join(work, 'staging-'));
  writeTokenizer(source, withJson);
  assert.deepEqual(readdirSync(join(withJson, 'tokenizer')).sort(), readdirSync(fixture).sort());
  for (const f of readdirSync(fixture)) assert.ok(readFileSync(join(withJson, 'tokenizer', f)).equals(readFileSync(join(fixture, f))), `${f} is copied byte for byte`);
  const noJson = checkpointWith((d) => rmSync(join(d, 'tokenizer', 'tokenizer.json')));
  const made = mkdtempSync(join(work, 'staging-'));
  writeTokenizer(noJson, made);
  assert.deepEqual(readdirSync(join(made, 'tokenizer')).sort(), readdirSync(fixture).sort());
  // The made file tokenizes as transformers' tokenizer did (test/fixtures/tokenizer_cases.json).
  const cases = (JSON.parse(readFileSync(join(fixturesDir, 'tokenizer_cases.json'), 'utf8')) as { cases: { text: string; input_ids: number[] }[] }).cases;
  const tokenizer = T5Tokenizer.fromFolder(join(made, 'tokenizer'));
  assert.ok(cases.length >= 30);
  for (const c of cases) assert.deepEqual(Array.from(tokenizer.batch([c.text]).inputIds, Number), c.input_ids, JSON.stringify(c.text));
});

test('the manifest lists the IR ports the engine reads, and hashes every file', async () => {
  const dir = mkdtempSync(join(work, 'manifest-'));
  await buildVaeDecoder(join(source, 'vae'), join(dir, 'vae_decoder'));
  mkdirSync(join(dir, 'scheduler'));
  cpSync(join(source, 'scheduler', 'scheduler_config.json'), join(dir, 'scheduler', 'scheduler_config.json'));
  const xml = join(dir, 'vae_decoder', 'openvino_model.xml');
  const engine = engineUnderTest();
  try {
    const model = await engine.compileModel(xml, { precision: 'f32' });
    const ports = irPorts(xml);
    assert.deepEqual(ports.inputs, model.inputs);
    assert.deepEqual(ports.outputNames, model.outputs.map((p) => [p.name]));
    model.dispose();
  } finally {
    engine.dispose();
  }
  const files = await hashFiles(dir);
  assert.deepEqual(Object.keys(files), ['scheduler/scheduler_config.json', 'vae_decoder/config.json', 'vae_decoder/openvino_model.bin', 'vae_decoder/openvino_model.xml']);
  for (const [rel, entry] of Object.entries(files)) {
    const bytes = readFileSync(join(dir, rel));
    assert.deepEqual(entry, { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length }, rel);
  }
  assert.ok(!existsSync(join(dir, 'pixart-manifest.json')));
});
