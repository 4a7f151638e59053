// The benchmark's FLOP count of a PixArt transformer call. The expected totals are what PyTorch's
// own counter (torch.utils.flop_counter.FlopCounterMode) reports for diffusers'
// PixArtTransformer2DModel built from the same configs on the meta device (diffusers 0.42, torch 2.15).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformerFlops, dominantMatmul, type PixArtTransformerConfig } from '../../bench/flops';

const XL: PixArtTransformerConfig = {
  num_layers: 28, num_attention_heads: 16, attention_head_dim: 72, in_channels: 4, out_channels: 8,
  patch_size: 2, caption_channels: 4096, cross_attention_dim: 1152, sample_size: 128,
};
const TINY: PixArtTransformerConfig = { ...XL, num_layers: 2, num_attention_heads: 3, attention_head_dim: 8, caption_channels: 32, cross_attention_dim: 24 };

test('transformer FLOPs equal PyTorch FlopCounterMode on PixArt-XL-2 and the tiny fixture', () => {
  assert.equal(transformerFlops(XL, 64, 64, 2).total, 2_471_974_797_312); // 512×512, guidance
  assert.equal(transformerFlops(XL, 128, 128, 2).total, 13_019_047_133_184); // 1024×1024, guidance
  assert.equal(transformerFlops(TINY, 16, 16, 2).total, 10_762_752);
});

test('FLOPs scale with batch rows; parts add up to the total', () => {
  const one = transformerFlops(XL, 64, 64, 1);
  assert.equal(transformerFlops(XL, 64, 64, 3).total, 3 * one.total);
  const { total, ...parts } = one;
  assert.equal(Object.values(parts).reduce((a, b) => a + b, 0), total);
  assert.ok(one.mlp > one.selfAttention && one.selfAttention > one.crossAttention);
});

test('the dominant product is the MLP up-projection over all image tokens', () => {
  assert.deepEqual(dominantMatmul(XL, 64, 64, 1), { m: 1024, k: 1152, n: 4608 });
});
