// The worker's logic, free of the process's IPC so it can be driven directly in tests: it owns one
// pipeline (loaded on request and kept warm), runs one job at a time, forwards its phases, progress,
// previews and timings, and reports every failure as a message instead of dying. Cancel aborts the
// job's AbortController, which cancels the model call that is running; a load that replaces the
// pipeline, and an unload, first cancel the running job and the warm-up.

import { sameLoad, type EncodedImage, type HostToWorker, type LoadOptions, type ModelSummary, type PreviewImage, type WorkerJob, type WorkerToHost } from '../protocol/messages';
import { latentsToPreview } from './preview';
import { PhaseReporter } from './phase-reporter';
import { RuntimeUnavailableError } from '../engine/runtime-error';
import { encodeImage } from '../image/encode';
import { imageParameters, samplerName, toParameters } from '../image/parameters';
import { ModelFolderError, type GenerateResult, type ModelInfo, type PixArtPipeline, type StepInfo } from '../pipeline/pipeline';

export interface LoadedPipeline {
  pipeline: PixArtPipeline;
  engine: string;
  engineVersion: string;
  /** For people: "OpenVINO 2026.4.1 (bundled)". */
  runtime: string;
  devices: string[];
}

/** A pipeline the service holds, with what it was loaded with and how long that took. */
type Loaded = LoadedPipeline & { options: LoadOptions; loadMs: number };

export interface WorkerServiceDeps {
  post(msg: WorkerToHost): void;
  load(options: LoadOptions, onStatus: (s: 'loading' | 'compiling' | 'ready') => void): Promise<LoadedPipeline>;
  now?(): number;
}

/** What kind of failure a load error is, so the host can offer the right fix. */
function classifyLoadError(err: unknown): 'model-folder' | 'runtime' | 'other' {
  if (err instanceof ModelFolderError) return 'model-folder';
  if (err instanceof RuntimeUnavailableError) return 'runtime';
  const m = err instanceof Error ? err.message : String(err);
  if (/openvino|koffi|cannot find module|shared library|\.so|\.dll|\.dylib/i.test(m)) return 'runtime';
  return 'other';
}

function summariseModel(info: ModelInfo): ModelSummary {
  return {
    name: info.name,
    modelDir: info.modelDir,
    schedulerClass: info.schedulerClass,
    sampler: samplerName(info.schedulerClass),
    staticSize: info.staticSize,
    supportedSizes: info.supportedSizes.map((s) => ({ width: s.width, height: s.height, ratio: s.ratio })),
    defaults: { ...info.defaults },
    maxSteps: info.maxSteps,
    maxTokens: info.maxTokens,
  };
}

function message(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

const CANCELLED = 'Cancelled.';
const CANCELLED_BY_RELOAD = 'Cancelled: the model was unloaded or reloaded.';

export class WorkerService {
  private loaded: Loaded | undefined;
  private running: { jobId: string; abort: AbortController } | undefined;
  /** The warm-up after a load, while it runs, and its VAE step's own abort (a job skips that step). */
  private warming: AbortController | undefined;
  private warmingDecoder: AbortController | undefined;
  /** Jobs waiting behind a load or another job → whether a cancel came for them meanwhile. */
  private readonly waiting = new Map<string, boolean>();
  /** Loads and jobs run one after another. */
  private chain: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly deps: WorkerServiceDeps) {
    this.now = deps.now ?? (() => performance.now());
  }

  /** Handles one message from the host; the returned promise settles when its work is done (tests await it). */
  handle(msg: HostToWorker): Promise<void> {
    switch (msg.type) {
      case 'cancel':
        if (this.running?.jobId === msg.jobId) this.running.abort.abort(CANCELLED);
        else if (this.waiting.has(msg.jobId)) this.waiting.set(msg.jobId, true);
        return Promise.resolve();
      case 'countTokens':
        this.countTokens(msg.requestId, msg.text);
        return Promise.resolve();
      case 'load':
        if (!sameLoad(this.loaded?.options, msg.options)) this.stopWork();
        return this.enqueue(() => this.load(msg.options));
      case 'generate':
        this.warmingDecoder?.abort();
        this.waiting.set(msg.jobId, false);
        return this.enqueue(() => this.generate(msg.jobId, msg.job));
      case 'unload':
        this.stopWork();
        return this.enqueue(async () => this.unload());
    }
  }

  /** Cancels the running job and the warm-up (at once, here: the pipeline is about to go). */
  private stopWork(): void {
    this.running?.abort.abort(CANCELLED_BY_RELOAD);
    this.warming?.abort();
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.chain.then(task, task);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private countTokens(requestId: number, text: string): void {
    const p = this.loaded?.pipeline;
    if (!p) {
      this.deps.post({ type: 'tokens', requestId, tokens: -1, max: 0, truncated: false }); // the limit is the model's
      return;
    }
    try {
      const r = p.countTokens(text);
      this.deps.post({ type: 'tokens', requestId, tokens: r.tokens, max: r.max, truncated: r.truncated });
    } catch (err) {
      this.deps.post({ type: 'log', level: 'warn', message: `token count failed: ${message(err)}` });
      this.deps.post({ type: 'tokens', requestId, tokens: -1, max: p.info.maxTokens, truncated: false });
    }
  }

  private unload(): void {
    this.loaded?.pipeline.dispose();
    this.loaded = undefined;
  }

  private async load(options: LoadOptions): Promise<void> {
    if (this.loaded && sameLoad(this.loaded.options, options)) {
      this.postLoaded(this.loaded);
      return;
    }
    this.unload();
    const t0 = this.now();
    try {
      const l = await this.deps.load(options, (state) => this.deps.post({ type: 'status', state }));
      this.loaded = { ...l, options, loadMs: this.now() - t0 };
      this.postLoaded(this.loaded);
      // While the user types: a job sent meanwhile waits for at most the rest of T5's first call and
      // the transformer's small one, most of which it would have paid itself; it skips the VAE's.
      this.warming = new AbortController();
      this.warmingDecoder = new AbortController();
      if (this.waiting.size) this.warmingDecoder.abort(); // a job already waits behind the load
      await l.pipeline.warmUp(this.warming.signal, this.warmingDecoder.signal, options.warmUpSize && l.pipeline.generatedSize({ ...options.warmUpSize, resolutionBinning: true })).catch(() => undefined); // a broken model is reported by the job that needs it
      this.warming = this.warmingDecoder = undefined;
    } catch (err) {
      this.deps.post({ type: 'loadFailed', message: message(err), kind: classifyLoadError(err), ...(err instanceof RuntimeUnavailableError ? { detail: err.detail } : {}) });
    }
  }

  private postLoaded(l: Loaded): void {
    this.deps.post({ type: 'loaded', model: summariseModel(l.pipeline.info), device: l.options.device, devices: l.devices, engine: l.engine, engineVersion: l.engineVersion, runtime: l.runtime, loadMs: l.loadMs });
  }

  private async generate(jobId: string, job: WorkerJob): Promise<void> {
    const cancelledWhileWaiting = this.waiting.get(jobId);
    this.waiting.delete(jobId);
    if (cancelledWhileWaiting) {
      this.deps.post({ type: 'failed', jobId, message: CANCELLED, cancelled: true });
      return;
    }
    const l = this.loaded;
    if (!l) {
      this.deps.post({ type: 'failed', jobId, message: 'No model is loaded: select a model folder first.', cancelled: false });
      return;
    }
    const abort = new AbortController();
    this.running = { jobId, abort };
    this.deps.post({ type: 'started', jobId });
    const phases = new PhaseReporter((p) => this.deps.post({ type: 'phase', jobId, ...p }), this.now);
    try {
      const result = await l.pipeline.generate(job, { signal: abort.signal, onStep: (s) => this.onStep(jobId, job, s), onPhase: (p) => phases.report(p) });
      phases.stop();
      if (abort.signal.aborted) throw new CancelledSignal();
      const t0 = this.now();
      const images = await this.encode(job, result, l.pipeline.info);
      const encodeMs = this.now() - t0;
      const t = result.timings;
      this.deps.post({
        type: 'done',
        jobId,
        seed: result.seed.toString(),
        images,
        generatedWidth: result.generatedWidth,
        generatedHeight: result.generatedHeight,
        timings: { loadMs: l.loadMs, textEncoderMs: t.textEncoderMs, textEncoderCalls: t.textEncoderCalls, transformerMs: [...t.transformerMs], schedulerMs: t.schedulerMs, vaeMs: t.vaeMs, encodeMs, totalMs: t.totalMs + encodeMs },
      });
    } catch (err) {
      const cancelled = abort.signal.aborted || (err instanceof Error && (err.name === 'CancelledError' || err.name === 'AbortError'));
      const reason = typeof abort.signal.reason === 'string' ? abort.signal.reason : CANCELLED;
      this.deps.post({ type: 'failed', jobId, message: cancelled ? reason : message(err), cancelled });
    } finally {
      phases.stop();
      if (this.running?.jobId === jobId) this.running = undefined;
    }
  }

  /** Each image as file bytes in the job's format, with its parameters text embedded. */
  private async encode(job: WorkerJob, result: GenerateResult, model: ModelInfo): Promise<EncodedImage[]> {
    const images: EncodedImage[] = [];
    for (const img of result.images) {
      const parameters = toParameters(imageParameters({ ...job, seed: result.seed.toString() }, img, model, result.images.length));
      const bytes = await encodeImage({ rgb: img.rgb, width: img.width, height: img.height, parameters }, job.format);
      images.push({ bytes, format: job.format, width: img.width, height: img.height, index: img.index, prompt: img.prompt, negativePrompt: img.negativePrompt, parameters });
    }
    return images;
  }

  private onStep(jobId: string, job: WorkerJob, s: StepInfo): void {
    let previews: PreviewImage[] | undefined;
    if (job.preview) {
      try {
        const src = s.denoised ?? s.latents;
        const batch = s.latentShape[0] ?? 1;
        previews = [];
        for (let i = 0; i < batch; i++) previews.push({ index: i, ...latentsToPreview(src, s.latentShape, i, job.previewSize) });
      } catch (err) {
        previews = undefined;
        this.deps.post({ type: 'log', level: 'warn', message: `preview failed: ${message(err)}` });
      }
    }
    this.deps.post({ type: 'progress', jobId, step: s.step, steps: s.steps, timestep: s.timestep, elapsedMs: s.elapsedMs, ...(previews ? { previews } : {}) });
  }
}

class CancelledSignal extends Error {
  override name = 'CancelledError';
}
