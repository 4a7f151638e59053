// One phase of one benchmark run of our pipeline, in a fresh process so that its peak RSS is its own:
//   --phase cold  load and compile into an empty compiled-model cache (CACHE_DIR), then exit;
//   --phase warm  load from that filled cache — a second start — and warm up (pipeline.warmUp, as the
//                 extension does after a load), then generate --generations images
//                 (the second one shows what a user pays once the model is loaded), then encode
//                 --new-prompt once (T5 warm, on a prompt the embedding cache has not seen).
// Two processes rather than one, so the warm phase's peak RSS is a session's, not inflated by the
// cold phase's freed allocations. Each phase's peak RSS is measured on its own (bench/phase-rss.ts).
// Prints one JSON line (see RunPhase in bench/report.ts).
import { writeFileSync } from 'node:fs';
import { createEngine } from '../src/engine';
import { CancelledError, PixArtPipeline, type GenerateRequest, type GenerateResult, type LoadOptions } from '../src/pipeline/pipeline';
import { parseRunArgs, type RunArgs } from './run-args';
import { PhasePeaks } from './phase-rss';
import type { Generation, PhaseRss, RunPhase } from './report';

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

const PHASES = { encoding: 'encode', denoising: 'denoise', decoding: 'decode' } as const;

/** One image, with the peak RSS of each of its phases as the pipeline reports them (onPhase). */
async function generateMeasured(pipeline: PixArtPipeline, req: GenerateRequest, peaks: PhasePeaks): Promise<{ result: GenerateResult; rss: PhaseRss['generations'][number] }> {
  const result = await pipeline.generate(req, { onPhase: (p) => peaks.enter(PHASES[p.phase]) });
  const p = peaks.take();
  return { result, rss: { encodeMb: p.encode, denoiseMb: p.denoise, decodeMb: p.decode, afterMb: PhasePeaks.rssMb() } };
}

/**
 * T5 on a new prompt, through the pipeline's public API and without paying for an image: the
 * generation is cancelled as its first step is about to start (an aborted call never runs), so
 * its encode phase, timed by onPhase, is all it does (plus preparing the latents, microseconds).
 */
async function newPromptEncodeMs(pipeline: PixArtPipeline, req: GenerateRequest): Promise<number> {
  const abort = new AbortController();
  let start = NaN;
  let end = NaN;
  const onPhase = (p: { phase: string; elapsedMs: number }) => {
    if (p.phase === 'encoding') start = p.elapsedMs;
    else if (p.phase === 'denoising' && Number.isNaN(end)) {
      end = p.elapsedMs;
      abort.abort();
    }
  };
  try {
    await pipeline.generate(req, { signal: abort.signal, onPhase });
    throw new Error('the new-prompt encode was not cancelled at the first step');
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
  }
  return end - start;
}

async function main(args: RunArgs): Promise<RunPhase> {
  const engine = await createEngine({ runtime: 'auto' });
  const peaks = new PhasePeaks();
  try {
    const options: LoadOptions = { precision: args.precision, cacheDir: args.cacheDir, device: args.device, releaseTextEncoder: args.releaseTextEncoder };
    peaks.enter('load');
    let t = performance.now();
    const pipeline = await PixArtPipeline.load(args.model, engine, options);
    const loadMs = performance.now() - t;
    // The second start warms up as the extension does after a load, before the first image.
    t = performance.now();
    const size = args.width ? { width: args.width, height: args.height } : (pipeline.info.staticSize ?? { width: 512, height: 512 });
    const warmUpMs = args.phase === 'warm' ? (await pipeline.warmUp(undefined, undefined, size), performance.now() - t) : undefined;
    const phaseRss: PhaseRss = { method: peaks.method, loadMb: peaks.take().load, generations: [] };
    const base: RunPhase = { impl: 'ours', runtime: `${engine.name} ${engine.version}`, phase: args.phase, loadMs, warmUpMs, generations: [], peakRssMb: 0, size, phaseRss };
    if (args.phase === 'warm') {
      const req = {
        prompt: args.prompt, seed: args.seed, steps: args.steps,
        guidanceScale: args.guidance ?? pipeline.info.defaults.guidanceScale,
        // Generated at exactly this size: with binning, 512×512 would be computed at 1024×1024.
        ...size, resolutionBinning: false,
      };
      let last: GenerateResult | undefined;
      for (let g = 0; g < args.generations; g++) {
        const { result, rss } = await generateMeasured(pipeline, req, peaks);
        last = result;
        base.generations.push(generation(result));
        phaseRss.generations.push(rss);
      }
      base.newPromptTextEncoderMs = await newPromptEncodeMs(pipeline, { ...req, prompt: args.newPrompt });
      peaks.take();
      if (last && args.imageOut) {
        const img = last.images[0];
        writeFileSync(args.imageOut, img.rgb);
        base.image = { width: img.width, height: img.height, file: args.imageOut };
      }
    }
    base.rssEndMb = PhasePeaks.rssMb(); // what the session holds between images
    pipeline.dispose();
    base.peakRssMb = Math.max(peaks.overallPeakMb(), process.resourceUsage().maxRSS / 1024);
    return base;
  } finally {
    peaks.dispose();
    engine.dispose();
  }
}

main(parseRunArgs(process.argv.slice(2)))
  .then((r) => console.log(JSON.stringify(r)))
  .catch((e) => {
    console.error(`bench run failed: ${(e as Error).stack ?? e}`);
    process.exit(1);
  });
