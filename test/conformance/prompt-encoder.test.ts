// The pipeline's prompt embeddings: an unchanged prompt is served from the embedding cache (no
// text-encoder call, same image), and with releaseTextEncoder T5 is disposed after encoding and
// reloaded for a new prompt — with the images unchanged either way. On the real runtime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PixArtPipeline, type GenerateRequest } from '../../src/pipeline/pipeline';
import { tinyModelDir } from '../support/paths';
import { engineUnderTest } from '../support/engines';

const req = (prompt: string): GenerateRequest => ({ prompt, seed: 7, steps: 2, guidanceScale: 3, negativePrompt: 'blurry', width: 128, height: 128 });

test('embedding cache and releasing the text encoder and the VAE keep the images, skip re-encoding', async () => {
  const engine = engineUnderTest();
  const cacheDir = mkdtempSync(join(tmpdir(), 'pixart-prompt-cache-'));
  try {
    const kept = await PixArtPipeline.load(tinyModelDir, engine, { precision: 'f32', cacheDir });
    const released = await PixArtPipeline.load(tinyModelDir, engine, { precision: 'f32', cacheDir, releaseTextEncoder: true });
    try {
      const a1 = await kept.generate(req('a red fox'));
      const a2 = await kept.generate(req('a red fox'));
      assert.ok(a1.timings.engineMs > a2.timings.engineMs, 'the second image runs no text encoder');
      assert.deepEqual(a2.images[0].rgb, a1.images[0].rgb);

      const b1 = await released.generate(req('a red fox'));
      assert.equal(released.textEncoderLoaded, false, 'T5 is released once prompt and negative prompt are encoded');
      assert.equal(released.vaeLoaded, false, 'and the VAE decoder once it has decoded');
      assert.equal(kept.textEncoderLoaded, true);
      assert.equal(kept.vaeLoaded, true);
      const b2 = await released.generate(req('a blue fox')); // T5 reloaded from the compiled-model cache
      const b3 = await released.generate(req('a red fox')); // served from the embedding cache
      assert.deepEqual(b1.images[0].rgb, a1.images[0].rgb);
      assert.deepEqual(b3.images[0].rgb, a1.images[0].rgb);
      assert.notDeepEqual(b2.images[0].rgb, a1.images[0].rgb);
      const other = await kept.generate(req('a blue fox'));
      assert.deepEqual(b2.images[0].rgb, other.images[0].rgb);
    } finally {
      kept.dispose();
      released.dispose();
    }
  } finally {
    engine.dispose();
  }
});

test('warmUp runs T5 on the empty prompt, then the transformer and the VAE once, once loaded: the first image with the default negative prompt encodes only its prompt, and is the same image', async () => {
  const engine = engineUnderTest();
  const cacheDir = mkdtempSync(join(tmpdir(), 'pixart-warmup-cache-'));
  try {
    const cold = await PixArtPipeline.load(tinyModelDir, engine, { precision: 'f32', cacheDir });
    const warm = await PixArtPipeline.load(tinyModelDir, engine, { precision: 'f32', cacheDir });
    const released = await PixArtPipeline.load(tinyModelDir, engine, { precision: 'f32', cacheDir, releaseTextEncoder: true });
    try {
      assert.deepEqual(await warm.warmUp(), ['textEncoder', 'transformer', 'vae']);
      assert.deepEqual(await released.warmUp(), ['transformer'], 'T5 and the VAE are not kept warm when they are released after each use');
      const skipped = await PixArtPipeline.load(tinyModelDir, engine, { precision: 'f32', cacheDir });
      assert.deepEqual(await skipped.warmUp(undefined, AbortSignal.abort()), ['textEncoder', 'transformer'], 'an aborted decoder signal skips the VAE alone');
      skipped.dispose();
      assert.equal(released.textEncoderLoaded, true);
      const request = { ...req('a red fox'), negativePrompt: '' };
      const a = await cold.generate(request);
      const b = await warm.generate(request);
      assert.equal(a.timings.textEncoderCalls, 2, 'prompt and negative prompt');
      assert.equal(b.timings.textEncoderCalls, 1, 'the empty negative prompt came from the warm-up');
      assert.deepEqual(b.images[0].rgb, a.images[0].rgb);
      assert.equal((await warm.generate(request)).timings.textEncoderCalls, 0);
    } finally {
      cold.dispose();
      warm.dispose();
      released.dispose();
    }
  } finally {
    engine.dispose();
  }
});
