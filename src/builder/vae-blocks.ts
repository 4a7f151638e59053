// diffusers' AutoencoderKL decode path as graph ops, module for module (models/autoencoders/vae.py
// Decoder, unets/unet_2d_blocks.py UNetMidBlock2D and UpDecoderBlock2D, resnet.py ResnetBlock2D,
// attention_processor.py Attention with AttnProcessor2_0, upsampling.py Upsample2D), in float32.
// Every weight's shape is checked against the config before it is used, so a checkpoint that does
// not match its config.json is refused naming the tensor, not met as a failed compile.
import type { Value } from './ir-graph';
import type { Layers } from './layers';
import { CheckpointError } from './safetensors';
import type { VaeDecoderConfig } from './vae-config';

/** ResnetBlock2D, the attention's group norm and conv_norm_out in the Decoder: eps 1e-6. */
const EPS = 1e-6;

export class VaeDecoderGraph {
  /** The checkpoint tensors read so far. */
  readonly used = new Set<string>();

  constructor(
    private readonly nn: Layers,
    private readonly config: VaeDecoderConfig,
    private readonly componentDir: string,
    readonly total: number,
    /** Called between blocks: progress, and the point where a cancel takes effect. */
    private readonly step: (done: number, total: number) => Promise<void>,
  ) {}

  /** latents [n, latent, h, w] (already divided by scaling_factor) → sample [n, out, 8h, 8w]. */
  async decode(latents: Value): Promise<Value> {
    const { blockOutChannels: widths, latentChannels, layersPerBlock, normNumGroups: groups } = this.config;
    const top = widths[widths.length - 1];
    let x = latents;
    if (this.config.usePostQuantConv) x = this.conv(x, 'post_quant_conv', latentChannels, latentChannels, 1);
    x = this.conv(x, 'decoder.conv_in', latentChannels, top, 3);
    x = await this.midBlock(x, top);
    const reversed = [...widths].reverse();
    for (let i = 0; i < reversed.length; i++) {
      const prefix = `decoder.up_blocks.${i}`;
      const inWidth = reversed[Math.max(0, i - 1)];
      for (let j = 0; j <= layersPerBlock; j++) x = await this.resnet(x, `${prefix}.resnets.${j}`, j === 0 ? inWidth : reversed[i], reversed[i]);
      if (i < reversed.length - 1) x = await this.upsample(x, `${prefix}.upsamplers.0`, reversed[i]);
    }
    x = this.groupNorm(x, 'decoder.conv_norm_out', widths[0], groups);
    x = this.nn.silu(x);
    x = this.conv(x, 'decoder.conv_out', widths[0], this.config.outChannels, 3);
    await this.step(this.used.size, this.total);
    return x;
  }

  /** UNetMidBlock2D: resnet, attention over the spatial positions (when added), resnet. */
  private async midBlock(x: Value, width: number): Promise<Value> {
    x = await this.resnet(x, 'decoder.mid_block.resnets.0', width, width);
    if (this.config.midBlockAddAttention) x = await this.attention(x, 'decoder.mid_block.attentions.0', width);
    return this.resnet(x, 'decoder.mid_block.resnets.1', width, width);
  }

  /** ResnetBlock2D without a time embedding: x' = shortcut(x) + conv2(silu(norm2(conv1(silu(norm1(x)))))), output_scale_factor 1. */
  private async resnet(x: Value, prefix: string, inWidth: number, outWidth: number): Promise<Value> {
    const { normNumGroups: groups } = this.config;
    let h = this.nn.silu(this.groupNorm(x, `${prefix}.norm1`, inWidth, groups));
    h = this.conv(h, `${prefix}.conv1`, inWidth, outWidth, 3);
    h = this.nn.silu(this.groupNorm(h, `${prefix}.norm2`, outWidth, groups));
    h = this.conv(h, `${prefix}.conv2`, outWidth, outWidth, 3);
    const shortcut = inWidth === outWidth ? x : this.conv(x, `${prefix}.conv_shortcut`, inWidth, outWidth, 1);
    await this.step(this.used.size, this.total);
    return this.nn.add(shortcut, h);
  }

  /**
   * Attention as the Decoder builds it: one head of all `width` channels (attention_head_dim =
   * the width), so SDPA's default scale is 1/√width; group norm, q/k/v over the h·w positions,
   * to_out, the residual added, rescale_output_factor 1.
   */
  private async attention(x: Value, prefix: string, width: number): Promise<Value> {
    const { nn } = this;
    const normed = this.groupNorm(x, `${prefix}.group_norm`, width, this.config.normNumGroups);
    const seq = nn.transpose(nn.reshape(normed, [0, 0, -1]), [0, 2, 1]);
    const [q, k, v] = [0, 1, 2].map((i) => this.linear(seq, this.attnWeight(prefix, i), width));
    const attended = nn.g.op('ScaledDotProductAttention', [q, k, v], { causal: false });
    const out = this.linear(attended, this.attnWeight(prefix, 3), width);
    const back = nn.reshapeTo(nn.transpose(out, [0, 2, 1]), nn.g.op('ShapeOf', [x], { output_type: 'i64' }));
    await this.step(this.used.size, this.total);
    return nn.add(back, x);
  }

  /** to_q/to_k/to_v/to_out.0, or the names diffusers' deprecated attention block saved (query/key/value/proj_attn). */
  private attnWeight(prefix: string, which: number): string {
    const current = `${prefix}.${['to_q', 'to_k', 'to_v', 'to_out.0'][which]}`;
    const old = `${prefix}.${['query', 'key', 'value', 'proj_attn'][which]}`;
    return this.nn.w.has(`${current}.weight`) || !this.nn.w.has(`${old}.weight`) ? current : old;
  }

  /** Upsample2D: nearest ×2 (torch's `interpolate(scale_factor=2.0, mode="nearest")`), then a 3×3 conv. */
  private async upsample(x: Value, prefix: string, width: number): Promise<Value> {
    const { g } = this.nn;
    const up = g.op('Interpolate', [x, g.f32([2, 2]), g.i64([2, 3])], {
      mode: 'nearest', shape_calculation_mode: 'scales', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor',
      antialias: false, pads_begin: [0, 0, 0, 0], pads_end: [0, 0, 0, 0], cube_coeff: -0.75,
    });
    const y = this.conv(up, `${prefix}.conv`, width, width, 3);
    await this.step(this.used.size, this.total);
    return y;
  }

  private conv(x: Value, prefix: string, inWidth: number, outWidth: number, kernel: number): Value {
    this.expect(`${prefix}.weight`, [outWidth, inWidth, kernel, kernel]);
    this.expect(`${prefix}.bias`, [outWidth]);
    return this.nn.conv2d(x, prefix, { padding: (kernel - 1) / 2 });
  }

  private groupNorm(x: Value, prefix: string, width: number, groups: number): Value {
    this.expect(`${prefix}.weight`, [width]);
    this.expect(`${prefix}.bias`, [width]);
    return this.nn.groupNorm(x, prefix, groups, EPS);
  }

  private linear(x: Value, prefix: string, width: number): Value {
    this.expect(`${prefix}.weight`, [width, width]);
    this.expect(`${prefix}.bias`, [width]);
    return this.nn.linear(x, prefix, true);
  }

  /** Counts the tensor and checks its shape against the config. */
  private expect(name: string, shape: readonly number[]): void {
    const found = this.nn.w.shape(name);
    if (found.length !== shape.length || found.some((d, i) => d !== shape[i])) {
      throw new CheckpointError(`${this.componentDir}: ${name} is [${found.join(', ')}], but config.json makes it [${shape.join(', ')}]. The weights and config.json are of different models; download the model again.`);
    }
    this.used.add(name);
  }
}

/** The checkpoint tensors the decode path reads (the encoder and quant_conv are left in the checkpoint). */
export function decoderTensorNames(names: readonly string[], usePostQuantConv: boolean): string[] {
  return names.filter((n) => n.startsWith('decoder.') || (usePostQuantConv && n.startsWith('post_quant_conv.')));
}
