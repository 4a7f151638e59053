// Builds diffusers' PixArtTransformer2DModel (PixArt-α, and Σ by its config) from a checkpoint's
// transformer folder into an OpenVINO IR whose ports are those the pipeline loads
// (src/pipeline/models/transformer.ts), with the batch, the latent size and the caption's token
// axis dynamic. One op for each of diffusers' (pixart_transformer_2d.py), in float32.
import { join } from 'node:path';
import { IrGraph, type Value } from './ir-graph';
import { Layers } from './layers';
import { Checkpoint } from './safetensors';
import { readPixArtTransformerConfig } from './pixart-config';
import { adaLayerNormSingle, captionProjection, patchEmbed, type PatchTokens } from './pixart-embeddings';
import { modulatedNorm, transformerBlock } from './pixart-block';
import { CheckedWeights, linear, type PixArtNet } from './pixart-weights';
import { CONFIG_JSON, ComponentOutput, buildStep, type ComponentBuild } from './build-model-files';

const WEIGHT_FORMATS = ['f32', 'f16', 'bf16'] as const;

export interface TransformerBuildOptions {
  /** How linear weights are stored: f32, or halves decompressed to f32 in the graph. */
  weights: (typeof WEIGHT_FORMATS)[number];
  signal?: AbortSignal;
  /** Tensors of the checkpoint written so far, of all of them (after each block). */
  onProgress?: (done: number, total: number) => void;
}

/** The norm_out LayerNorm's eps: fixed in diffusers, not the config's norm_eps. */
const NORM_OUT_EPS = 1e-6;
/** diffusers' masked-token bias: (1 − mask) × −10000. */
const MASKED_BIAS = -10000;

/**
 * Writes `outDir/openvino_model.xml|bin` and `outDir/config.json` (the checkpoint's, as is) from
 * `componentDir` (a diffusers `transformer/` folder). Nothing is named unless the whole model is
 * written; an aborted `signal` ends the build with its reason, leaving nothing behind.
 */
export async function buildPixArtTransformer(componentDir: string, outDir: string, options: TransformerBuildOptions): Promise<ComponentBuild> {
  if (!WEIGHT_FORMATS.includes(options.weights)) throw new Error(`weights: ${JSON.stringify(options.weights)} is not one of ${WEIGHT_FORMATS.join(', ')}`);
  const config = readPixArtTransformerConfig(join(componentDir, CONFIG_JSON));
  options.signal?.throwIfAborted();
  const checkpoint = Checkpoint.open(componentDir);
  let out: ComponentOutput | undefined;
  let g: IrGraph | undefined;
  try {
    out = await ComponentOutput.create(outDir);
    g = new IrGraph('PixArtTransformer2DModel', out.tempBin);
    const w = new CheckedWeights(g, checkpoint, options.weights);
    const total = checkpoint.names().length;
    const step = buildStep(options.signal, options.onProgress);
    await buildGraph({ g, l: new Layers(g, w), w, c: config }, (done) => step(done, total));
    w.checkAllUsed();
    const [graph, weightBytes] = [g, g.weightBytes];
    g = undefined; // finish closes the .bin whether or not the XML is written
    graph.finish(out.tempXml);
    out.publish(config.text);
    return { weightBytes, tensors: total };
  } catch (err) {
    g?.abandon();
    out?.discard();
    throw err;
  } finally {
    checkpoint.close();
  }
}

/** The whole forward pass; `step` after each block and at the end (progress, and where an abort is seen). */
async function buildGraph(net: PixArtNet, step: (done: number) => Promise<void>): Promise<void> {
  const { g, c } = net;
  const latents = g.parameter('hidden_states', 'f32', [-1, c.inChannels, -1, -1]);
  const timestep = g.parameter('timestep', 'i64', [-1]);
  const caption = g.parameter('encoder_hidden_states', 'f32', [-1, -1, c.captionChannels]);
  const mask = g.parameter('encoder_attention_mask', 'f32', [-1, -1]);
  const sizes = c.additionalConditions
    ? { resolution: g.parameter('resolution', 'f32', [-1, 2]), aspectRatio: g.parameter('aspect_ratio', 'f32', [-1, 1]) }
    : undefined;

  const patches = patchEmbed(net, latents);
  const time = adaLayerNormSingle(net, timestep, sizes);
  const inputs = { caption: captionProjection(net, caption), captionBias: maskBias(net, mask), modulation: time.modulation };
  let x = patches.tokens;
  for (let i = 0; i < c.layers; i++) {
    x = transformerBlock(net, i, x, inputs);
    await step(net.w.count);
  }
  g.output(finalLayer(net, x, time.embedded, patches), 'sample');
  await step(net.w.count);
}

/** encoder_attention_mask [batch, tokens] (1 keep, 0 masked) → the additive bias [batch, 1, 1, tokens]. */
function maskBias(net: PixArtNet, mask: Value): Value {
  const { g, l } = net;
  const dropped = g.op('Subtract', [g.scalar(1), mask], { auto_broadcast: 'numpy' });
  return l.reshape(l.mul(dropped, g.scalar(MASKED_BIAS)), [0, 1, 1, -1]);
}

/** norm_out modulated by the model's scale_shift_table and the embedded timestep, proj_out, unpatchify. */
function finalLayer(net: PixArtNet, x: Value, embedded: Value, patches: PatchTokens): Value {
  const { g, l, w, c } = net;
  const why = 'num_attention_heads × attention_head_dim';
  w.expect('scale_shift_table', [2, c.inner], why);
  const table = w.f32('scale_shift_table', [1, 2, c.inner]);
  const [shift, scale] = l.chunk(l.add(table, g.op('Unsqueeze', [embedded, g.i64([1])])), 1, 2);
  const normed = modulatedNorm(net, x, NORM_OUT_EPS, shift, scale);
  const p = c.patch;
  const out = linear(net, normed, 'proj_out', c.inner, p * p * c.outChannels, `${why}, patch_size² × out_channels`);
  // [b, h·w, p·p·c] → [b, h, w, p, p, c] → einsum nhwpqc→nchpwq → [b, c, h·p, w·p]
  const cells = l.reshapeTo(out, l.concat([g.i64([-1]), patches.gridH, patches.gridW, g.i64([p, p, c.outChannels])], 0));
  const image = l.transpose(cells, [0, 5, 1, 3, 2, 4]);
  const times = (v: Value) => g.op('Multiply', [v, g.i64([p])], { auto_broadcast: 'numpy' });
  return l.reshapeTo(image, l.concat([g.i64([-1, c.outChannels]), times(patches.gridH), times(patches.gridW)], 0));
}
