// The typed messages between the webview, the extension host and the worker process.
// Plain data only: webview messages travel as JSON (so no bigint, no typed arrays there);
// host ⇄ worker messages travel by structured clone (typed arrays allowed). Seeds are decimal
// strings everywhere so that 64-bit values survive both.
// It imports only generation.ts (which imports nothing), so the webview, the host and the worker
// can all share it.

import type { FieldError, GenerationConfig, RawGenerationConfig } from './generation';
import type { PromptStyle } from './styles';

export interface SizeOption {
  width: number;
  height: number;
  /** Aspect-ratio label, e.g. "1.0" or "16:9". */
  ratio: string;
}

/** The model facts the UI needs (a subset of the pipeline's ModelInfo). */
export interface ModelSummary {
  name: string;
  modelDir: string;
  schedulerClass: string;
  /** 'LCM' | 'DPM++' … for display and metadata. */
  sampler: string;
  staticSize: { width: number; height: number } | null;
  supportedSizes: SizeOption[];
  defaults: { steps: number; guidanceScale: number };
  /** Most steps the scheduler can run (LCM: its original_inference_steps, e.g. 50). */
  maxSteps?: number;
  maxTokens: number;
}

export type ModelStateName = 'unset' | 'idle' | 'loading' | 'compiling' | 'ready' | 'error';

export interface ModelState {
  state: ModelStateName;
  /** Device the model is compiled for, when ready. */
  device?: string;
  /** Devices OpenVINO reports, when known. */
  devices?: string[];
  /** The OpenVINO that runs the model, when ready: "OpenVINO 2026.4.1 (bundled)". */
  runtime?: string;
  model?: ModelSummary;
  /** Why loading failed (names the file or shape when the model folder is wrong). */
  error?: string;
  modelPath?: string;
  /** Why Generate is off now (no model folder, or the model failed to load); absent when it is on. */
  generateBlocked?: string;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** What the running job is doing: encoding the prompt (T5), a denoising step, or decoding (the VAE). */
export type JobPhase = 'encoding' | 'denoising' | 'decoding';

export interface JobSummary {
  id: string;
  prompt: string;
  status: JobStatus;
  /** 0 for the running job, 1… for waiting ones. */
  position: number;
  step?: number;
  steps?: number;
  /**
   * Milliseconds from now until the job is done: the running job's time left, then the whole of
   * each job ahead, from the times measured on earlier jobs of the same model and size (a model
   * still loading is not counted). null while nothing is known to go by.
   */
  etaMs?: number | null;
}

/** Up: one place nearer the front of the queue (runs sooner); down: one place further back. */
export type MoveDirection = 'up' | 'down';
export const MOVE_DIRECTIONS: readonly MoveDirection[] = ['up', 'down'];

/** What an image file says about how it was made: its `parameters` text, parsed (src/image/parameters.ts). */
export interface ImageParameters extends Pick<GenerationConfig, 'prompt' | 'negativePrompt' | 'seed'>, Partial<Pick<GenerationConfig, 'steps' | 'guidanceScale' | 'width' | 'height'>> {
  sampler: string;
  model: string;
  /** Any further `Key: value` pairs, in order. */
  extra?: Record<string, string>;
}

/** One image of the gallery: a file in the output folder and what its metadata says. */
export interface GalleryItem {
  /** File name inside the output folder (no directories). */
  file: string;
  /** URI the webview may load (asWebviewUri). */
  src: string;
  mtimeMs: number;
  parameters?: ImageParameters;
}

/**
 * The DataTransfer type a gallery image is dragged out of the webview with: JSON `{ "file": name }`,
 * a name in the output folder. The host's drop provider turns it into the Insert snippet (a file:
 * URI would not survive the web workbench, which blanks it to about:blank#blocked).
 */
export const GALLERY_DRAG_MIME = 'application/vnd.pixart.gallery-image';

export type GalleryAction = 'open' | 'insert' | 'copyMarkdown' | 'reveal' | 'reuse' | 'rerun' | 'delete';
export const GALLERY_ACTIONS: readonly GalleryAction[] = ['open', 'insert', 'copyMarkdown', 'reveal', 'reuse', 'rerun', 'delete'];

/** Most jobs one Generate queues ("Batches": each with the next seed, or its own random one). */
export const MAX_BATCHES = 10;

/** The form's starting values (settings, else the model's defaults). */
export type FormDefaults = Pick<GenerationConfig, 'steps' | 'guidanceScale' | 'width' | 'height' | 'imagesPerPrompt'>;

// ─── webview → host ──────────────────────────────────────────────────────────

export type WebviewToHost =
  | { type: 'ready' }
  /** `style`: a name from `pixart.styles` ('' or absent: none), applied on the host; `batches`: 1 … MAX_BATCHES jobs in a row. */
  | { type: 'generate'; params: RawGenerationConfig; style?: string; batches?: number }
  | { type: 'cancel'; jobId?: string }
  | { type: 'countTokens'; requestId: number; text: string }
  | { type: 'selectModelFolder' }
  | { type: 'openSettings' }
  | { type: 'showLog' }
  | { type: 'reloadModel' }
  | { type: 'refreshGallery' }
  /** One more page of the gallery. */
  | { type: 'showMoreGallery' }
  | { type: 'galleryAction'; action: GalleryAction; file: string }
  /** The recent prompts as a quick pick; the picked one fills the form. */
  | { type: 'promptHistory' }
  /** The same again with seed + 1: a job this view queued (by id), or a gallery image (by file name). */
  | { type: 'rerunNextSeed'; jobId: string }
  | { type: 'rerunNextSeed'; file: string }
  /** Moves a queued job one place (not the running one). */
  | { type: 'moveJob'; jobId: string; direction: MoveDirection }
  /** Cancels every queued job; the running one goes on. */
  | { type: 'clearQueue' }
  /** A gallery thumbnail was clicked: show that image (a name in the output folder) in the studio. */
  | { type: 'openInStudio'; file: string };

// ─── host → webview ──────────────────────────────────────────────────────────

export type HostToWebview =
  | { type: 'modelState'; model: ModelState; defaults: FormDefaults; preview: boolean }
  | { type: 'tokens'; requestId: number; tokens: number; max: number; truncated: boolean }
  | { type: 'queue'; jobs: JobSummary[] }
  /**
   * Without `phase`: step `step` is done. With it: that phase is under way (denoising: step `step`
   * is running), sent as it starts and every second while it lasts.
   */
  | { type: 'progress'; jobId: string; step: number; steps: number; elapsedMs: number; etaMs: number | null; phase?: JobPhase }
  | { type: 'preview'; jobId: string; index: number; width: number; height: number; /** base64 of HWC RGB bytes */ rgb: string }
  | { type: 'jobDone'; jobId: string; seed: string; files: string[]; totalMs: number }
  /** `queued`: the job never started (cancelled, cleared or failed while it waited); `prompt` names it, as it has left the queue. */
  | { type: 'jobFailed'; jobId: string; message: string; cancelled: boolean; queued?: boolean; prompt?: string }
  /** The newest `items.length` of the `total` images in `folder`. */
  | { type: 'gallery'; items: GalleryItem[]; folder: string; total: number }
  | { type: 'setForm'; params: Partial<GenerationConfig> }
  | { type: 'invalid'; errors: FieldError[] }
  | { type: 'notice'; level: 'info' | 'warning' | 'error'; message: string }
  /** `pixart.styles`, parsed: the usable ones, and one line per bad entry. */
  | { type: 'styles'; styles: PromptStyle[]; problems: string[] }
  /** Recent prompts, newest first (Alt+Up/Down in the prompt walks them). */
  | { type: 'history'; prompts: string[] }
  /** One Generate queued these jobs (a batch, in order), for the progress line: its prompt as typed and "2 of 3". */
  | { type: 'batchQueued'; jobIds: string[]; label: string };


// ─── host → worker ───────────────────────────────────────────────────────────

export interface LoadOptions {
  modelDir: string;
  device: string;
  precision: 'f32' | 'auto';
  runtime: 'auto' | 'openvino-node' | 'openvino-c';
  libraryPath?: string;
  cacheDir?: string;
  /** Free the text encoder between prompts (T5-XXL is most of the memory); see PixArtPipeline's option. */
  releaseTextEncoder?: boolean;
  /**
   * The size the form opens with (`pixart.defaultSize`), where the warm-up decodes once; absent: the
   * model's own. Not part of what is loaded: a change needs no reload.
   */
  warmUpSize?: { width: number; height: number };
}

/** Every field of LoadOptions that decides what is loaded, an absent optional one as its empty value (Required: a new field must be added here). */
function loadKey(o: LoadOptions): Required<Omit<LoadOptions, 'warmUpSize'>> {
  return { modelDir: o.modelDir, device: o.device, precision: o.precision, runtime: o.runtime, libraryPath: o.libraryPath ?? '', cacheDir: o.cacheDir ?? '', releaseTextEncoder: !!o.releaseTextEncoder };
}

/**
 * Whether two loads give the same pipeline: the one rule by which the host decides that a settings
 * change needs a reload and the worker keeps a loaded model instead of loading it again.
 */
export function sameLoad(a: LoadOptions | undefined, b: LoadOptions): boolean {
  if (!a) return false;
  const ka = loadKey(a);
  const kb = loadKey(b);
  return (Object.keys(ka) as (keyof typeof ka)[]).every((k) => ka[k] === kb[k]);
}

export type ImageFormat = 'png' | 'webp' | 'jpeg';

/** A job as the worker runs it: a config with its seed drawn (never '': the host picks random seeds). */
export interface WorkerJob extends GenerationConfig {
  format: ImageFormat;
  /** Send a latent preview with each step. */
  preview: boolean;
  /** Longest side of a preview image in pixels. */
  previewSize: number;
}

export type HostToWorker =
  | { type: 'load'; options: LoadOptions }
  | { type: 'generate'; jobId: string; job: WorkerJob }
  | { type: 'cancel'; jobId: string }
  | { type: 'countTokens'; requestId: number; text: string }
  | { type: 'unload' };

// ─── worker → host ───────────────────────────────────────────────────────────

export interface WorkerTimings {
  loadMs?: number;
  textEncoderMs: number;
  /** Prompt batches T5 encoded (0: all from the embedding cache). */
  textEncoderCalls: number;
  transformerMs: number[];
  schedulerMs: number;
  vaeMs: number;
  encodeMs: number;
  totalMs: number;
}

export interface EncodedImage {
  /** The file's bytes (PNG with a `parameters` text chunk, or WebP/JPEG). */
  bytes: Uint8Array;
  format: ImageFormat;
  width: number;
  height: number;
  index: number;
  prompt: string;
  negativePrompt: string;
  /** The AUTOMATIC1111-style parameters text written into the file. */
  parameters: string;
}

export type WorkerToHost =
  | { type: 'status'; state: 'loading' | 'compiling' | 'ready' }
  | { type: 'loaded'; model: ModelSummary; device: string; devices: string[]; engine: string; engineVersion: string; /** For people: "OpenVINO 2026.4.1 (bundled)". */ runtime: string; loadMs: number }
  | { type: 'loadFailed'; /** One line for the user. */ message: string; kind: 'model-folder' | 'runtime' | 'other'; /** The whole story, for the log. */ detail?: string }
  | { type: 'progress'; jobId: string; step: number; steps: number; timestep: number; elapsedMs: number; previews?: PreviewImage[] }
  /** The phase under way (step: the one running while denoising, 0 while encoding, steps while decoding); as it starts and every second. */
  | { type: 'phase'; jobId: string; phase: JobPhase; step: number; steps: number; elapsedMs: number }
  /** The job is running now (jobs sent wait behind a load or another job); WorkerClient keeps it to itself, to know which job a crash lost. */
  | { type: 'started'; jobId: string }
  | { type: 'done'; jobId: string; seed: string; images: EncodedImage[]; generatedWidth: number; generatedHeight: number; timings: WorkerTimings }
  | { type: 'failed'; jobId: string; message: string; cancelled: boolean }
  | { type: 'tokens'; requestId: number; tokens: number; max: number; truncated: boolean }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

export interface PreviewImage {
  index: number;
  width: number;
  height: number;
  /** HWC RGB bytes. */
  rgb: Uint8Array;
}
