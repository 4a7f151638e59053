// One phase of one benchmark run of our pipeline, in a fresh process so that its peak RSS is its own:
//   --phase cold  load and compile into an empty compiled-model cache (CACHE_DIR), then exit;
//   --phase warm  load from that filled cache — a second start — then generate --generations images
//                 (the second one shows what a user pays once the model is loaded).
// Two processes rather than one, so the warm phase's peak RSS is a session's, not inflated by the
// cold phase's freed allocations. Prints one JSON line (see RunPhase in bench/report.ts).
import { writeFileSync } from 'node:fs';
import { createEngine } from '../src/engine';
import { PixArtPipeline, type GenerateResult, type LoadOptions } from '../src/pipeline/pipeline';
import { parseRunArgs, type RunArgs } from './run-args';
import type { Generation, RunPhase } from './report';

function generation(r: GenerateResult): Generation {
  const t = r.timings;
  const transformerTotal = t.transformerMs.reduce((x, y) => x + y, 0);
  return {
    textEncoderMs: t.textEncoderMs,
    transformerMs: t.transformerMs,
    transformerTotalMs: transformerTotal,
    vaeMs: t.vaeMs,
    schedulerMs: t.schedulerMs,
    postprocessMs: t.postprocessMs,
    callsMs: t.inferenceMs,
    engineMs: t.engineMs,
    otherMs: t.totalMs - t.inferenceMs,
    totalMs: t.totalMs,
  };
}

async function main(args: RunArgs): Promise<RunPhase> {
  const engine = await createEngine({ runtime: 'auto' });
  try {
    const options: LoadOptions = { precision: args.precision, cacheDir: args.cacheDir, device: args.device, releaseTextEncoder: args.releaseTextEncoder };
    let t = performance.now();
    const pipeline = await PixArtPipeline.load(args.model, engine, options);
    const loadMs = performance.now() - t;
    const size = args.width ? { width: args.width, height: args.height } : (pipeline.info.staticSize ?? { width: 512, height: 512 });
    const base: RunPhase = { impl: 'ours', runtime: `${engine.name} ${engine.version}`, phase: args.phase, loadMs, generations: [], peakRssMb: 0, size };
    if (args.phase === 'warm') {
      const req = {
        prompt: args.prompt, seed: args.seed, steps: args.steps,
        guidanceScale: args.guidance ?? pipeline.info.defaults.guidanceScale,
        // Generated at exactly this size: with binning, 512×512 would be computed at 1024×1024.
        ...size, resolutionBinning: false,
      };
      let last: GenerateResult | undefined;
      for (let g = 0; g < args.generations; g++) {
        last = await pipeline.generate(req);
        base.generations.push(generation(last));
      }
      if (last && args.imageOut) {
        const img = last.images[0];
        writeFileSync(args.imageOut, img.rgb);
        base.image = { width: img.width, height: img.height, file: args.imageOut };
      }
    }
    base.rssEndMb = process.memoryUsage().rss / 2 ** 20; // what the session holds between images
    pipeline.dispose();
    base.peakRssMb = process.resourceUsage().maxRSS / 1024;
    return base;
  } finally {
    engine.dispose();
  }
}

main(parseRunArgs(process.argv.slice(2)))
  .then((r) => console.log(JSON.stringify(r)))
  .catch((e) => {
    console.error(`bench run failed: ${(e as Error).stack ?? e}`);
    process.exit(1);
  });
