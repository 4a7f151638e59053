// The MCP tools' input and output schemas (zod v4, which the SDK turns into the JSON Schema that
// clients see). Input schemas check types only; the bounds they advertise (`meta`, from LIMITS)
// are enforced by validateGeneration (mcp-request.ts), so a value out of range gets the form's
// message, not zod's.
import { z } from 'zod';
import { LIMITS } from '../protocol/generation';

const SEED_NOTE = `0 to ${LIMITS.maxSeed} (a string for values over 2^53); omit it or give -1 for a random seed, which the result reports.`;

export const generateInput = z
  .object({
    prompt: z.string().meta({ description: 'What the image shows, in English.', maxLength: LIMITS.promptChars }),
    negative_prompt: z.string().optional().meta({ description: 'What the image should not show. Used only when guidance_scale is above 1.', maxLength: LIMITS.promptChars }),
    width: z.number().int().optional().meta({ description: 'Width in pixels; give height too. Only sizes the model runs are accepted (the error lists them); prefer aspect.', minimum: LIMITS.minSide, maximum: LIMITS.maxSide, multipleOf: LIMITS.sideMultiple }),
    height: z.number().int().optional().meta({ description: 'Height in pixels; give width too.', minimum: LIMITS.minSide, maximum: LIMITS.maxSide, multipleOf: LIMITS.sideMultiple }),
    aspect: z.string().optional().meta({ description: 'Aspect ratio as width:height, e.g. "16:9", "1:1", "9:16"; the model\'s closest size is used. Instead of width and height. Default: the model\'s default size (1024×1024 for the 1024 models).' }),
    seed: z.union([z.number().int().meta({ minimum: -1, maximum: Number.MAX_SAFE_INTEGER }), z.string()]).optional().meta({ description: `Seed: the same seed and inputs give the same image. ${SEED_NOTE}` }),
    steps: z.number().int().optional().meta({ description: 'Denoising steps. Default: the model\'s (4 for PixArt-LCM, 20 for PixArt-XL-2); LCM models take at most their original_inference_steps.', minimum: LIMITS.minSteps, maximum: LIMITS.maxSteps }),
    guidance_scale: z.number().optional().meta({ description: 'Classifier-free guidance. Default: the model\'s (0 for LCM, 4.5 for PixArt-XL-2).', minimum: LIMITS.minGuidance, maximum: LIMITS.maxGuidance }),
    count: z.number().int().optional().meta({ description: `Images to make from this prompt, in one batch from the one seed (default 1, at most ${LIMITS.maxImagesPerPrompt} per call).`, minimum: 1, maximum: LIMITS.maxImagesPerPrompt }),
    folder: z.string().optional().meta({ description: 'Subfolder of the server\'s output folder to save into, e.g. "hero" or "docs/img"; created if missing. A folder outside the output folder is refused.' }),
    name: z.string().optional().meta({ description: 'File name without extension, e.g. "hero-banner". May use {seed}, {date}, {time}, {slug}, {index}. Default: {date}-{time}-seed{seed}-{slug}. An existing file is never replaced: -2, -3 … is appended.', maxLength: LIMITS.fileNameChars }),
  })
  .strict();

export type GenerateArgs = z.infer<typeof generateInput>;

const savedImage = z.object({
  path: z.string().meta({ description: 'Absolute path of the saved PNG.' }),
  relativePath: z.string().meta({ description: 'Path relative to the server\'s output folder, with / separators.' }),
  width: z.number().int(),
  height: z.number().int(),
});

export const generateOutput = z.object({
  images: z.array(savedImage),
  seed: z.string().meta({ description: 'The seed used (decimal); give it again to get the same image.' }),
  prompt: z.string(),
  negativePrompt: z.string(),
  steps: z.number().int(),
  guidanceScale: z.number(),
  model: z.string(),
  timings: z.object({
    queuedMs: z.number().meta({ description: 'Waiting for earlier calls.' }),
    loadMs: z.number().meta({ description: 'Loading the model: 0 once it is loaded.' }),
    generateMs: z.number(),
    saveMs: z.number(),
  }),
});

export type GenerateOutput = z.infer<typeof generateOutput>;

/** Most images list_images returns in one call. */
export const MAX_LIST = 100;

export const listInput = z
  .object({
    folder: z.string().optional().meta({ description: 'Subfolder of the output folder to list (with its subfolders). Default: the whole output folder.' }),
    query: z.string().optional().meta({ description: 'Only images whose prompt contains these words (case-insensitive, in any order).', maxLength: LIMITS.promptChars }),
    limit: z.number().int().optional().meta({ description: `How many images, newest first (default 20, at most ${MAX_LIST}).`, minimum: 1, maximum: MAX_LIST }),
  })
  .strict();

export type ListArgs = z.infer<typeof listInput>;

const listedImage = z.object({
  path: z.string(),
  relativePath: z.string(),
  modified: z.string().meta({ description: 'ISO 8601 time the file was last written.' }),
  prompt: z.string().optional(),
  negativePrompt: z.string().optional(),
  seed: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  steps: z.number().optional(),
  guidanceScale: z.number().optional(),
  model: z.string().optional(),
});

export const listOutput = z.object({
  images: z.array(listedImage),
  found: z.number().int().meta({ description: 'Image files found under the folder, before the query and the limit.', minimum: 0 }),
  truncated: z.boolean().meta({ description: 'Whether some files were not looked at (the limit, or the bounds of one call); more may match.' }),
});

export type ListOutput = z.infer<typeof listOutput>;
export type ListedImage = z.infer<typeof listedImage>;
