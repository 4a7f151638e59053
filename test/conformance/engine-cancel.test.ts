// Engine conformance, continued (see engine.test.ts): cancel. An inference that takes seconds on the
// real runtime is cancelled part-way: the call rejects at once, the runtime lets go of the request
// within a second, and the same compiled model computes correctly afterwards, also at the shape it
// ran before the cancel (which OpenVINO's CPU plugin gets wrong on its own; see stale-shapes.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { CompiledModel, Tensor } from '../../src/engine/types';
import { listEnginesForConformance, noteUntestedEngines } from '../support/engines';
import { assertClose, fixture, model, scratchDir, setUpEngine, vaeLatents } from '../support/engine-conformance';
import { writeMatMulChainIr } from '../support/slow-models';

const scratch = scratchDir();
// x^(PRODUCTS+1): at 1024×1024 each product is a node of ~10–30 ms here, so the call takes seconds
// and OpenVINO can stop between products; at 4×4 it is instant.
const PRODUCTS = 400;
const chainFile = join(scratch, 'chain.xml');
writeMatMulChainIr(chainFile, PRODUCTS);

const { engines, untested } = listEnginesForConformance();
noteUntestedEngines(untested);

const square = (n: number, fill: (i: number) => number): Record<string, Tensor> => ({ x: { type: 'f32', shape: [n, n], data: Float32Array.from({ length: n * n }, (_, i) => fill(i)) } });
/** A long call: products of the uniform 1024×1024 matrix (which stays uniform, so nothing overflows). */
const big = () => square(1024, () => 1 / 1024);

/** A 4×4 matrix whose rows sum to 1, and its power x^(PRODUCTS+1) in float64. */
function stochastic4(): { input: Record<string, Tensor>; expected: number[] } {
  const x = Array.from({ length: 16 }, (_, i) => 1 + ((i * 7) % 5));
  for (let r = 0; r < 4; r++) {
    const sum = x.slice(r * 4, r * 4 + 4).reduce((a, b) => a + b, 0);
    for (let c = 0; c < 4; c++) x[r * 4 + c] /= sum;
  }
  const f32 = Array.from(Float32Array.from(x));
  let p = f32;
  for (let k = 0; k < PRODUCTS; k++) p = Array.from({ length: 16 }, (_, i) => [0, 1, 2, 3].reduce((s, j) => s + p[Math.floor(i / 4) * 4 + j] * f32[j * 4 + (i % 4)], 0));
  return { input: { x: { type: 'f32', shape: [4, 4], data: Float32Array.from(f32) } }, expected: p };
}

function assertMatches(actual: Tensor, expected: number[], what: string): void {
  const err = Math.max(...expected.map((e, i) => Math.abs(Number(actual.data[i]) - e)));
  assert.ok(err < 1e-4, `${what}: max abs error ${err}`);
}

/** Starts `m.infer(inputs)`, aborts it after `afterMs`; resolves with how the call ended and when. */
async function cancelAfter(m: CompiledModel, inputs: Record<string, Tensor>, afterMs: number) {
  const abort = new AbortController();
  const call = m.infer(inputs, { signal: abort.signal });
  let abortedAt = 0;
  const timer = setTimeout(() => {
    abortedAt = performance.now();
    abort.abort();
  }, afterMs);
  const outcome = await call.then(() => 'resolved', (e: Error) => e.name);
  clearTimeout(timer);
  return { outcome, abortedAt, rejectedMs: performance.now() - abortedAt };
}

for (const factory of engines) {
  describe(`engine ${factory.name}`, () => {
    const { compile } = setUpEngine(factory);

    describe('cancel', () => {
      it('a running inference: the call rejects with AbortError at once, the runtime lets go within 1 s, and the model computes correctly afterwards', async (t) => {
        const m = await compile(chainFile);
        const { input, expected } = stochastic4();
        assertMatches((await m.infer(input)).y, expected, 'before');
        const c = await cancelAfter(m, big(), 300);
        assert.equal(c.outcome, 'AbortError', 'the call was cancelled, not completed');
        assert.ok(c.rejectedMs < 1000, `rejected ${c.rejectedMs.toFixed(0)} ms after the abort`);
        // The next call runs only when the runtime has stopped the cancelled one: its end bounds that.
        const after = await m.infer(input);
        const freeMs = performance.now() - c.abortedAt;
        t.diagnostic(`rejected after ${c.rejectedMs.toFixed(1)} ms; next call done ${freeMs.toFixed(0)} ms after the abort`);
        assert.ok(freeMs < 1000, `the next call ended ${freeMs.toFixed(0)} ms after the abort (the cancelled one would have run for seconds)`);
        assertMatches(after.y, expected, 'after the cancel');
        assertMatches((await m.infer(input)).y, expected, 'and again');
      });

      it('a queued call whose signal aborts never runs, and an aborted signal rejects at once', async () => {
        const m = await compile(chainFile);
        const { input, expected } = stochastic4();
        const running = m.infer(square(512, () => 1 / 512)); // about a second
        const abort = new AbortController();
        const queued = m.infer(big(), { signal: abort.signal }); // seconds, if it ran
        const t0 = performance.now();
        abort.abort();
        await assert.rejects(queued, { name: 'AbortError' });
        assert.ok(performance.now() - t0 < 100, 'rejected while the call before it still runs');
        await assert.rejects(m.infer(input, { signal: abort.signal }), { name: 'AbortError' });
        await running;
        const t1 = performance.now();
        assertMatches((await m.infer(input)).y, expected, 'the call after them');
        assert.ok(performance.now() - t1 < 1000, 'the aborted big call never ran before it');
      });

      it('the tiny VAE: cancelled at 2048×2048, it then decodes at the size it ran before exactly as without the cancel', async (t) => {
        const m = await compile(model('vae_decoder'));
        const c = 'lcm_4step_seed42';
        assertClose((await m.infer({ latents: vaeLatents(c) })).sample, fixture(c, 'vae_0_sample'), 1e-4, 'before');
        const s = 256;
        const cancelled = await cancelAfter(m, { latents: { type: 'f32', shape: [1, 4, s, s], data: new Float32Array(4 * s * s).fill(0.1) } }, 300);
        assert.equal(cancelled.outcome, 'AbortError');
        assert.ok(cancelled.rejectedMs < 1000, `rejected ${cancelled.rejectedMs.toFixed(0)} ms after the abort`);
        const out = await m.infer({ latents: vaeLatents(c) });
        // Its mid-block attention at 256×256 latents is one node of seconds, which OpenVINO finishes before it stops.
        t.diagnostic(`rejected after ${cancelled.rejectedMs.toFixed(1)} ms; the runtime let go and the next decode ended ${(performance.now() - cancelled.abortedAt).toFixed(0)} ms after the abort`);
        assertClose(out.sample, fixture(c, 'vae_0_sample'), 1e-4, 'after the cancel');
      });
    });
  });
}
