// The fixture cases, and a model folder for each: pixart-tiny with the transformer exported for
// the case's latent size (the fixture transformers are static in their spatial size).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { casesDir, fixturesDir, tinyModelDir } from './paths';

export interface CaseMeta {
  name: string;
  prompt: string | string[];
  negative_prompt: string;
  preprocessed_prompts: string[];
  seed: number;
  num_inference_steps: number;
  guidance_scale: number;
  do_classifier_free_guidance: boolean;
  height: number;
  width: number;
  generated_height: number;
  generated_width: number;
  num_images_per_prompt: number;
  use_resolution_binning: boolean;
  timesteps: number[];
  image_shape: number[];
  /** The case's folder (listCases sets it; α's cases folder when absent). */
  dir?: string;
}

/** The cases under `dir` (α's by default; test/fixtures/sigma/cases for PixArt-Σ's). */
export function listCases(dir = casesDir): CaseMeta[] {
  return readdirSync(dir).sort().map((name) => ({ ...JSON.parse(readFileSync(join(dir, name, 'case.json'), 'utf8')), dir: join(dir, name) }) as CaseMeta);
}

const folders = new Map<string, string>();

/** A model folder (symlinks into the fixtures) whose transformer runs latents of h×w. */
export function modelFolderForLatent(h: number, w: number): string {
  const key = `${h}x${w}`;
  const cached = folders.get(key);
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), `pixart-tiny-${key}-`));
  for (const entry of readdirSync(tinyModelDir)) {
    if (entry !== 'transformer') symlinkSync(join(tinyModelDir, entry), join(dir, entry));
  }
  mkdirSync(join(dir, 'transformer'));
  symlinkSync(join(tinyModelDir, 'transformer', 'config.json'), join(dir, 'transformer', 'config.json'));
  symlinkSync(join(fixturesDir, 'transformer-static', `transformer_${key}.onnx`), join(dir, 'transformer', 'model.onnx'));
  folders.set(key, dir);
  return dir;
}

export function modelFolderForCase(c: CaseMeta): string {
  return modelFolderForLatent(c.generated_height / 8, c.generated_width / 8);
}

export const caseFile = (c: CaseMeta, file: string) => join(c.dir ?? join(casesDir, c.name), file);
