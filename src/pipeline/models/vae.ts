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

export class AutoencoderKL {
  static async load(engine: Engine, decoderFile: string, compile: CompileOptions, config: VaeConfig): Promise<AutoencoderKL> {
    const decoder = await compileModel(engine, decoderFile, compile);
    requireInputs(decoder, ['latents'], decoderFile, 'VAE decoder');
    return new AutoencoderKL(decoder, config);
  }

  readonly scaleFactor: number;
  private readonly scalingFactor: number;

  private constructor(
    private readonly decoder: CompiledModel,
    config: VaeConfig,
  ) {
    this.scaleFactor = config.scaleFactor;
    this.scalingFactor = config.scalingFactor;
  }

  /** The runtime's own time in the last decode() call. */
  get lastInferMs(): number {
    return this.decoder.lastInferMs;
  }

  /**
   * latents [images, C, h, w] / scaling_factor → decoder → images [images, 3, h·scaleFactor,
   * w·scaleFactor], about [-1, 1]. Aborting `signal` cancels the decoder's call.
   */
  async decode(latents: Float32Array, latentShape: number[], signal?: AbortSignal): Promise<Tensor> {
    const scale = Math.fround(this.scalingFactor);
    const scaled = latents.map((v) => v / scale);
    const input = castTensor({ type: 'f32', shape: latentShape, data: scaled }, inputType(this.decoder, 'latents'));
    return outputNamed(await this.decoder.infer({ latents: input }, { signal }), 'sample');
  }

  dispose(): void {
    this.decoder.dispose();
  }
}
