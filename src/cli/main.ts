// `pixart generate …`: the pipeline from the command line, for scripting, benchmarks and checks.
// One JSON line on success; one line on stderr and a non-zero exit on failure.
// `pixart info FILE…`: the parameters images carry (info.ts).
// `pixart mcp --model DIR [--out DIR]`: an MCP server on stdio over the same pipeline (mcp.ts).
// `pixart build-model --from REPO_OR_DIR --out DIR`: a model folder from a diffusers checkpoint (build-model.ts).
// `pixart download-model --repo ID`: a checkpoint from the Hugging Face hub (download-model.ts).
import { randomInt } from 'node:crypto';
import { createEngine } from '../engine';
import { RuntimeUnavailableError } from '../engine/runtime-error';
import { PixArtPipeline } from '../pipeline/pipeline';
import { encodeImage } from '../image/encode';
import { imageParameters, toParameters } from '../image/parameters';
import { LIMITS } from '../protocol/generation';
import { writeFileAtomic } from '../image/atomic-write';
import { parseArgs, parseInfoArgs, parseMcpArgs, outputFiles, USAGE, UsageError } from './args';
import { checkOutputs } from './outputs';
import { runInfo } from './info';
import { BUILD_MODEL_USAGE, parseBuildModelArgs, runBuildModel } from './build-model';
import { DOWNLOAD_USAGE, runDownloadModel } from './download-model';

async function main(argv: string[]): Promise<void> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    console.log(`${USAGE}\n\n${BUILD_MODEL_USAGE}\n\n${DOWNLOAD_USAGE}`);
    return;
  }
  if (argv[0] === 'build-model') {
    process.exitCode = await runBuildModel(parseBuildModelArgs(argv.slice(1)));
    return;
  }
  if (argv[0] === 'download-model') {
    process.exitCode = await runDownloadModel(argv.slice(1));
    return;
  }
  if (argv[0] === 'info') {
    process.exitCode = await runInfo(parseInfoArgs(argv.slice(1)));
    return;
  }
  if (argv[0] === 'mcp') {
    await (await import('./mcp')).runMcp(parseMcpArgs(argv.slice(1))); // the SDK is evaluated only here
    return;
  }
  const o = parseArgs(argv);
  const files = outputFiles(o.out, o.prompts.length * (o.config.imagesPerPrompt ?? 1));
  await checkOutputs(files, o.format, o.force, o.cacheDir);
  const t0 = performance.now();
  const engine = await createEngine({ runtime: o.runtime, libraryPath: o.openvinoLib ?? undefined, libraryPathLabel: '--openvino-lib' });
  const pipeline = await PixArtPipeline.load(o.model, engine, {
    device: o.device,
    cacheDir: o.cacheDir ?? undefined,
    precision: o.precision,
    schedulerConfigFile: o.schedulerConfig ?? undefined,
  });
  const loadMs = performance.now() - t0;
  const info = pipeline.info;
  const config = { ...info.defaults, ...pipeline.defaultSize, ...o.config, seed: o.config.seed || String(randomInt(0, LIMITS.maxRandomSeed + 1)) };
  const result = await pipeline.generate({ ...config, prompt: o.prompts, resolutionBinning: o.binning });
  for (const [i, img] of result.images.entries()) {
    const parameters = toParameters(imageParameters(config, img, info, result.images.length));
    writeFileAtomic(files[i], await encodeImage({ rgb: img.rgb, width: img.width, height: img.height, parameters }, o.format), { overwrite: o.force });
  }
  pipeline.dispose();
  engine.dispose();
  const round = (ms: number) => Math.round(ms * 100) / 100;
  const t = result.timings;
  console.log(JSON.stringify({
    files,
    seed: config.seed,
    width: result.images[0].width,
    height: result.images[0].height,
    generatedWidth: result.generatedWidth,
    generatedHeight: result.generatedHeight,
    engine: `${engine.name} ${engine.version} (${engine.origin})`,
    timings: {
      loadMs: round(loadMs),
      textEncoderMs: round(t.textEncoderMs),
      transformerMs: t.transformerMs.map(round),
      schedulerMs: round(t.schedulerMs),
      vaeMs: round(t.vaeMs),
      postprocessMs: round(t.postprocessMs),
      inferenceMs: round(t.inferenceMs),
      totalMs: round(t.totalMs),
    },
  }));
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const err = e as Error;
  console.error(`pixart: ${err.message ?? String(e)}`);
  if (e instanceof RuntimeUnavailableError) console.error(e.detail);
  if (e instanceof UsageError) console.error('run "pixart --help" for usage');
  process.exit(e instanceof UsageError ? 2 : 1);
});
