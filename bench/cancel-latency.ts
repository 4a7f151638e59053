// Cancel latency on a real model (issue 17's figures at 1024²): for each point (a step, the decode), start a
// generation, abort `afterMs` into that phase, and time (a) abort → generate() rejecting, and
// (b) abort → the next generation's first transformer step ending (the runtime let go) minus a
// normal step. Usage: node --import tsx bench/cancel-latency.ts MODEL_DIR (PIXART_OPENVINO_LIB, or a runtime the engine finds)
import { createEngine } from '../src/engine/index';
import { PixArtPipeline } from '../src/pipeline/pipeline';

async function main(): Promise<void> {
const dir = process.argv[2];
const now = () => performance.now();
const engine = await createEngine({ libraryPath: process.env.PIXART_OPENVINO_LIB });
const t0 = now();
const p = await PixArtPipeline.load(dir, engine, { precision: 'auto' });
console.log(`load ${(now() - t0).toFixed(0)} ms; ${engine.name} ${engine.version} (${engine.origin})`);
await p.warmUp();
const req = { prompt: 'a lighthouse on a cliff at dawn', seed: 42, steps: 4, guidanceScale: 0, width: 1024, height: 1024 };

const full = await p.generate(req);
console.log(`full image: total ${full.timings.totalMs.toFixed(0)} ms, steps ${full.timings.transformerMs.map((x) => x.toFixed(0)).join('+')}, VAE ${full.timings.vaeMs.toFixed(0)} ms`);
const stepMs = full.timings.transformerMs[1];

for (const [phase, step, afterMs] of [['denoising', 2, 2000], ['decoding', 4, 5000], ['decoding', 4, 15000]] as const) {
  const abort = new AbortController();
  let abortedAt = 0;
  const run = p.generate(req, {
    signal: abort.signal,
    onPhase: (ph) => {
      if (ph.phase === phase && ph.step === step && !abortedAt) {
        abortedAt = -1;
        setTimeout(() => { abortedAt = now(); abort.abort(); }, afterMs);
      }
    },
  });
  let rejectedAt = 0;
  try { await run; console.log(`${phase}: it finished before the cancel`); continue; } catch (e) { rejectedAt = now(); if ((e as Error).name !== 'CancelledError') throw e; }
  const next = await p.generate({ ...req, steps: 1 });
  const firstStepEnd = rejectedAt + next.timings.textEncoderMs + next.timings.transformerMs[0];
  console.log(`${phase} (${afterMs} ms in): generate() rejected ${(rejectedAt - abortedAt).toFixed(1)} ms after abort; the next job's first step took ${next.timings.transformerMs[0].toFixed(0)} ms (a step: ${stepMs.toFixed(0)} ms), so the runtime let go about ${Math.max(0, firstStepEnd - abortedAt - stepMs).toFixed(0)} ms after the abort`);
}
p.dispose();
engine.dispose();
}
main().catch((e) => { console.error(e); process.exit(1); });
