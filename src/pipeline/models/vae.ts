// The VAE (diffusers' AutoencoderKL) as the pipeline runs it: decode() takes latents back to
// images. Its encoder (image → latents, for image-to-image) would be a second compiled model here,
// beside the decoder, with encode() multiplying by the same scaling factor.
import type { CompiledModel, CompileOptions, Engine, Tensor } from '../../engine/types';
import { castTensor, inputType, outputNamed } from '../../engine/tensor';
import { compileModel, requireInputs } from './compile';

export interface VaeConfig {
  /** Pixels per latent: 2^(len(block_out_channels) − 1). */
  scaleFactor: number;
  /** vae.config.scaling_factor (α: 0.18215; SDXL's VAE, which Σ uses: 0.13025). */
  scalingFactor: number;
}

export interface VaeOptions {
  /**
   * Dispose the compiled decoder after each decode and compile it again (from the compiled-model
   * cache) at the next: its working memory is then given back between images (2.25 GB at 1024²
   * in bf16). The C API has no ov::CompiledModel::release_memory(), and an infer request's
   * release keeps it: the CPU plugin holds that memory in the compiled model.
   */
  release: boolean;
}

export class AutoencoderKL {
  static async load(engine: Engine, decoderFile: string, compile: CompileOptions, config: VaeConfig, options: VaeOptions = { release: false }): Promise<AutoencoderKL> {
    const decoder = await compileModel(engine, decoderFile, compile);
    requireInputs(decoder, ['latents'], decoderFile, 'VAE decoder');
    return new AutoencoderKL(decoder, () => compileModel(engine, decoderFile, compile), config, options.release);
  }

  readonly scaleFactor: number;
  private readonly scalingFactor: number;
  private lastMs = 0;

  /** @param recompile compiles the decoder again after a release */
  private constructor(
    private decoder: CompiledModel | null,
    private readonly recompile: () => Promise<CompiledModel>,
    config: VaeConfig,
    readonly release: boolean,
  ) {
    this.scaleFactor = config.scaleFactor;
    this.scalingFactor = config.scalingFactor;
  }

  /** Whether the decoder is compiled now (false between decodes when it is released). */
  get loaded(): boolean {
    return this.decoder !== null;
  }

  /** The runtime's own time in the last decode() call. */
  get lastInferMs(): number {
    return this.lastMs;
  }

  /**
   * latents [images, C, h, w] / scaling_factor → decoder → images [images, 3, h·scaleFactor,
   * w·scaleFactor], about [-1, 1]. Aborting `signal` cancels the decoder's call.
   */
  async decode(latents: Float32Array, latentShape: number[], signal?: AbortSignal): Promise<Tensor> {
    const decoder = this.decoder ?? (this.decoder = await this.recompile());
    try {
      const scale = Math.fround(this.scalingFactor);
      const scaled = latents.map((v) => v / scale);
      const input = castTensor({ type: 'f32', shape: latentShape, data: scaled }, inputType(decoder, 'latents'));
      const out = outputNamed(await decoder.infer({ latents: input }, { signal }), 'sample');
      this.lastMs = decoder.lastInferMs;
      return out;
    } finally {
      if (this.release) this.releaseDecoder();
    }
  }

  private releaseDecoder(): void {
    this.decoder?.dispose();
    this.decoder = null;
  }

  dispose(): void {
    this.releaseDecoder();
  }
}
