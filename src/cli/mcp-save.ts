// Saving an MCP call's images as the extension saves a job's: PNG with the `parameters` text
// (encode.ts, parameters.ts), named by the file name template (naming.ts), written by writeNewFile,
// which never replaces an entry: a taken name becomes name-2.png, name-3.png …
import { removeStaleTempFiles, whyWriteFailed, writeNewFile } from '../image/atomic-write';
import { encodeImage } from '../image/encode';
import { imageParameters, toParameters } from '../image/parameters';
import { DEFAULT_FILE_NAME_TEMPLATE, fileNameFor, nthName, resolveInside } from '../image/naming';
import type { GenerationConfig } from '../protocol/generation';
import type { GeneratedImage, ModelInfo } from '../pipeline/types';

const MAX_ALTERNATIVES = 10000;

export interface SavedImage {
  path: string;
  /** The PNG as written. */
  bytes: Uint8Array;
  width: number;
  height: number;
}

function* alternativePaths(folder: string, fileName: string): Generator<string> {
  for (let n = 1; n <= MAX_ALTERNATIVES; n++) yield resolveInside(folder, nthName(fileName, n));
}

function saveError(err: unknown, folder: string): Error {
  const why = whyWriteFailed(err, folder);
  if (!why) return err instanceof Error ? err : new Error(String(err));
  return new Error(`The image was not saved: ${why}. Free some space, or start the server with --out set to a folder you can write to.`);
}

/**
 * Writes each image into `folder` (which exists) under `template` (the `name` argument, or the
 * default), and returns what was written. `config` carries the seed the images were made with.
 */
export async function saveImages(folder: string, images: GeneratedImage[], config: GenerationConfig, model: ModelInfo, template: string | undefined): Promise<SavedImage[]> {
  const date = new Date();
  const saved: SavedImage[] = [];
  await removeStaleTempFiles(folder);
  for (const img of images) {
    const parameters = toParameters(imageParameters(config, img, model, images.length));
    const bytes = await encodeImage({ rgb: img.rgb, width: img.width, height: img.height, parameters }, 'png');
    const fields = { date, seed: config.seed, prompt: img.prompt, model: model.name, steps: config.steps, index: img.index + 1 };
    const name = fileNameFor(template ?? DEFAULT_FILE_NAME_TEMPLATE, fields, 'png');
    try {
      saved.push({ path: await writeNewFile(folder, alternativePaths(folder, name), bytes), bytes, width: img.width, height: img.height });
    } catch (err) {
      throw saveError(err, folder);
    }
  }
  return saved;
}
