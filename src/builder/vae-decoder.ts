// Builds the VAE decoder's OpenVINO model (`vae_decoder/` of the model folder) from a diffusers
// checkpoint's `vae/` folder: latents f32 [?, latent, ?, ?] (already divided by scaling_factor) →
// sample f32 [?, 3, 8h, 8w], spatial size dynamic, weights f32 (the VAE computes in f32; it is
// ~200 MB). The encoder's weights stay in the checkpoint: image-to-image would build it from there.
import { Layers } from './layers';
import { Weights } from './weights';
import { Checkpoint, CheckpointError } from './safetensors';
import { readVaeDecoderConfig } from './vae-config';
import { VaeDecoderGraph, decoderTensorNames } from './vae-blocks';
import { buildComponent, buildStep, type ComponentBuild } from './build-model-files';

export interface VaeBuildOptions {
  signal?: AbortSignal;
  /** Tensors written so far, of the decoder's total. */
  onProgress?: (done: number, total: number) => void;
}

/** Writes `outDir/openvino_model.xml|bin` and `outDir/config.json` (the VAE's config, as is). */
export async function buildVaeDecoder(componentDir: string, outDir: string, { signal, onProgress }: VaeBuildOptions = {}): Promise<ComponentBuild> {
  const config = readVaeDecoderConfig(componentDir);
  signal?.throwIfAborted();
  const checkpoint = Checkpoint.open(componentDir);
  try {
    return await buildComponent(outDir, 'vae_decoder', config.text, async (g) => {
      const names = decoderTensorNames(checkpoint.names(), config.usePostQuantConv);
      const decoder = new VaeDecoderGraph(new Layers(g, new Weights(g, checkpoint, 'f32')), config, componentDir, names.length, buildStep(signal, onProgress));
      const latents = g.parameter('latents', 'f32', [-1, config.latentChannels, -1, -1]);
      g.output(await decoder.decode(latents), 'sample');
      const unused = names.filter((n) => !decoder.used.has(n));
      if (unused.length) {
        throw new CheckpointError(`${componentDir}: the checkpoint has decoder tensors its config.json does not account for (${unused.slice(0, 3).join(', ')}${unused.length > 3 ? ', …' : ''}): the weights and config.json are of different models. Download the model again.`);
      }
      return decoder.used.size;
    });
  } finally {
    checkpoint.close();
  }
}
