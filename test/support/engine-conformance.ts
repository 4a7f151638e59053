// What the engine conformance files share: the models under test, fixture inputs cast to the
// ports' types, tolerance checks, the tiny models as OpenVINO IR, and an engine instance per suite.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { CompiledModel, CompileOptions, Engine, PortInfo, Tensor } from '../../src/engine/types';
import { castTensor } from '../../src/engine/tensor';
import { readNpy, type NpyArray } from './npy';
import { caseDir, fixturesDir, tinyModelDir } from './paths';
import { openvinoPython, type EngineFactory } from './engines';

export const F32: CompileOptions = { precision: 'f32' };
export const model = (name: string) => join(tinyModelDir, name, 'model.onnx');
export const staticTransformer = (hw: string) => join(fixturesDir, 'transformer-static', `transformer_${hw}.onnx`);

/** A scratch folder, removed when the calling test file's tests end (call at the file's top level). */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pixart-engine-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const NPY_TYPES: Record<string, Tensor['type']> = { float32: 'f32', float64: 'f64', int64: 'i64', int32: 'i32', uint8: 'u8' };

export function npyTensor(a: NpyArray): Tensor {
  return { type: NPY_TYPES[a.dtype], shape: a.shape, data: a.data };
}

/** The fixture array `<name>.npy` of diffusers case `c`. */
export function fixture(c: string, name: string): NpyArray {
  return readNpy(join(caseDir(c), `${name}.npy`));
}

/** Fixture arrays `<prefix>_<port>.npy` of case `c`, each cast to the element type the model declares. */
export function feed(c: string, prefix: string, ports: readonly PortInfo[]): Record<string, Tensor> {
  return Object.fromEntries(ports.map((p) => [p.name, castTensor(npyTensor(fixture(c, `${prefix}_${p.name}`)), p.type)]));
}

/** The VAE decoder's input in case `c`. */
export const vaeLatents = (c: string): Tensor => npyTensor(fixture(c, 'vae_0_latents'));

/** max |a − ref| over max |ref|; the reference's dtype decides the tolerance (f16 fixtures are coarser). */
export function assertClose(actual: Tensor, ref: NpyArray, tol: number, what: string): number {
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
export function assertSame(a: Tensor, b: Tensor, what: string, relTol = 0): number {
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

let irDir: string | undefined;

/** The tiny models converted to IR under `scratch`, once per process (f32 weights: save_model
 *  compresses to f16 by default). */
export function tinyModelsAsIr(scratch: string): string {
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

export interface EngineSuite {
  /** The suite's engine, created in its `before` hook. */
  readonly engine: Engine;
  /** Compiles with the suite's engine (f32 unless told); the model is disposed after the suite. */
  compile(path: string, options?: CompileOptions): Promise<CompiledModel>;
}

/** Hooks for the enclosing `describe`: an engine from `factory` before its tests; after them, every
 *  model compiled through `compile`, then the engine, disposed. */
export function setUpEngine(factory: EngineFactory): EngineSuite {
  let engine: Engine | undefined;
  const compiled: CompiledModel[] = [];
  before(() => {
    engine = factory.create();
  });
  after(() => {
    for (const m of compiled) m.dispose();
    engine!.dispose();
  });
  return {
    get engine() {
      return engine!;
    },
    async compile(path, options = F32) {
      const m = await engine!.compileModel(path, options);
      compiled.push(m);
      return m;
    },
  };
}
