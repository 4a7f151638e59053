// What the benchmark runs side by side: ours at each --precision, and beside it a --baseline
// checkout's run-once.ts, the OpenVINO notebook's pipeline (bench/anchor.py) and diffusers on
// PyTorch (bench/anchor-torch.py). Each variant knows the command line of one run phase; all of
// them print the same JSON line (RunPhase in bench/report.ts) and take the same common arguments.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFolder } from '../src/pipeline/model-folder';
import { compileOptionsFor } from '../src/pipeline/pipeline';
import { compileProperties } from '../src/engine/compile-properties';
import type { BenchArgs } from './bench-args';

export type Impl = 'ours' | 'baseline' | 'anchor-ov' | 'anchor-torch';

export interface PhaseCommand {
  cmd: string;
  args: string[];
  cwd: string;
}

export interface Variant {
  /** e.g. "ours auto", "baseline auto", "anchor-ov f32", "torch bf16" */
  name: string;
  impl: Impl;
  /** f32 | auto for ours, the baseline and anchor-ov; f32 | bf16 (autocast) for torch. */
  precision: string;
  /** Its weight files on disk, for peak RSS / weights. */
  weightsMb: number;
  /** One phase; `common` are the arguments every runner takes (model-independent ones). */
  command(phase: 'cold' | 'warm', common: string[], cacheDir: string, imageOut: string | null): PhaseCommand;
}

/** The three OpenVINO models' weight files (an IR's .bin beside its .xml). */
function folderWeightsMb(model: string): number {
  const f = readModelFolder(model);
  return [f.textEncoderFile, f.transformerFile, f.vaeDecoderFile].reduce((sum, file) => sum + statSync(file.endsWith('.xml') ? file.replace(/\.xml$/, '.bin') : file).size, 0) / 2 ** 20;
}

/** A diffusers checkpoint's weight files (safetensors or .bin) of T5, the transformer and the VAE. */
function checkpointWeightsMb(dir: string): number {
  let bytes = 0;
  for (const component of ['text_encoder', 'transformer', 'vae']) {
    const d = join(dir, component);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) if (/\.(safetensors|bin)$/.test(f)) bytes += statSync(join(d, f)).size;
  }
  return bytes / 2 ** 20;
}

/** The OpenVINO properties our pipeline compiles each model with, for anchor.py to use too. */
function anchorCompileProps(precision: 'f32' | 'auto'): string {
  const o = compileOptionsFor({ precision });
  const props = (c: keyof typeof o) => Object.fromEntries(compileProperties(o[c]));
  return JSON.stringify({ text_encoder: props('textEncoder'), transformer: props('transformer'), vae_decoder: props('vae') });
}

const runOnce = (checkout: string, args: string[]): PhaseCommand => ({
  cmd: process.execPath, args: ['--import', 'tsx', join(checkout, 'bench', 'run-once.ts'), ...args], cwd: checkout,
});

export function variantsFor(args: BenchArgs, root: string, python: string | null): Variant[] {
  const weights = folderWeightsMb(args.model);
  const phaseArgs = (phase: string, cache: string, image: string | null, precision: string) => ['--phase', phase, '--cache-dir', cache, '--precision', precision, ...(image ? ['--image-out', image] : [])];
  const ours = (impl: 'ours' | 'baseline', checkout: string) => args.precisions.map((precision): Variant => ({
    name: `${impl} ${precision}`, impl, precision, weightsMb: weights,
    command: (phase, common, cache, image) => runOnce(checkout, ['--model', args.model, ...common, ...phaseArgs(phase, cache, image, precision), '--release-text-encoder', String(args.releaseTextEncoder)]),
  }));
  const variants = [...ours('ours', root), ...(args.baseline ? ours('baseline', args.baseline) : [])];
  if (args.anchor) {
    for (const precision of args.precisions) {
      variants.push({
        name: `anchor-ov ${precision}`, impl: 'anchor-ov', precision, weightsMb: weights,
        command: (phase, common, cache, image) => ({ cmd: python!, cwd: root, args: [join(root, 'bench', 'anchor.py'), '--model', args.model, ...common, ...phaseArgs(phase, cache, image, precision), '--compile-props', anchorCompileProps(precision)] }),
      });
    }
  }
  if (args.anchorTorch) {
    const dir = args.diffusers!;
    for (const precision of args.torchPrecisions) {
      variants.push({
        name: `torch ${precision}`, impl: 'anchor-torch', precision, weightsMb: checkpointWeightsMb(dir),
        command: (phase, common, cache, image) => ({ cmd: python!, cwd: root, args: [join(root, 'bench', 'anchor-torch.py'), '--diffusers', dir, ...common, ...phaseArgs(phase, cache, image, precision), '--text-encoder-dtype', args.torchTextEncoderDtype] }),
      });
    }
  }
  return variants;
}

/**
 * The columns of ratios: each ours precision against the first; then each ours against the baseline
 * and the notebook's pipeline at the same precision, and against each torch precision. Every ratio
 * is `a / b` with a an ours variant, so below 1 means ours is faster (or smaller).
 */
export function ratioPairs(variants: Variant[]): [a: Variant, b: Variant][] {
  const ours = variants.filter((v) => v.impl === 'ours');
  const pairs: [Variant, Variant][] = ours.slice(1).map((v) => [v, ours[0]]);
  for (const o of ours) {
    for (const v of variants) {
      if ((v.impl === 'baseline' || v.impl === 'anchor-ov') && v.precision === o.precision) pairs.push([o, v]);
      if (v.impl === 'anchor-torch') pairs.push([o, v]);
    }
  }
  return pairs;
}

/** Whose image each variant's is compared with: ours at its precision, else the first ours. */
export function imageReference(variants: Variant[], v: Variant): Variant | null {
  const ours = variants.filter((o) => o.impl === 'ours');
  if (v === ours[0]) return null;
  return (v.impl !== 'ours' && ours.find((o) => o.precision === v.precision)) || ours[0];
}
