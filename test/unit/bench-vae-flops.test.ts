// The benchmark's FLOP count of a VAE decode. The expected totals are what PyTorch's own counter
// (torch.utils.flop_counter.FlopCounterMode) reports for diffusers' AutoencoderKL(**config).decode
// built on the meta device from the real-size config (PixArt-α's VAE, as bench/random-checkpoint.py
// writes it) and from test/fixtures/pixart-tiny-diffusers/vae/config.json (diffusers 0.42.1, torch 2.15).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vaeDecodeFlops, type VaeConfig } from '../../bench/vae-flops';

const REAL: VaeConfig = { block_out_channels: [128, 256, 512, 512], layers_per_block: 2, latent_channels: 4, out_channels: 3, use_post_quant_conv: true, mid_block_add_attention: true };
const TINY = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'pixart-tiny-diffusers', 'vae', 'config.json'), 'utf8')) as VaeConfig;

test('VAE decode FLOPs equal PyTorch FlopCounterMode at 512², 1024², 512×768 and on the tiny fixture', () => {
  assert.equal(vaeDecodeFlops(REAL, 64, 64).total, 2_514_518_933_504);
  assert.equal(vaeDecodeFlops(REAL, 128, 128).total, 10_470_392_594_432);
  assert.equal(vaeDecodeFlops(REAL, 64, 96).total, 3_797_548_204_032);
  assert.equal(vaeDecodeFlops(TINY, 16, 16).total, 183_017_472);
  assert.equal(vaeDecodeFlops(TINY, 16, 24).total, 277_671_936);
});

test('the mid-block attention is what FlopCounterMode counts as mm, addmm and bmm at 512²', () => {
  // FlopCounterMode at 64×64 latents: aten.mm 6,442,450,944 + aten.addmm 2,147,483,648 + aten.bmm 34,359,738,368.
  assert.equal(vaeDecodeFlops(REAL, 64, 64).attention, 6_442_450_944 + 2_147_483_648 + 34_359_738_368);
  assert.equal(vaeDecodeFlops(REAL, 64, 64).convolutions, 2_471_569_260_544);
});

test('FLOPs scale with images; no attention when the config turns it off', () => {
  assert.equal(vaeDecodeFlops(REAL, 64, 64, 3).total, 3 * vaeDecodeFlops(REAL, 64, 64).total);
  const off = vaeDecodeFlops({ ...REAL, mid_block_add_attention: false }, 64, 64);
  assert.equal(off.attention, 0);
  assert.equal(off.total, off.convolutions);
});
