// Engine conformance, continued (see engine.test.ts): the compile cache, mapped pages, compile
// options, concurrency, output ownership, the JS thread, memory over many calls, and dispose.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { cacheDirFor } from '../../src/engine/compile-properties';
import { listEnginesForConformance, noteUntestedEngines } from '../support/engines';
import { F32, assertClose, assertSame, feed, fixture, model, scratchDir, setUpEngine, vaeLatents } from '../support/engine-conformance';

const scratch = scratchDir();

// A full GC on demand makes the memory check measure leaks rather than GC timing.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const { engines, untested } = listEnginesForConformance();
noteUntestedEngines(untested);

for (const factory of engines) {
  describe(`engine ${factory.name}`, () => {
    const { compile } = setUpEngine(factory);

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
