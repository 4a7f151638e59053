// Builds the text encoder's OpenVINO model (`text_encoder/` of the model folder) from a diffusers
// checkpoint's `text_encoder/` folder (transformers' T5EncoderModel): input_ids, attention_mask
// i64 [?, ?] → last_hidden_state f32 [?, ?, d_model], batch and token axis dynamic. It computes in
// float32; the weights are stored as chosen, and the pipeline compiles at its precision setting.
import { Layers } from './layers';
import { Weights, type WeightFormat } from './weights';
import { Checkpoint, CheckpointError } from './safetensors';
import { readT5EncoderConfig, type T5EncoderConfig } from './t5-config';
import { EMBEDDING_NAMES, T5EncoderGraph, encoderTensorNames } from './t5-blocks';
import { buildComponent, buildStep, type ComponentBuild } from './build-model-files';

/** How the builder stores T5's matrices (the norms and the position bias table stay f32). */
export type T5WeightFormat = Extract<WeightFormat, 'f32' | 'f16' | 'int8' | 'int4'>;

export interface T5BuildOptions {
  weights: T5WeightFormat;
  signal?: AbortSignal;
  /** Tensors written so far, of the encoder's total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Each matrix's format. int4 follows NNCF's data-free default (INT4_ASYM, group 128, ratio 1):
 * the embedding and the last linear layer in the graph (the last block's `wo`) keep 8 bits, the
 * backup precision NNCF gives them, and every other linear layer has 4.
 */
export function t5MatrixFormats(config: T5EncoderConfig, weights: T5WeightFormat): (name: string) => WeightFormat {
  if (weights !== 'int4') return () => weights;
  const last = `encoder.block.${config.numLayers - 1}.layer.1.DenseReluDense.wo.weight`;
  return (name) => (name === last || EMBEDDING_NAMES.includes(name) ? 'int8' : 'int4');
}

/** Writes `outDir/openvino_model.xml|bin` and `outDir/config.json` (the encoder's config, as is). */
export async function buildT5Encoder(componentDir: string, outDir: string, { weights, signal, onProgress }: T5BuildOptions): Promise<ComponentBuild> {
  const config = readT5EncoderConfig(componentDir);
  signal?.throwIfAborted();
  const checkpoint = Checkpoint.open(componentDir);
  try {
    const embedding = embeddingName(checkpoint, componentDir);
    const total = encoderTensorNames(config).length + 1;
    return await buildComponent(outDir, 'text_encoder', config.text, async (g) => {
      const nn = new Layers(g, new Weights(g, checkpoint, weights));
      const encoder = new T5EncoderGraph(nn, config, componentDir, t5MatrixFormats(config, weights), total, buildStep(signal, onProgress));
      const inputIds = g.parameter('input_ids', 'i64', [-1, -1]);
      const attentionMask = g.parameter('attention_mask', 'i64', [-1, -1]);
      g.output(await encoder.encode(inputIds, attentionMask, embedding), 'last_hidden_state');
      refuseUnused(checkpoint, encoder.used, componentDir);
      return encoder.used.size;
    });
  } finally {
    checkpoint.close();
  }
}

function embeddingName(checkpoint: Checkpoint, componentDir: string): string {
  const name = EMBEDDING_NAMES.find((n) => checkpoint.has(n));
  if (!name) throw new CheckpointError(`${componentDir}: the checkpoint has no input embedding (${EMBEDDING_NAMES.join(' or ')}); it is not a T5 encoder. Point at the text_encoder/ folder of a diffusers checkpoint.`);
  return name;
}

/**
 * An encoder tensor the config does not account for (a layer more than num_layers, a gated layer
 * under "relu") means the weights and config.json are of different models. The decoder's and
 * lm_head's weights of a full T5 are not the encoder's: T5EncoderModel ignores them, and so do we.
 */
function refuseUnused(checkpoint: Checkpoint, used: ReadonlySet<string>, componentDir: string): void {
  const unused = checkpoint.names().filter((n) => n.startsWith('encoder.') && !used.has(n) && !EMBEDDING_NAMES.includes(n));
  if (unused.length) {
    throw new CheckpointError(`${componentDir}: the checkpoint has encoder tensors its config.json does not account for (${unused.slice(0, 3).join(', ')}${unused.length > 3 ? ', …' : ''}): the weights and config.json are of different models. Download the model again.`);
  }
}
