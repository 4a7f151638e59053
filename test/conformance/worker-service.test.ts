// The worker's service on the real pipeline and OpenVINO, driven message by message as the
// worker thread drives it (the thread itself is exercised in the real-VS-Code suites).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readPngText } from '../../src/image/png';
import { fromParameters } from '../../src/image/parameters';
import { PixArtPipeline } from '../../src/pipeline/pipeline';
import { WorkerService } from '../../src/worker/service';
import type { LoadOptions, WorkerJob, WorkerToHost } from '../../src/protocol/messages';
import { engineUnderTest } from '../support/engines';
import { tinyModelDir } from '../support/paths';

const engine = engineUnderTest();
const loadOptions: LoadOptions = { modelDir: tinyModelDir, device: 'CPU', precision: 'f32', runtime: 'openvino-c' };
const job: WorkerJob = { prompt: 'a small cactus', negativePrompt: '', seed: '18446744073709551615', steps: 3, guidanceScale: 0, width: 128, height: 128, imagesPerPrompt: 2, format: 'png', preview: true, previewSize: 64 };

function harness() {
  const posted: WorkerToHost[] = [];
  let loads = 0;
  const service = new WorkerService({
    post: (m) => posted.push(m),
    load: async (o, onStatus) => {
      loads++;
      const pipeline = await PixArtPipeline.load(o.modelDir, engine, { precision: o.precision, releaseTextEncoder: o.releaseTextEncoder, onStatus });
      return { pipeline, engine: engine.name, engineVersion: engine.version, runtime: `OpenVINO ${engine.version} (${engine.origin})`, devices: engine.availableDevices() };
    },
  });
  return { service, posted, loads: () => loads };
}

const last = <T extends WorkerToHost['type']>(posted: WorkerToHost[], type: T) => posted.filter((m) => m.type === type).at(-1) as Extract<WorkerToHost, { type: T }>;

test('load reports status then the model; a second identical load stays warm', async () => {
  const h = harness();
  await h.service.handle({ type: 'load', options: loadOptions });
  assert.deepEqual(h.posted.map((m) => m.type), ['status', 'status', 'status', 'loaded']);
  const loaded = last(h.posted, 'loaded');
  assert.equal(loaded.model.sampler, 'LCM');
  assert.deepEqual(loaded.model.staticSize, { width: 128, height: 128 });
  await h.service.handle({ type: 'load', options: loadOptions });
  assert.equal(h.loads(), 1);
});

test('changing releaseTextEncoder reloads the model; the same options stay warm', async () => {
  const h = harness();
  await h.service.handle({ type: 'load', options: loadOptions });
  await h.service.handle({ type: 'load', options: { ...loadOptions, releaseTextEncoder: true } });
  assert.equal(h.loads(), 2);
  await h.service.handle({ type: 'generate', jobId: 'r1', job: { ...job, imagesPerPrompt: 1 } });
  await h.service.handle({ type: 'generate', jobId: 'r2', job: { ...job, imagesPerPrompt: 1, prompt: 'another prompt' } });
  assert.deepEqual(h.posted.filter((m) => m.type === 'done').map((m) => (m as { jobId: string }).jobId), ['r1', 'r2']);
});

test('after loading, the service warms T5 up: the first job with the default (empty) negative prompt encodes only its prompt', async () => {
  const h = harness();
  await h.service.handle({ type: 'load', options: loadOptions });
  await h.service.handle({ type: 'generate', jobId: 'w1', job: { ...job, imagesPerPrompt: 1, guidanceScale: 3 } });
  assert.equal(last(h.posted, 'done').timings.textEncoderCalls, 1);
  await h.service.handle({ type: 'generate', jobId: 'w2', job: { ...job, imagesPerPrompt: 1, guidanceScale: 3 } });
  assert.equal(last(h.posted, 'done').timings.textEncoderCalls, 0, 'both from the embedding cache');
});

test('a broken model folder becomes a loadFailed message of kind model-folder', async () => {
  const h = harness();
  await h.service.handle({ type: 'load', options: { ...loadOptions, modelDir: '/nonexistent/model' } });
  const failed = last(h.posted, 'loadFailed');
  assert.equal(failed.kind, 'model-folder');
  assert.match(failed.message, /\/nonexistent\/model does not exist/);
});

test('generate forwards progress with previews and finishes with PNGs carrying the 64-bit seed', async () => {
  const h = harness();
  await h.service.handle({ type: 'load', options: loadOptions });
  await h.service.handle({ type: 'generate', jobId: 'j1', job });
  const progress = h.posted.filter((m) => m.type === 'progress') as Extract<WorkerToHost, { type: 'progress' }>[];
  assert.deepEqual(progress.map((p) => p.step), [1, 2, 3]);
  assert.equal(progress[0].previews?.length, 2);
  assert.ok(progress[0].previews![0].rgb.some((v) => v !== progress[0].previews![0].rgb[0]), 'the preview has content');
  const done = last(h.posted, 'done');
  assert.equal(done.seed, '18446744073709551615');
  assert.equal(done.images.length, 2);
  const p = fromParameters(readPngText(Buffer.from(done.images[1].bytes)).parameters);
  assert.deepEqual([p.prompt, p.seed, p.sampler, p.steps, p.width, p.height], ['a small cactus', '18446744073709551615', 'LCM', 3, 128, 128]);
});

test('previews can be turned off', async () => {
  const h = harness();
  await h.service.handle({ type: 'load', options: loadOptions });
  await h.service.handle({ type: 'generate', jobId: 'j1', job: { ...job, imagesPerPrompt: 1, preview: false } });
  assert.ok(h.posted.filter((m) => m.type === 'progress').every((m) => !('previews' in m)));
});

test('cancel aborts the running job between steps', async () => {
  const h = harness();
  await h.service.handle({ type: 'load', options: loadOptions });
  const origPost = h.posted.push.bind(h.posted);
  // Cancel as soon as the first step reports, as the host would on a click.
  h.posted.push = (...m: WorkerToHost[]) => {
    if (m[0].type === 'progress' && m[0].step === 1) void h.service.handle({ type: 'cancel', jobId: 'j2' });
    return origPost(...m);
  };
  await h.service.handle({ type: 'generate', jobId: 'j2', job: { ...job, steps: 50 } });
  assert.deepEqual(h.posted.at(-1), { type: 'failed', jobId: 'j2', message: 'Cancelled.', cancelled: true });
  assert.ok(h.posted.filter((m) => m.type === 'progress').length < 50);
});

test('no model, or a request the model cannot run, fails the job with a message', async () => {
  const h0 = harness();
  await h0.service.handle({ type: 'generate', jobId: 'j0', job });
  assert.equal(last(h0.posted, 'failed').message, 'No model is loaded: select a model folder first.');
  const h = harness();
  await h.service.handle({ type: 'load', options: loadOptions });
  await h.service.handle({ type: 'generate', jobId: 'j3', job: { ...job, steps: 0 } });
  assert.match(last(h.posted, 'failed').message, /steps must be a whole number from 1/);
});

test('token counts come from the model tokenizer; unknown before a model loads', async () => {
  const h = harness();
  await h.service.handle({ type: 'countTokens', requestId: 1, text: 'a b c' });
  assert.deepEqual(last(h.posted, 'tokens'), { type: 'tokens', requestId: 1, tokens: -1, max: 120, truncated: false });
  await h.service.handle({ type: 'load', options: loadOptions });
  await h.service.handle({ type: 'countTokens', requestId: 2, text: 'word '.repeat(200) });
  const t = last(h.posted, 'tokens');
  assert.equal(t.truncated, true);
  assert.ok(t.tokens > 120);
});
