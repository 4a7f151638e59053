// Floating-point operations of one VAE decode (diffusers' AutoencoderKL.decode: post_quant_conv, then
// the Decoder), counted from its config.json as bench/flops.ts counts the transformer: every
// convolution and the mid-block attention's products (2 FLOPs per multiply-add). Group norms, SiLU,
// the nearest-neighbour upsampling and the residual adds are elementwise and left out.

/** The fields of a diffusers AutoencoderKL config.json that set the decoder's work. */
export interface VaeConfig {
  block_out_channels: number[];
  layers_per_block: number;
  latent_channels: number;
  out_channels: number;
  use_post_quant_conv?: boolean;
  mid_block_add_attention?: boolean;
}

export interface VaeFlops {
  convolutions: number;
  attention: number;
  total: number;
}

/** The fields vaeDecodeFlops needs from a parsed config.json, or an error naming the file and the field. */
export function vaeConfigFrom(json: Record<string, unknown>, file: string): VaeConfig {
  const ok = Array.isArray(json.block_out_channels) && ['layers_per_block', 'latent_channels', 'out_channels'].every((k) => typeof json[k] === 'number');
  if (!ok) throw new Error(`${file}: the VAE's FLOPs need diffusers' AutoencoderKL fields block_out_channels, layers_per_block, latent_channels and out_channels`);
  return json as unknown as VaeConfig;
}

/** A k×k convolution cin → cout producing h×w outputs (stride 1, padded). */
const conv = (cin: number, cout: number, k: number, h: number, w: number) => 2 * cin * cout * k * k * h * w;

/** diffusers' ResnetBlock2D: two 3×3 convolutions, and a 1×1 shortcut when the width changes. */
const resnet = (cin: number, cout: number, h: number, w: number) => conv(cin, cout, 3, h, w) + conv(cout, cout, 3, h, w) + (cin !== cout ? conv(cin, cout, 1, h, w) : 0);

/**
 * FLOPs of decoding `images` latents of `latentH`×`latentW` (pixels / 2^(blocks−1)).
 * The mid-block attention is one head as wide as the last block (its head dim is block_out_channels[-1]),
 * over every latent position: q, k, v and out projections, then QKᵀ and attention·V.
 */
export function vaeDecodeFlops(cfg: VaeConfig, latentH: number, latentW: number, images = 1): VaeFlops {
  const widths = [...cfg.block_out_channels].reverse();
  const c = widths[0];
  let h = latentH;
  let w = latentW;
  let convs = (cfg.use_post_quant_conv ?? true ? conv(cfg.latent_channels, cfg.latent_channels, 1, h, w) : 0) + conv(cfg.latent_channels, c, 3, h, w);
  convs += 2 * resnet(c, c, h, w); // the mid block's two resnets
  const tokens = h * w;
  const attention = cfg.mid_block_add_attention ?? true ? 4 * 2 * tokens * c * c + 2 * (2 * tokens * tokens * c) : 0;
  let prev = c;
  widths.forEach((out, i) => {
    // UpDecoderBlock2D: layers_per_block + 1 resnets, then (all but the last block) a 2× upsample and a 3×3 conv.
    for (let j = 0; j <= cfg.layers_per_block; j++) convs += resnet(j === 0 ? prev : out, out, h, w);
    if (i < widths.length - 1) {
      h *= 2;
      w *= 2;
      convs += conv(out, out, 3, h, w);
    }
    prev = out;
  });
  convs += conv(widths[widths.length - 1], cfg.out_channels, 3, h, w); // conv_out, after the last norm
  return { convolutions: images * convs, attention: images * attention, total: images * (convs + attention) };
}
