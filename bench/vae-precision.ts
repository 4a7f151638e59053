// The VAE decoder at each inference precision, on the same latents: time per decode and the image
// difference against the f32 decode (max and mean |Δ| in /255, PSNR). What the VAE precision
// default is chosen from (issue #12).
//   node --import tsx bench/vae-precision.ts --model DIR [--size 1024x1024 | --latents FILE.npy]
//        [--precisions f32,bf16,f16] [--runs 2] [--seed 0]
// Without --latents, the latents are torch.randn values divided by the VAE's scaling factor:
// the decoder's input as the pipeline makes it from unit-variance latents.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '../src/engine';
import { castTensor, inputType, outputNamed } from '../src/engine/tensor';
import type { CompileOptions } from '../src/engine/types';
import { readModelFolder } from '../src/pipeline/model-folder';
import { toRgb8 } from '../src/pipeline/postprocess';
import { TorchGenerator } from '../src/pipeline/random';
import { readNpyF32 } from '../test/support/npy';

type Precision = NonNullable<CompileOptions['precision']>;

function args(argv: string[]) {
  const a: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) a[argv[i].replace(/^--/, '')] = argv[i + 1];
  if (!a.model) throw new Error('--model DIR is needed');
  return {
    model: a.model,
    size: (a.size ?? '1024x1024').split('x').map(Number),
    latents: a.latents ?? null,
    precisions: (a.precisions ?? 'f32,bf16,f16').split(',') as Precision[],
    runs: Number(a.runs ?? 2),
    seed: Number(a.seed ?? 0),
  };
}

function latentsFor(o: ReturnType<typeof args>, scalingFactor: number): { data: Float32Array; shape: number[] } {
  if (o.latents) return readNpyF32(o.latents);
  const [w, h] = o.size;
  const shape = [1, 4, h / 8, w / 8];
  const data = new TorchGenerator(o.seed).randn(shape);
  for (let i = 0; i < data.length; i++) data[i] /= scalingFactor;
  return { data, shape };
}

function diff(a: Uint8Array, b: Uint8Array) {
  let max = 0;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    max = Math.max(max, d);
    sum += d;
    sq += d * d;
  }
  const mse = sq / a.length;
  return { maxAbs: max, meanAbs: +(sum / a.length).toFixed(4), psnr: mse === 0 ? Infinity : +(10 * Math.log10((255 * 255) / mse)).toFixed(2) };
}

async function main() {
  const o = args(process.argv.slice(2));
  const file = readModelFolder(o.model).vaeDecoderFile;
  const config = JSON.parse(readFileSync(join(o.model, 'vae_decoder', 'config.json'), 'utf8'));
  const latents = latentsFor(o, config.scaling_factor ?? 0.18215);
  const engine = await createEngine({ runtime: 'openvino-c' });
  let reference: Uint8Array | undefined;
  for (const precision of o.precisions) {
    const t0 = performance.now();
    const model = await engine.compileModel(file, { device: 'CPU', precision });
    const compileMs = performance.now() - t0;
    const input = castTensor({ type: 'f32', shape: latents.shape, data: latents.data }, inputType(model, 'latents'));
    const times: number[] = [];
    let rgb: Uint8Array | undefined;
    for (let r = 0; r < o.runs; r++) {
      const s = performance.now();
      const out = outputNamed(await model.infer({ latents: input }), 'sample');
      times.push(Math.round(performance.now() - s));
      const [, channels, height, width] = out.shape;
      rgb = toRgb8({ data: (out.data as Float32Array).subarray(0, channels * height * width), channels, height, width });
    }
    model.dispose();
    reference ??= rgb;
    console.log(JSON.stringify({ precision, latentShape: latents.shape, compileMs: Math.round(compileMs), decodeMs: times, vsFirst: diff(rgb!, reference!), rssMb: Math.round(process.memoryUsage().rss / 1e6) }));
  }
  engine.dispose();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
