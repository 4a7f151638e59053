// Engine conformance, continued (see engine.test.ts): models saved as OpenVINO IR, element types
// the PixArt models do not use, and the errors for bad files, options and inputs.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompiledModel, Tensor } from '../../src/engine/types';
import { listEnginesForConformance, noteUntestedEngines } from '../support/engines';
import {
  F32, assertClose, assertSame, feed, fixture, model, npyTensor, scratchDir, setUpEngine, tinyModelsAsIr, vaeLatents,
} from '../support/engine-conformance';

const scratch = scratchDir();
const { engines, untested } = listEnginesForConformance();
noteUntestedEngines(untested);

for (const factory of engines) {
  describe(`engine ${factory.name}`, () => {
    const suite = setUpEngine(factory);
    const { compile } = suite;

    describe('OpenVINO IR', () => {
      let irDir: string;
      before(() => {
        irDir = tinyModelsAsIr(scratch);
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
      const m = await compile(join(tinyModelsAsIr(scratch), 'types.xml'));
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
        await assert.rejects(suite.engine.compileModel(missing, F32), (e: Error) => e.message.includes(missing) && /not found/i.test(e.message));
      });

      it('an IR without its .bin names the .bin', async () => {
        const dir = mkdtempSync(join(scratch, 'nobin-'));
        copyFileSync(join(tinyModelsAsIr(scratch), 'vae_decoder.xml'), join(dir, 'vae_decoder.xml'));
        await assert.rejects(suite.engine.compileModel(join(dir, 'vae_decoder.xml'), F32), (e: Error) => e.message.includes(join(dir, 'vae_decoder.bin')));
      });

      it('a corrupt ONNX file is an Error naming the file', async () => {
        const bad = join(scratch, 'corrupt.onnx');
        writeFileSync(bad, readFileSync(model('text_encoder')).subarray(0, 5000));
        await assert.rejects(suite.engine.compileModel(bad, F32), (e: Error) => e instanceof Error && e.message.includes(bad));
      });

      it('an IR with truncated weights is an Error naming the file', async () => {
        const dir = mkdtempSync(join(scratch, 'shortbin-'));
        const ir = tinyModelsAsIr(scratch);
        copyFileSync(join(ir, 'transformer.xml'), join(dir, 'transformer.xml'));
        writeFileSync(join(dir, 'transformer.bin'), readFileSync(join(ir, 'transformer.bin')).subarray(0, 1000));
        await assert.rejects(suite.engine.compileModel(join(dir, 'transformer.xml'), F32), (e: Error) => e.message.includes(join(dir, 'transformer.xml')));
      });

      it('a numThreads that is not a non-negative integer is an Error', async () => {
        for (const numThreads of [1.5, -1]) {
          await assert.rejects(suite.engine.compileModel(model('text_encoder'), { ...F32, numThreads }), /numThreads must be a non-negative integer/);
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
  });
}
