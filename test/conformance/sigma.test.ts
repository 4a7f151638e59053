// PixArt-Σ beside α, on the real runtime: the tiny Σ checkpoint (test/fixtures/sigma/) built once
// from its safetensors, then every case of diffusers' PixArtSigmaPipeline reproduced through
// PixArtPipeline, call by call: the token ids and masks T5 is fed (300 tokens, run at the used
// length), its embeddings, each transformer call's inputs (no micro-conditions) and output, the
// VAE's input (latents / 0.13025) and output, each step's latents and the final 8-bit images, at
// α's tolerances. The engine is observed, not replaced: every call runs on OpenVINO and is copied.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { buildModel, type BuiltModel } from '../../src/builder/build-model';
import { PixArtPipeline } from '../../src/pipeline/pipeline';
import { PIXART_SIGMA } from '../../src/pipeline/family';
import { readModelFolder } from '../../src/pipeline/model-folder';
import { aspectRatioBins } from '../../src/pipeline/resolution';
import { castTensor } from '../../src/engine/tensor';
import type { CompiledModel, Engine, Tensor } from '../../src/engine/types';
import { checkCase, maxRelError } from '../support/compare';
import { caseFile, listCases, type CaseMeta } from '../support/cases';
import { conformanceEngines } from '../support/engines';
import { F32, assertClose, npyTensor } from '../support/engine-conformance';
import { readNpy, type NpyArray } from '../support/npy';
import { fixturesDir } from '../support/paths';

const sigmaDir = join(fixturesDir, 'sigma');
const cases = listCases(join(sigmaDir, 'cases'));
const work = mkdtempSync(join(tmpdir(), 'pixart-sigma-'));
after(() => rmSync(work, { recursive: true, force: true }));

let built: BuiltModel;
before(async () => {
  built = await buildModel({ from: join(sigmaDir, 'pixart-sigma-tiny-diffusers'), out: join(work, 'model'), weights: { text_encoder: 'f32', transformer: 'f32' } });
  console.log(`# Σ tiny model built in ${built.seconds.toFixed(2)} s, peak RSS ${built.peakRssGb.toFixed(2)} GB`);
});

const npy = (c: CaseMeta, name: string): NpyArray => readNpy(caseFile(c, `${name}.npy`));
const modelFile = (component: string) => join(built.dir, component, 'openvino_model.xml');

/** One model call as the runtime saw it: the component's folder name, its inputs (copied) and outputs. */
interface Call {
  component: string;
  inputs: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
}

/** `engine`, with every call of the models it compiles appended to `calls`. */
function observed(engine: Engine, calls: Call[]): Engine {
  const watch = (model: CompiledModel, component: string): CompiledModel => ({
    inputs: model.inputs,
    outputs: model.outputs,
    get lastInferMs() { return model.lastInferMs; },
    async infer(inputs, options) {
      // The pipeline refills its guidance buffer each step: keep what this call was given.
      const given = Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, { ...t, data: t.data.slice() }]));
      const outputs = await model.infer(inputs, options);
      calls.push({ component, inputs: given, outputs });
      return outputs;
    },
    dispose: () => model.dispose(),
  });
  return {
    name: engine.name, version: engine.version, origin: engine.origin,
    availableDevices: () => engine.availableDevices(),
    compileModel: async (path, options) => watch(await engine.compileModel(path, options), basename(dirname(path))),
    dispose: () => engine.dispose(),
  };
}

/** The first `length` tokens of a [rows, 300, …] reference, and whether the rest is padding (mask 0). */
function prefix(ref: NpyArray, length: number): NpyArray {
  const [rows, tokens, ...rest] = ref.shape;
  const inner = rest.reduce((a, b) => a * b, 1);
  const data = new (ref.data.constructor as new (n: number) => NpyArray['data'])(rows * length * inner);
  for (let r = 0; r < rows; r++) (data as Float32Array).set((ref.data as Float32Array).subarray(r * tokens * inner, (r * tokens + length) * inner), r * length * inner);
  return { ...ref, shape: [rows, length, ...rest], data };
}

const asNumbers = (t: { data: ArrayLike<number | bigint> }) => Array.from(t.data as ArrayLike<number>, Number);

/** What T5 was fed and gave, against diffusers' 300-token call `i`; returns the embeddings' relative error. */
function checkTextCall(c: CaseMeta, i: number, call: Call): number {
  const what = `${c.name} text_encoder_${i}`;
  const ids = npy(c, `text_encoder_${i}_input_ids`);
  const mask = npy(c, `text_encoder_${i}_attention_mask`);
  assert.equal(ids.shape[1], PIXART_SIGMA.maxTokens, `${what}: diffusers pads to 300`);
  const length = call.inputs.input_ids.shape[1];
  assert.deepEqual(asNumbers(call.inputs.input_ids), asNumbers(prefix(ids, length)), `${what}: token ids`);
  assert.deepEqual(asNumbers(call.inputs.attention_mask), asNumbers(prefix(mask, length)), `${what}: mask`);
  const kept = asNumbers(prefix(mask, length)).reduce((a, b) => a + b, 0);
  assert.equal(kept, asNumbers(mask).reduce((a, b) => a + b, 0), `${what}: the run length keeps every token the prompt uses`);
  return assertClose(call.outputs.last_hidden_state, prefix(npy(c, `text_encoder_${i}_last_hidden_state`), length), 1e-4, `${what}: embeddings`);
}

/** The transformer's step-`i` call against diffusers': inputs, and output within `tol` (its inputs carry the latents' drift). */
function checkTransformerCall(c: CaseMeta, i: number, call: Call): number {
  const what = `${c.name} transformer_${i}`;
  assert.deepEqual(Object.keys(call.inputs).sort(), ['encoder_attention_mask', 'encoder_hidden_states', 'hidden_states', 'timestep'], `${what}: Σ passes no micro-conditions`);
  const length = call.inputs.encoder_hidden_states.shape[1];
  assert.deepEqual(asNumbers(call.inputs.timestep), asNumbers(npy(c, `transformer_${i}_timestep`)), `${what}: timestep`);
  assert.deepEqual(asNumbers(call.inputs.encoder_attention_mask), asNumbers(prefix(npy(c, `transformer_${i}_encoder_attention_mask`), length)), `${what}: mask`);
  // A row's positions past its own tokens are masked out: diffusers has T5's output of padding there, we may have zeros.
  const mask = asNumbers(call.inputs.encoder_attention_mask);
  const kept = (data: ArrayLike<number>) => Float32Array.from(data, (v, k) => (mask[Math.floor(k / width)] ? v : 0));
  const width = call.inputs.encoder_hidden_states.shape[2];
  const embeds = maxRelError(kept(call.inputs.encoder_hidden_states.data as Float32Array), kept(prefix(npy(c, `transformer_${i}_encoder_hidden_states`), length).data as Float32Array));
  assert.ok(embeds <= 1e-4, `${what}: embeddings at the kept positions differ by ${embeds} (relative)`);
  assertClose(call.inputs.hidden_states, npy(c, `transformer_${i}_hidden_states`), 1e-3, `${what}: latents in`);
  return assertClose(call.outputs.sample, npy(c, `transformer_${i}_output`), 1e-3, `${what}: output`);
}

/** Runs case `c` through the pipeline on `engine` and checks every call it made; returns the line to log. */
async function runCase(engine: Engine, c: CaseMeta): Promise<string> {
  const calls: Call[] = [];
  const pipeline = await PixArtPipeline.load(built.dir, observed(engine, calls), { precision: 'f32', schedulerConfigFile: caseFile(c, 'scheduler_config.json') });
  let line: string;
  try {
    line = await checkCase(pipeline, c);
  } finally {
    pipeline.dispose();
  }
  const of = (component: string) => calls.filter((k) => k.component === component);
  const { counts } = c as CaseMeta & { counts: Record<string, number> };
  assert.deepEqual([of('text_encoder').length, of('transformer').length, of('vae_decoder').length], [counts.text_encoder_calls, counts.transformer_calls, counts.vae_calls], 'calls per network, as diffusers made them');
  const text = Math.max(...of('text_encoder').map((call, i) => checkTextCall(c, i, call)));
  const steps = Math.max(...of('transformer').map((call, i) => checkTransformerCall(c, i, call)));
  const [vae] = of('vae_decoder');
  const vaeIn = assertClose(vae.inputs.latents, npy(c, 'vae_0_latents'), 1e-3, `${c.name}: VAE input (latents / 0.13025)`);
  const vaeOut = assertClose(vae.outputs.sample, npy(c, 'vae_0_sample'), 2e-3, `${c.name}: VAE output`);
  return `${line}; tokens ${of('text_encoder').map((k) => k.inputs.input_ids.shape[1]).join('/')} of 300, embeddings ${text.toExponential(1)}, ` +
    `transformer outputs ≤ ${steps.toExponential(1)}, VAE in ${vaeIn.toExponential(1)} out ${vaeOut.toExponential(1)}`;
}

test('the built folder is a PixArt-Σ model: 300 tokens, no micro-conditions, SDXL\'s VAE scaling, DPM-Solver++ 20 steps at 4.5', async () => {
  const folder = readModelFolder(built.dir);
  assert.equal(folder.family, PIXART_SIGMA);
  assert.equal(folder.scalingFactor, 0.13025);
  const [{ engine }] = await conformanceEngines();
  const pipeline = await PixArtPipeline.load(built.dir, engine, { precision: 'f32' });
  try {
    const { info } = pipeline;
    assert.deepEqual([info.family, info.maxTokens, info.schedulerClass, info.defaults], ['PixArt-Σ', 300, 'DPMSolverMultistepScheduler', { steps: 20, guidanceScale: 4.5 }]);
    assert.deepEqual(info.supportedSizes, aspectRatioBins(128), 'sample_size 128: the 1024 bins');
    const long = cases.find((c) => c.name.includes('long_prompt'))!;
    const used = asNumbers(npy(long, 'text_encoder_0_attention_mask')).reduce((a, b) => a + b, 0);
    assert.ok(used > 120, 'the long prompt is longer than α\'s limit');
    assert.deepEqual(pipeline.countTokens(long.prompt as string), { tokens: used, max: 300, truncated: false });
  } finally {
    pipeline.dispose();
  }
  const transformer = await engine.compileModel(modelFile('transformer'), F32);
  try {
    assert.deepEqual(transformer.inputs.map((p) => p.name), ['hidden_states', 'timestep', 'encoder_hidden_states', 'encoder_attention_mask']);
  } finally {
    transformer.dispose();
  }
});

test('each built network reproduces diffusers\' calls on diffusers\' own inputs', async () => {
  const [{ engine }] = await conformanceEngines();
  const [t5, transformer, vae] = await Promise.all(['text_encoder', 'transformer', 'vae_decoder'].map((m) => engine.compileModel(modelFile(m), F32)));
  const feed = (model: CompiledModel, c: CaseMeta, prefixName: string) => Object.fromEntries(model.inputs.map((p) => [p.name, castTensor(npyTensor(npy(c, `${prefixName}_${p.name}`)), p.type)]));
  const worst = { t5: 0, transformer: 0, vae: 0 };
  try {
    for (const c of cases) {
      const { counts } = c as CaseMeta & { counts: Record<string, number> };
      for (let i = 0; i < counts.text_encoder_calls; i++) {
        const out = await t5.infer(feed(t5, c, `text_encoder_${i}`));
        worst.t5 = Math.max(worst.t5, assertClose(out.last_hidden_state, npy(c, `text_encoder_${i}_last_hidden_state`), 1e-4, `${c.name} T5 #${i} at 300 tokens`));
      }
      for (let i = 0; i < counts.transformer_calls; i++) {
        const out = await transformer.infer(feed(transformer, c, `transformer_${i}`));
        worst.transformer = Math.max(worst.transformer, assertClose(out.sample, npy(c, `transformer_${i}_output`), 1e-4, `${c.name} transformer #${i}`));
      }
      const out = await vae.infer({ latents: npyTensor(npy(c, 'vae_0_latents')) });
      worst.vae = Math.max(worst.vae, assertClose(out.sample, npy(c, 'vae_0_sample'), 1e-3, `${c.name} VAE`));
    }
  } finally {
    for (const m of [t5, transformer, vae]) m.dispose();
  }
  console.log(`# Σ built networks, max relative error: T5 ${worst.t5.toExponential(2)}, transformer ${worst.transformer.toExponential(2)}, VAE ${worst.vae.toExponential(2)} (f16 references above 400k values)`);
});

test('the pipeline reproduces diffusers\' PixArtSigmaPipeline on every Σ case, call by call', async (t) => {
  for (const { name, engine } of await conformanceEngines()) {
    for (const c of cases) await t.test(`[${name}] ${c.name}`, async () => console.log(`# ${await runCase(engine, c)}`));
  }
});
