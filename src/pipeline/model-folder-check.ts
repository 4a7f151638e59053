// Checks a folder before it becomes the model, without compiling anything, and says everything that
// is wrong with it at once: a user fixing a folder should not meet its problems one per attempt.
// readModelFolder (model-folder.ts) stops at the first problem, since it is the loader; this runs
// the same readers one by one and keeps going. It also tells a folder that is no model at all
// (empty, or another project) and a diffusers checkpoint not yet built for OpenVINO from a model
// with a few things wrong, because each needs another answer.
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { MANIFEST_FILE, findModelFile, readFamily, readJson, readTransformerConfig, readVaeConfig, schedulerConfigOf, tokenizerDirOf } from './model-folder';

/**
 * - `ok`: nothing wrong found;
 * - `not-a-model`: the folder is missing, or holds none of a model folder's entries;
 * - `checkpoint`: a diffusers checkpoint (PyTorch weights, no OpenVINO or ONNX files), which
 *   Download Model… / `pixart build-model --from DIR` turns into a model folder;
 * - `broken`: a model folder with the problems listed.
 */
export type FolderVerdict = 'ok' | 'not-a-model' | 'checkpoint' | 'broken';

export interface FolderCheck {
  verdict: FolderVerdict;
  /** Every problem found, each naming its file; empty only when the verdict is `ok`. */
  problems: string[];
  /** Not a model folder: the folders in it that are (the user chose the folder above the model), by name. */
  modelsInside?: string[];
}

/** What a model folder holds (DESIGN.md, "The model folder"); a folder with none of them is not one. */
export const MODEL_FOLDER_ENTRIES = ['model_index.json', 'scheduler', 'tokenizer', 'text_encoder', 'transformer', 'vae_decoder'] as const;

/** The message of what `fn` throws, or undefined when it does not. */
function problemOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** The layout's problems, each reader run on its own, in the order readModelFolder meets them. */
function layoutProblems(dir: string): string[] {
  let vaeScaleFactor = 8; // diffusers' default, so that a broken VAE config does not hide the transformer's problems
  const checks: (() => unknown)[] = [
    () => readFamily(join(dir, 'model_index.json')),
    () => schedulerConfigOf(dir),
    () => tokenizerDirOf(dir),
    () => ({ vaeScaleFactor } = readVaeConfig(join(dir, 'vae_decoder', 'config.json'))),
    () => readTransformerConfig(join(dir, 'transformer', 'config.json'), vaeScaleFactor),
    () => findModelFile(dir, 'text_encoder'),
    () => findModelFile(dir, 'transformer'),
    () => findModelFile(dir, 'vae_decoder'),
    () => existsSync(join(dir, MANIFEST_FILE)) && readJson(join(dir, MANIFEST_FILE), 'manifest'),
  ];
  return checks.map(problemOf).filter((p): p is string => p !== undefined);
}

/** PyTorch weights where a model file should be: diffusers' `save_pretrained` layout. */
function isCheckpoint(dir: string): boolean {
  return ['transformer', 'text_encoder'].some((c) => {
    const sub = join(dir, c);
    if (problemOf(() => findModelFile(dir, c)) === undefined) return false;
    try {
      return readdirSync(sub).some((f) => /\.safetensors(\.index\.json)?$|^pytorch_model.*\.bin$|^diffusion_pytorch_model.*\.bin$/.test(f));
    } catch {
      return false;
    }
  });
}

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}

/** With the converter's manifest: every file it lists is present with its size, and with `hashes` its sha256 (slow on multi-GB weights). */
async function manifestProblems(dir: string, hashes: boolean): Promise<string[]> {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) return [];
  let files: Record<string, { bytes?: number; sha256?: string } | null>;
  try {
    files = (readJson(manifestPath, 'manifest').files ?? {}) as typeof files;
  } catch {
    return []; // layoutProblems names it
  }
  const problems: string[] = [];
  for (const [rel, entry] of Object.entries(files)) {
    const want = entry ?? {};
    const file = join(dir, rel);
    if (!existsSync(file)) {
      problems.push(`${rel} is listed in the manifest but missing`);
      continue;
    }
    const bytes = statSync(file).size;
    if (want.bytes !== undefined && bytes !== want.bytes) {
      problems.push(`${rel} has ${bytes} bytes, the manifest says ${want.bytes} (an incomplete copy?)`);
    } else if (hashes && want.sha256 && (await sha256(file)) !== want.sha256) {
      problems.push(`${rel} does not match its sha256 in the manifest (the file was changed or damaged)`);
    }
  }
  return problems;
}

function isFolder(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** The folders in `dir` that hold a model_index.json (at most 20 looked at: this is a hint). */
function modelsIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith('.')).sort().slice(0, 200);
  } catch {
    return [];
  }
  return names.filter((n) => isFolder(join(dir, n)) && existsSync(join(dir, n, 'model_index.json'))).slice(0, 20);
}

function notAModel(dir: string): FolderCheck {
  const inside = modelsIn(dir);
  let empty = false;
  try {
    empty = readdirSync(dir).length === 0;
  } catch {
    /* unreadable: said as "holds none" */
  }
  const files = MODEL_FOLDER_ENTRIES.map((e) => (e.includes('.') ? e : `${e}/`)).join(', ');
  const problem = empty ? `${dir} is empty` : `${dir} holds none of a model folder's files (${files})`;
  return { verdict: 'not-a-model', problems: [problem], ...(inside.length ? { modelsInside: inside } : {}) };
}

/** Everything wrong with `dir` as a model folder, and what kind of folder it is. */
export async function checkModelFolder(dir: string, { hashes = false } = {}): Promise<FolderCheck> {
  if (!isFolder(dir)) return { verdict: 'not-a-model', problems: [`model folder ${dir} does not exist or is not a folder`] };
  if (!MODEL_FOLDER_ENTRIES.some((e) => existsSync(join(dir, e)))) return notAModel(dir);
  const problems = [...layoutProblems(dir), ...(await manifestProblems(dir, hashes))];
  if (problems.length === 0) return { verdict: 'ok', problems };
  return { verdict: isCheckpoint(dir) ? 'checkpoint' : 'broken', problems };
}

/**
 * Checks a model folder as far as it can be checked without compiling: the layout (as
 * readModelFolder), and, when the converter's manifest is there, that every file it lists is
 * present with its size — and, with `hashes`, its sha256. Returns every problem found, each naming
 * the file; empty when the folder is sound.
 */
export async function verifyModelFolder(dir: string, options: { hashes?: boolean } = {}): Promise<string[]> {
  return (await checkModelFolder(dir, options)).problems;
}
