// Engine conformance: every engine this machine can run, on the real OpenVINO runtime, against the
// diffusers fixtures (f32 forced). Run: node test/run-tests.mjs conformance
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CompiledModel, CompileOptions, Engine, PortInfo, Tensor } from '../../src/engine/types';
import { castTensor } from '../../src/engine/tensor';
import { cacheDirFor } from '../../src/engine/compile-properties';
import { readNpy, type NpyArray } from '../support/npy';
import { caseDir, fixturesDir, tinyModelDir } from '../support/paths';
import { listEnginesForConformance, noteUntestedEngines, openvinoPython } from '../support/engines';

const F32: CompileOptions = { precision: 'f32' };
const model = (name: string) => join(tinyModelDir, name, 'model.onnx');
const staticTransformer = (hw: string) => join(fixturesDir, 'transformer-static', `transformer_${hw}.onnx`);
const scratch = mkdtempSync(join(tmpdir(), 'pixart-engine-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// A full GC on demand makes the memory check measure leaks rather than GC timing.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const NPY_TYPES: Record<string, Tensor['type']> = { float32: 'f32', float64: 'f64', int64: 'i64', int32: 'i32', uint8: 'u8' };

function npyTensor(a: NpyArray): Tensor {
  return { type: NPY_TYPES[a.dtype], shape: a.shape, data: a.data };
}

/** The fixture array `<name>.npy` of diffusers case `c`. */
function fixture(c: string, name: string): NpyArray {
  return readNpy(join(caseDir(c), `${name}.npy`));
}

/** Fixture arrays `<prefix>_<port>.npy` of case `c`, each cast to the element type the model declares. */
function feed(c: string, prefix: string, ports: readonly PortInfo[]): Record<string, Tensor> {
  return Object.fromEntries(ports.map((p) => [p.name, castTensor(npyTensor(fixture(c, `${prefix}_${p.name}`)), p.type)]));
}

/** The VAE decoder's input in case `c`. */
const vaeLatents = (c: string): Tensor => npyTensor(fixture(c, 'vae_0_latents'));

/** max |a − ref| over max |ref|; the reference's dtype decides the tolerance (f16 fixtures are coarser). */
function assertClose(actual: Tensor, ref: NpyArray, tol: number, what: string): number {
  assert.deepEqual(actual.shape, ref.shape, `${what}: shape`);
  assert.equal(actual.type, 'f32', `${what}: type`);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < ref.data.length; i++) {
    const r = Number(ref.data[i]);
    err = Math.max(err, Math.abs(Number(actual.data[i]) - r));
    scale = Math.max(scale, Math.abs(r));
  }
  assert.ok(scale > 0, `${what}: reference is all zeros`);
  assert.ok(err <= tol * scale, `${what}: max abs error ${err} > ${tol} × ${scale}`);
  return err / scale;
}

/** Equal up to `relTol` of the largest magnitude (0: bit-identical). Returns the relative difference. */
function assertSame(a: Tensor, b: Tensor, what: string, relTol = 0): number {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  assert.equal(a.type, b.type, `${what}: type`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.data.length; i++) {
    diff = Math.max(diff, Math.abs(Number(a.data[i]) - Number(b.data[i])));
    scale = Math.max(scale, Math.abs(Number(b.data[i])));
  }
  assert.ok(diff <= relTol * scale, `${what}: outputs differ by up to ${diff} (scale ${scale}, allowed ${relTol * scale})`);
  return diff / (scale || 1);
}

async function timed<T>(timings: Map<string, number[]>, key: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  const list = timings.get(key) ?? [];
  list.push(performance.now() - t0);
  timings.set(key, list);
  return r;
}

let irDir: string | undefined;

/** The tiny models converted to IR once (f32 weights: save_model compresses to f16 by default). */
function tinyModelsAsIr(): string {
  if (irDir) return irDir;
  const dir = join(scratch, 'ir');
  const script = [
    'import sys, numpy as np, openvino as ov, openvino.opset13 as op',
    'src, dst = sys.argv[1], sys.argv[2]',
    'for name in ("text_encoder", "transformer", "vae_decoder"):',
    '    ov.save_model(ov.convert_model(f"{src}/{name}/model.onnx"), f"{dst}/{name}.xml", compress_to_fp16=False)',
    // A model with u8 / i32 / f64 / boolean ports, which the PixArt models do not exercise.
    'px = op.parameter([-1, 3], ov.Type.u8, name="pixels")',
    'counts = op.parameter([2], ov.Type.i32, name="counts")',
    'weights = op.parameter([2], ov.Type.f64, name="weights")',
    'outs = [op.multiply(op.convert(px, "f32"), op.constant(np.float32(2))), op.add(counts, op.constant(np.int32(1))),',
    '        op.greater(weights, op.constant(np.float64(0.5))), op.convert(op.add(op.convert(px, "i32"), op.constant(np.int32(1))), "u8")]',
    'for o, n in zip(outs, ("scaled", "next", "big", "plus_one")): o.output(0).set_names({n})',
    'ov.save_model(ov.Model(outs, [px, counts, weights], "types"), f"{dst}/types.xml")',
  ].join('\n');
  const python = openvinoPython();
  const r = spawnSync(python, ['-c', script, tinyModelDir, dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, `converting the tiny models to IR with ${python} failed:\n${r.error?.message ?? ''}${r.stderr}`);
  return (irDir = dir);
}

const { engines, untested } = listEnginesForConformance();
noteUntestedEngines(untested);
for (const u of untested) {
  it(`${u.name} engine`, { skip: `not tested on this machine: ${u.reason}` }, () => {});
}

for (const factory of engines) {
  describe(`engine ${factory.name}`, () => {
    let engine: Engine;
    const compiled: CompiledModel[] = [];
    const timings = new Map<string, number[]>();
    const compile = async (path: string, options: CompileOptions = F32) => {
      const m = await engine.compileModel(path, options);
      compiled.push(m);
      return m;
    };

    before(() => {
      engine = factory.create();
    });
    after(() => {
      for (const m of compiled) m.dispose();
      engine.dispose();
      const lines = [...timings].map(([k, v]) => {
        const sorted = [...v].sort((a, b) => a - b);
        return `#   ${k}: median ${sorted[sorted.length >> 1].toFixed(1)} ms over ${v.length} calls (first ${v[0].toFixed(1)} ms)`;
      });
      console.log(`# ${factory.name} ${engine.version} infer times:\n${lines.join('\n')}`);
    });

    it('reports its name, version and the CPU device', () => {
      assert.equal(engine.name, factory.name);
      assert.match(engine.version, /^\d{4}\.\d+\.\d+/);
      assert.ok(engine.availableDevices().includes('CPU'), `devices: ${engine.availableDevices().join(', ')}`);
    });

    describe('port listing', () => {
      it('text encoder: i64 ids and mask [?,120] → f32 [?,120,32]', async () => {
        const m = await compile(model('text_encoder'));
        assert.deepEqual(m.inputs, [
          { name: 'input_ids', type: 'i64', shape: [-1, 120] },
          { name: 'attention_mask', type: 'i64', shape: [-1, 120] },
        ]);
        assert.deepEqual(m.outputs, [{ name: 'last_hidden_state', type: 'f32', shape: [-1, 120, 32] }]);
      });

      it('transformer: static 16×16 latents, dynamic batch, f32 mask → sample [?,8,16,16]', async () => {
        const m = await compile(model('transformer'));
        assert.deepEqual(m.inputs, [
          { name: 'hidden_states', type: 'f32', shape: [-1, 4, 16, 16] },
          { name: 'timestep', type: 'i64', shape: [-1] },
          { name: 'encoder_hidden_states', type: 'f32', shape: [-1, 120, 32] },
          // The compiled model also calls this port "/m/Cast_output_0"; the engine reports the authored name.
          { name: 'encoder_attention_mask', type: 'f32', shape: [-1, 120] },
          { name: 'resolution', type: 'f32', shape: [-1, 2] },
          { name: 'aspect_ratio', type: 'f32', shape: [-1, 1] },
        ]);
        assert.deepEqual(m.outputs, [{ name: 'sample', type: 'f32', shape: [-1, 8, 16, 16] }]);
      });

      it('static transformer 16×24 declares its own latent size', async () => {
        const m = await compile(staticTransformer('16x24'));
        assert.deepEqual(m.inputs[0], { name: 'hidden_states', type: 'f32', shape: [-1, 4, 16, 24] });
        assert.deepEqual(m.outputs, [{ name: 'sample', type: 'f32', shape: [-1, 8, 16, 24] }]);
      });

      it('VAE decoder: fully dynamic spatial size (the output\'s 8.. bounds count as dynamic)', async () => {
        const m = await compile(model('vae_decoder'));
        assert.deepEqual(m.inputs, [{ name: 'latents', type: 'f32', shape: [-1, 4, -1, -1] }]);
        assert.deepEqual(m.outputs, [{ name: 'sample', type: 'f32', shape: [-1, 3, -1, -1] }]);
      });
    });

    describe('numerics against diffusers', () => {
      for (const [c, calls] of [['lcm_4step_seed42', 1], ['dpm_20step_cfg45_negative', 2], ['lcm_2step_batch2x2', 1]] as const) {
        it(`text encoder: ${c}`, async () => {
          const m = await compile(model('text_encoder'));
          for (let i = 0; i < calls; i++) {
            const out = await timed(timings, 'text encoder [B,120]', () => m.infer(feed(c, `text_encoder_${i}`, m.inputs)));
            assertClose(out.last_hidden_state, fixture(c, `text_encoder_${i}_last_hidden_state`), 1e-4, `${c} text_encoder_${i}`);
          }
        });
      }

      const transformerCases = [
        { c: 'lcm_4step_seed42', file: model('transformer'), steps: [0, 1, 2, 3], key: 'transformer 16×16 batch 1' },
        { c: 'dpm_20step_cfg45_negative', file: model('transformer'), steps: [0, 9, 19], key: 'transformer 16×16 batch 2 (CFG)' },
        { c: 'lcm_2step_batch2x2', file: model('transformer'), steps: [0, 1], key: 'transformer 16×16 batch 4' },
        { c: 'lcm_4step_nonsquare_128x192', file: staticTransformer('16x24'), steps: [0, 3], key: 'transformer 16×24 batch 1' },
      ];
      for (const { c, file, steps, key } of transformerCases) {
        it(`transformer: ${c} steps ${steps.join(', ')}`, async () => {
          const m = await compile(file);
          for (const i of steps) {
            const inputs = feed(c, `transformer_${i}`, m.inputs);
            // The fixture's mask is the pipeline's int64; the model declares f32.
            assert.equal(inputs.encoder_attention_mask.type, 'f32');
            const out = await timed(timings, key, () => m.infer(inputs));
            assertClose(out.sample, fixture(c, `transformer_${i}_output`), 1e-4, `${c} transformer_${i}`);
          }
        });
      }

      for (const [c, key] of [['lcm_4step_seed42', 'VAE 16×16 → 128×128'], ['lcm_4step_nonsquare_128x192', 'VAE 16×24 → 128×192'], ['lcm_2step_batch2x2', 'VAE batch 4 16×16']] as const) {
        it(`VAE decoder: ${c}`, async () => {
          const m = await compile(model('vae_decoder'));
          const out = await timed(timings, key, () => m.infer({ latents: vaeLatents(c) }));
          assertClose(out.sample, fixture(c, 'vae_0_sample'), 1e-4, `${c} vae`);
        });
      }

      it('VAE decoder at 96×160 latents (reference stored as float16)', async () => {
        const c = 'lcm_2step_binning_600x1000';
        const m = await compile(model('vae_decoder'));
        const out = await timed(timings, 'VAE 96×160 → 768×1280', () => m.infer({ latents: vaeLatents(c) }));
        assertClose(out.sample, fixture(c, 'vae_0_sample'), 1e-3, `${c} vae`);
      });
    });

    describe('OpenVINO IR', () => {
      let irDir: string;
      before(() => {
        irDir = tinyModelsAsIr();
      });

      it('lists the same ports as the ONNX (authored names, not merged ones)', async () => {
        for (const name of ['text_encoder', 'transformer', 'vae_decoder']) {
          const ir = await compile(join(irDir, `${name}.xml`));
          const onnx = await compile(model(name));
          assert.deepEqual(ir.inputs, onnx.inputs, `${name} inputs`);
          assert.deepEqual(ir.outputs, onnx.outputs, `${name} outputs`);
        }
      });

      // The saved IR is the graph after OpenVINO's conversion passes (e.g. the mask's Cast removed),
      // so CPU kernels may sum in another order: a few float32 ulps, far below the fixture tolerance.
      it('gives the same outputs as the ONNX model (to 1e-5 relative)', async () => {
        const c = 'lcm_4step_seed42';
        const pairs: [string, (m: CompiledModel) => Record<string, Tensor>, string][] = [
          ['text_encoder', (m) => feed(c, 'text_encoder_0', m.inputs), 'last_hidden_state'],
          ['transformer', (m) => feed(c, 'transformer_2', m.inputs), 'sample'],
          ['vae_decoder', () => ({ latents: vaeLatents(c) }), 'sample'],
        ];
        for (const [name, inputs, output] of pairs) {
          const ir = await compile(join(irDir, `${name}.xml`));
          const onnx = await compile(model(name));
          const rel = assertSame((await ir.infer(inputs(ir)))[output], (await onnx.infer(inputs(onnx)))[output], name, 1e-5);
          console.log(`# ${factory.name}: ${name} IR vs ONNX relative difference ${rel.toExponential(2)}`);
        }
      });
    });

    it('element types u8, i32, f64 and boolean go in and come out as their typed arrays', async () => {
      const m = await compile(join(tinyModelsAsIr(), 'types.xml'));
      assert.deepEqual(m.inputs, [
        { name: 'pixels', type: 'u8', shape: [-1, 3] },
        { name: 'counts', type: 'i32', shape: [2] },
        { name: 'weights', type: 'f64', shape: [2] },
      ]);
      assert.deepEqual(m.outputs.map((p) => `${p.name} ${p.type}`), ['scaled f32', 'next i32', 'big boolean', 'plus_one u8']);
      const out = await m.infer({
        pixels: { type: 'u8', shape: [2, 3], data: new Uint8Array([0, 1, 2, 253, 254, 255]) },
        counts: { type: 'i32', shape: [2], data: new Int32Array([-5, 2147483646]) },
        weights: { type: 'f64', shape: [2], data: new Float64Array([0.25, 0.75]) },
      });
      assert.deepEqual(out.scaled, { type: 'f32', shape: [2, 3], data: new Float32Array([0, 2, 4, 506, 508, 510]) });
      assert.deepEqual(out.next, { type: 'i32', shape: [2], data: new Int32Array([-4, 2147483647]) });
      assert.deepEqual(out.big, { type: 'boolean', shape: [2], data: new Uint8Array([0, 1]) });
      assert.deepEqual(out.plus_one.data, new Uint8Array([1, 2, 3, 254, 255, 0]));
    });

    describe('errors', () => {
      it('a missing model file names the file', async () => {
        const missing = join(scratch, 'nowhere', 'model.onnx');
        await assert.rejects(engine.compileModel(missing, F32), (e: Error) => e.message.includes(missing) && /not found/i.test(e.message));
      });

      it('an IR without its .bin names the .bin', async () => {
        const dir = mkdtempSync(join(scratch, 'nobin-'));
        copyFileSync(join(tinyModelsAsIr(), 'vae_decoder.xml'), join(dir, 'vae_decoder.xml'));
        await assert.rejects(engine.compileModel(join(dir, 'vae_decoder.xml'), F32), (e: Error) => e.message.includes(join(dir, 'vae_decoder.bin')));
      });

      it('a corrupt ONNX file is an Error naming the file', async () => {
        const bad = join(scratch, 'corrupt.onnx');
        writeFileSync(bad, readFileSync(model('text_encoder')).subarray(0, 5000));
        await assert.rejects(engine.compileModel(bad, F32), (e: Error) => e instanceof Error && e.message.includes(bad));
      });

      it('an IR with truncated weights is an Error naming the file', async () => {
        const dir = mkdtempSync(join(scratch, 'shortbin-'));
        const ir = tinyModelsAsIr();
        copyFileSync(join(ir, 'transformer.xml'), join(dir, 'transformer.xml'));
        writeFileSync(join(dir, 'transformer.bin'), readFileSync(join(ir, 'transformer.bin')).subarray(0, 1000));
        await assert.rejects(engine.compileModel(join(dir, 'transformer.xml'), F32), (e: Error) => e.message.includes(join(dir, 'transformer.xml')));
      });

      it('a numThreads that is not a non-negative integer is an Error', async () => {
        for (const numThreads of [1.5, -1]) {
          await assert.rejects(engine.compileModel(model('text_encoder'), { ...F32, numThreads }), /numThreads must be a non-negative integer/);
        }
      });

      it('a wrong shape, type or name is an Error naming the model and the input, and the model still works', async () => {
        const c = 'lcm_4step_seed42';
        const file = model('transformer');
        const m = await compile(file);
        const good = feed(c, 'transformer_0', m.inputs);
        const expectError = async (inputs: Record<string, Tensor>, ...parts: string[]) =>
          assert.rejects(m.infer(inputs), (e: Error) => parts.every((p) => e.message.includes(p)) || assert.fail(`message lacks ${parts.join(' / ')}: ${e.message}`));

        await expectError({ ...good, hidden_states: { type: 'f32', shape: [1, 4, 16, 24], data: new Float32Array(4 * 16 * 24) } }, file, 'hidden_states', '[1,4,16,24]', '[?,4,16,16]');
        await expectError({ ...good, encoder_attention_mask: npyTensor(fixture(c, 'transformer_0_encoder_attention_mask')) }, file, 'encoder_attention_mask', 'i64', 'castTensor');
        await expectError({ ...good, hidden_states: { type: 'f32', shape: [1, 4, 16, 16], data: new Float32Array(10) } }, file, 'hidden_states', 'elements');
        const { aspect_ratio: _, ...missing } = good;
        await expectError(missing, file, 'aspect_ratio', 'missing');
        await expectError({ ...good, guidance: good.timestep }, file, 'guidance', 'unknown');
        // Batch sizes that disagree pass our checks and fail inside OpenVINO: its message comes back.
        const batch2: Tensor = { type: 'f32', shape: [2, 4, 16, 16], data: new Float32Array(2 * 4 * 16 * 16) };
        await assert.rejects(m.infer({ ...good, hidden_states: batch2 }), (e: Error) => e.message.includes(file));

        const out = await m.infer(good);
        assertClose(out.sample, fixture(c, 'transformer_0_output'), 1e-4, 'after errors');
      });
    });

    describe('runtime behaviour', () => {
      it('CACHE_DIR: a second compile loads the cache files and gives the same outputs', async () => {
        const cacheDir = join(scratch, `cache-${factory.name}`);
        const c = 'lcm_4step_seed42';
        const first = await compile(model('transformer'), { ...F32, cacheDir });
        const blobs = cacheDirFor({ ...F32, cacheDir })!;
        const files = readdirSync(blobs);
        assert.ok(files.some((f) => f.endsWith('.blob')), `cache dir holds: ${files.join(', ') || 'nothing'}`);
        const second = await compile(model('transformer'), { ...F32, cacheDir });
        assert.deepEqual(readdirSync(blobs).sort(), files.sort(), 'the second compile reuses the cache entry');
        const inputs = feed(c, 'transformer_1', first.inputs);
        assertSame((await second.infer(inputs)).sample, (await first.infer(inputs)).sample, 'cached model');
      });

      it('CACHE_DIR: another precision never loads the blob compiled for f32 (OpenVINO does not key on it)', async () => {
        const cacheDir = join(scratch, `cache-precision-${factory.name}`);
        await compile(model('transformer'), { ...F32, cacheDir });
        const m = await compile(model('transformer'), { cacheDir }); // the device's default precision
        const dirs = readdirSync(cacheDir).sort();
        assert.deepEqual(dirs, [basename(cacheDirFor({ cacheDir })!), basename(cacheDirFor({ ...F32, cacheDir })!)].sort());
        for (const d of dirs) assert.ok(readdirSync(join(cacheDir, d)).some((f) => f.endsWith('.blob')), `${d} has its own blob`);
        const c = 'lcm_4step_seed42';
        // Runs (bf16 on CPUs that have it: too coarse for the tiny model's tolerances, so only the shape).
        const out = await m.infer(feed(c, 'transformer_0', m.inputs));
        assert.deepEqual(out.sample.shape, fixture(c, 'transformer_0_output').shape);
      });

      it('after the first inference no mapped weight or cache page stays resident (Linux), and outputs are unchanged', { skip: process.platform !== 'linux' && 'smaps is Linux only' }, async () => {
        const cacheDir = join(scratch, `cache-mapped-${factory.name}`);
        const c = 'lcm_4step_seed42';
        const dirs = [dirname(model('transformer')), cacheDirFor({ ...F32, cacheDir })!];
        // Resident kB of mappings of files under dirs, from smaps (which the engine itself avoids: slow).
        const resident = () => readFileSync('/proc/self/smaps', 'utf8').split(/^(?=[0-9a-f]+-[0-9a-f]+ )/m)
          .filter((block) => dirs.some((d) => block.split('\n')[0].includes(` ${d}/`)))
          .reduce((kb, block) => kb + Number(/^Rss:\s+(\d+) kB/m.exec(block)?.[1] ?? 0), 0);
        for (const round of ['cold', 'warm']) { // compiled, then loaded from the cache blob
          const m = await compile(model('transformer'), { ...F32, cacheDir });
          const inputs = feed(c, 'transformer_0', m.inputs);
          const first = await m.infer(inputs);
          assert.equal(resident(), 0, `${round}: kB of mapped model files still resident`);
          assertSame((await m.infer(inputs)).sample, first.sample, `${round}: after the pages were dropped`);
          assertClose(first.sample, fixture(c, 'transformer_0_output'), 1e-4, round);
        }
      });

      it('compile options (threads, latency hint) are accepted', async () => {
        const m = await compile(model('text_encoder'), { ...F32, numThreads: 1, performanceHint: 'LATENCY' });
        const c = 'lcm_4step_seed42';
        const out = await m.infer(feed(c, 'text_encoder_0', m.inputs));
        assertClose(out.last_hidden_state, fixture(c, 'text_encoder_0_last_hidden_state'), 1e-4, 'one thread');
      });

      it('concurrent infer() calls on one model are serialised and each gets its own result', async () => {
        const c = 'lcm_4step_seed42';
        const m = await compile(model('transformer'));
        const results = await Promise.all([0, 1, 2, 3, 0, 3].map((i) => m.infer(feed(c, `transformer_${i}`, m.inputs))));
        [0, 1, 2, 3, 0, 3].forEach((i, k) => assertClose(results[k].sample, fixture(c, `transformer_${i}_output`), 1e-4, `call ${k} (step ${i})`));
      });

      it('outputs are fresh copies, and inputs may be changed once infer() has resolved', async () => {
        const c = 'lcm_4step_seed42';
        const m = await compile(model('transformer'));
        const inputs = feed(c, 'transformer_0', m.inputs);
        const a = await m.infer(inputs);
        const keep = Float32Array.from(a.sample.data as Float32Array);
        (inputs.hidden_states.data as Float32Array).fill(0);
        const b = await m.infer(inputs);
        assert.notEqual(a.sample.data.buffer, b.sample.data.buffer);
        assert.deepEqual(a.sample.data, keep, 'a later call does not overwrite an earlier result');
      });

      it('inference does not block the JS thread', async () => {
        const m = await compile(model('vae_decoder'));
        const latents = vaeLatents('lcm_2step_binning_600x1000');
        await m.infer({ latents }); // warm-up: the first call with a new shape allocates
        let ticks = 0;
        const timer = setInterval(() => ticks++, 2);
        const t0 = performance.now();
        await m.infer({ latents });
        const ms = performance.now() - t0;
        clearInterval(timer);
        assert.ok(ms > 20, `the 768×1280 decode took only ${ms.toFixed(1)} ms: too short to tell`);
        assert.ok(ticks >= ms / 2 / 4, `the event loop ran ${ticks} timer ticks in ${ms.toFixed(0)} ms of inference`);
      });

      it('many infers with changing shapes do not grow memory without bound', async () => {
        const m = await compile(model('vae_decoder'));
        const big = vaeLatents('lcm_2step_binning_600x1000');
        const small = vaeLatents('lcm_4step_seed42');
        const round = async () => {
          await m.infer({ latents: big }); // 12 MB out, re-allocated each time the shape changes
          await m.infer({ latents: small });
        };
        for (let i = 0; i < 3; i++) await round();
        gc();
        const before = process.memoryUsage().rss;
        for (let i = 0; i < 25; i++) await round();
        gc();
        const grown = (process.memoryUsage().rss - before) / 2 ** 20;
        // Leaking the big output or input tensor per call would add ≥ 300 MB here.
        assert.ok(grown < 100, `RSS grew by ${grown.toFixed(0)} MB over 50 infers`);
      });

      it('dispose frees models and engine without crashing; use after dispose is an Error', async () => {
        const own = factory.create();
        const m = await own.compileModel(model('text_encoder'), F32);
        const inputs = feed('lcm_4step_seed42', 'text_encoder_0', m.inputs);
        const pending = m.infer(inputs);
        m.dispose(); // while a call is queued: it finishes, the model is freed afterwards
        await pending.then(
          () => undefined,
          (e: Error) => assert.match(e.message, /dispose/),
        );
        m.dispose();
        await assert.rejects(m.infer(inputs), /dispose/);
        const m2 = await own.compileModel(model('text_encoder'), F32);
        own.dispose(); // also disposes m2
        own.dispose();
        await assert.rejects(m2.infer(inputs), /dispose/);
        await assert.rejects(own.compileModel(model('text_encoder'), F32), /dispose/);

        // Disposing while a compile runs on a worker thread: the compile is refused, nothing crashes.
        const third = factory.create();
        const compiling = third.compileModel(model('transformer'), F32);
        third.dispose();
        await assert.rejects(compiling, /dispose/);
      });
    });
  });
}
