// Engine conformance: every engine this machine can run, on the real OpenVINO runtime, against the
// diffusers fixtures (f32 forced). This file: identity, port listing and numerics; OpenVINO IR and
// errors: engine-ir-and-errors.test.ts; caches, memory, threads and dispose: engine-runtime.test.ts.
// Run: node test/run-tests.mjs conformance
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listEnginesForConformance, noteUntestedEngines } from '../support/engines';
import { assertClose, feed, fixture, model, setUpEngine, staticTransformer, vaeLatents } from '../support/engine-conformance';

async function timed<T>(timings: Map<string, number[]>, key: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  const list = timings.get(key) ?? [];
  list.push(performance.now() - t0);
  timings.set(key, list);
  return r;
}

const { engines, untested } = listEnginesForConformance();
noteUntestedEngines(untested);
for (const u of untested) {
  it(`${u.name} engine`, { skip: `not tested on this machine: ${u.reason}` }, () => {});
}

for (const factory of engines) {
  describe(`engine ${factory.name}`, () => {
    const suite = setUpEngine(factory);
    const { compile } = suite;
    const timings = new Map<string, number[]>();
    after(() => {
      const lines = [...timings].map(([k, v]) => {
        const sorted = [...v].sort((a, b) => a - b);
        return `#   ${k}: median ${sorted[sorted.length >> 1].toFixed(1)} ms over ${v.length} calls (first ${v[0].toFixed(1)} ms)`;
      });
      console.log(`# ${factory.name} ${suite.engine.version} infer times:\n${lines.join('\n')}`);
    });

    it('reports its name, version and the CPU device', () => {
      assert.equal(suite.engine.name, factory.name);
      assert.match(suite.engine.version, /^\d{4}\.\d+\.\d+/);
      assert.ok(suite.engine.availableDevices().includes('CPU'), `devices: ${suite.engine.availableDevices().join(', ')}`);
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
  });
}
