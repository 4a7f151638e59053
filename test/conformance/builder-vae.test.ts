// The VAE decoder builder against diffusers: the tiny VAE built from its safetensors decodes every
// fixture case's latents as diffusers did (vae_0_latents.npy → vae_0_sample.npy), at every latent
// size the cases use, with one dynamic model, as closely as the ONNX fixture exported by torch does.
// Then the builder's refusals: configs it cannot build, a checkpoint that does not match its
// config, a folder that already holds a model, and a cancel, each leaving nothing behind.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { buildVaeDecoder } from '../../src/builder/vae-decoder';
import type { CompiledModel } from '../../src/engine/types';
import { engineUnderTest } from '../support/engines';
import { readNpyF32 } from '../support/npy';
import { maxRelError } from '../support/compare';
import { listCases, caseFile } from '../support/cases';
import { fixturesDir, tinyModelDir } from '../support/paths';

const engine = engineUnderTest();
after(() => engine.dispose());
const vaeDir = join(fixturesDir, 'pixart-tiny-diffusers', 'vae');
const work = mkdtempSync(join(tmpdir(), 'pixart-builder-vae-'));

async function decode(model: CompiledModel, latents: { shape: number[]; data: Float32Array }) {
  const out = await model.infer({ latents: { type: 'f32', shape: latents.shape, data: latents.data } });
  return out.sample;
}

test('the built VAE decoder reproduces diffusers on every case, as closely as the ONNX export', async () => {
  const out = join(work, 'vae_decoder');
  const progress: number[][] = [];
  const built = await buildVaeDecoder(vaeDir, out, { onProgress: (done, total) => progress.push([done, total]) });
  assert.deepEqual(readdirSync(out).sort(), ['config.json', 'openvino_model.bin', 'openvino_model.xml']);
  assert.equal(readFileSync(join(out, 'config.json'), 'utf8'), readFileSync(join(vaeDir, 'config.json'), 'utf8'));
  assert.ok(progress.length > 5 && progress.at(-1)![0] === progress.at(-1)![1], `progress ends at its total: ${JSON.stringify(progress.at(-1))}`);
  console.log(`# built: ${built.tensors} tensors, ${built.weightBytes} bytes of weights`);

  const ours = await engine.compileModel(join(out, 'openvino_model.xml'), { precision: 'f32' });
  const onnx = await engine.compileModel(join(tinyModelDir, 'vae_decoder', 'model.onnx'), { precision: 'f32' });
  try {
    assert.deepEqual(ours.inputs, [{ name: 'latents', type: 'f32', shape: [-1, 4, -1, -1] }]);
    assert.deepEqual(ours.outputs, [{ name: 'sample', type: 'f32', shape: [-1, 3, -1, -1] }]);
    const sizes = new Set<string>();
    for (const c of listCases()) {
      const latents = readNpyF32(caseFile(c, 'vae_0_latents.npy'));
      const want = readNpyF32(caseFile(c, 'vae_0_sample.npy'));
      const [n, , h, w] = latents.shape;
      sizes.add(`${n}x${h}x${w}`);
      const got = await decode(ours, latents);
      assert.deepEqual(got.shape, [n, 3, 8 * h, 8 * w]);
      const errOurs = maxRelError(got.data as Float32Array, want.data);
      const errOnnx = maxRelError((await decode(onnx, latents)).data as Float32Array, want.data);
      console.log(`# ${c.name} [${latents.shape.join(',')}]: built ${errOurs.toExponential(2)}, ONNX ${errOnnx.toExponential(2)} (max relative error)`);
      // The bar is the ONNX export on the same runtime; 1e-5 covers both being at f32 rounding.
      assert.ok(errOurs <= Math.max(2 * errOnnx, 1e-5), `${c.name}: the built decoder is ${errOurs} off, the ONNX export ${errOnnx}`);
    }
    assert.ok(sizes.size >= 3, `the cases decode several latent sizes with one model: ${[...sizes].join(' ')}`);
  } finally {
    ours.dispose();
    onnx.dispose();
  }
});

/** A copy of the tiny VAE with config.json edited. */
function vaeWith(edit: (config: Record<string, unknown>) => void): string {
  const dir = mkdtempSync(join(work, 'vae-'));
  cpSync(vaeDir, dir, { recursive: true });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  edit(config);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

async function refuses(dir: string, pattern: RegExp): Promise<void> {
  const out = join(work, `refused-${Math.random().toString(16).slice(2)}`);
  await assert.rejects(buildVaeDecoder(dir, out), pattern);
  assert.ok(!existsSync(out) || readdirSync(out).length === 0, `a refused build leaves nothing in ${out}: ${existsSync(out) ? readdirSync(out) : ''}`);
}

test('configs the builder does not implement or cannot bound are refused, naming the file and the field', async () => {
  await refuses(vaeWith((c) => { c.act_fn = 'gelu'; }), /vae.*config\.json: "act_fn" is "gelu"/);
  await refuses(vaeWith((c) => { c.up_block_types = ['UpDecoderBlock2D', 'AttnUpDecoderBlock2D', 'UpDecoderBlock2D', 'UpDecoderBlock2D']; }), /"up_block_types"/);
  await refuses(vaeWith((c) => { c.shift_factor = 0.1159; }), /"shift_factor" is 0\.1159/);
  await refuses(vaeWith((c) => { c._class_name = 'AutoencoderTiny'; }), /"_class_name" is "AutoencoderTiny"/);
  await refuses(vaeWith((c) => { c.block_out_channels = [8, 8, 16, 16, 16, 16, 16]; }), /"block_out_channels" must list 1 to 6/);
  await refuses(vaeWith((c) => { c.block_out_channels = [8, 8, 16, 1e9]; }), /"block_out_channels" entries must be whole numbers from 1 to 4096, found 1000000000/);
  await refuses(vaeWith((c) => { c.layers_per_block = 1000; }), /"layers_per_block" must be a whole number from 1 to 8, found 1000/);
  await refuses(vaeWith((c) => { c.norm_num_groups = 3; }), /"norm_num_groups" = 3 does not divide the block width 8/);
  await refuses(vaeWith((c) => { c.latent_channels = -4; }), /"latent_channels" must be a whole number from 1 to 64, found -4/);
  await refuses(vaeWith((c) => { c.out_channels = 4; }), /"out_channels" is 4; the pipeline makes RGB images/);
  await refuses(vaeWith((c) => { c.mid_block_add_attention = 'yes'; }), /"mid_block_add_attention" must be true or false/);
});

test('a checkpoint that does not match its config.json is refused, naming the tensor', async () => {
  await refuses(vaeWith((c) => { c.block_out_channels = [8, 8, 16, 32]; }), /decoder\.conv_in\.weight is \[16, 4, 3, 3\], but config\.json makes it \[32, 4, 3, 3\]/);
  await refuses(vaeWith((c) => { c.layers_per_block = 2; }), /has no tensor decoder\.up_blocks\.0\.resnets\.2\.norm1\.weight/);
  await refuses(vaeWith((c) => { c.mid_block_add_attention = false; }), /decoder tensors its config\.json does not account for \(decoder\.mid_block\.attentions\.0/);
});

test('a folder that already holds a model is refused before any work', async () => {
  const out = mkdtempSync(join(work, 'taken-'));
  writeFileSync(join(out, 'openvino_model.xml'), 'mine');
  await assert.rejects(buildVaeDecoder(vaeDir, out), /openvino_model\.xml exists; the builder never replaces a model/);
  assert.deepEqual(readdirSync(out), ['openvino_model.xml']);
  assert.equal(readFileSync(join(out, 'openvino_model.xml'), 'utf8'), 'mine');
});

test('a cancel during the build stops it and leaves nothing', async () => {
  const ac = new AbortController();
  const out = join(work, 'cancelled');
  let seen = 0;
  await assert.rejects(buildVaeDecoder(vaeDir, out, { signal: ac.signal, onProgress: () => { if (++seen === 3) ac.abort(); } }), { name: 'AbortError' });
  assert.equal(seen, 3, 'the build stopped at the step where it was cancelled');
  assert.deepEqual(readdirSync(out), [], 'no temporary or final files are left');
});
