import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerService, samplerName, type PipelineLike, type PipelineStep } from '../../src/worker/service';
import type { LoadOptions, WorkerJob, WorkerToHost } from '../../src/protocol/messages';

const info = {
  modelDir: '/m',
  name: 'PixArt-LCM-XL-2-1024-MS',
  schedulerClass: 'LCMScheduler',
  sampleSize: 128,
  staticSize: null,
  supportedSizes: [{ width: 1024, height: 1024, ratio: '1.0' }],
  defaults: { steps: 4, guidanceScale: 0 },
  maxTokens: 120,
};

/** A stand-in pipeline: steps through `steps` with tiny latents, honouring the abort signal between steps. */
function fakePipeline(opts: { stepDelayMs?: number; fail?: string } = {}): PipelineLike & { disposed: boolean } {
  return {
    info,
    disposed: false,
    countTokens: (p: string) => ({ tokens: p.split(/\s+/).filter(Boolean).length + 1, max: 120, truncated: false }),
    async generate(req, o) {
      if (opts.fail) throw new Error(opts.fail);
      const b = req.imagesPerPrompt ?? 1;
      for (let i = 1; i <= req.steps; i++) {
        await new Promise((r) => setTimeout(r, opts.stepDelayMs ?? 0));
        if (o?.signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'CancelledError' });
        const s: PipelineStep = { step: i, steps: req.steps, timestep: 999 - i, latents: new Float32Array(b * 4 * 2 * 2), latentShape: [b, 4, 2, 2], elapsedMs: i * 10 };
        o?.onStep?.(s);
      }
      return {
        images: Array.from({ length: b }, (_, index) => ({ width: 2, height: 2, rgb: new Uint8Array(12), prompt: req.prompt, negativePrompt: req.negativePrompt ?? '', index })),
        seed: req.seed,
        generatedWidth: 2,
        generatedHeight: 2,
        timings: { textEncoderMs: 1, transformerMs: [1], schedulerMs: 1, vaeMs: 1, totalMs: 5 },
      };
    },
    dispose() { this.disposed = true; },
  };
}

const loadOptions: LoadOptions = { modelDir: '/m', device: 'CPU', precision: 'auto', runtime: 'auto' };
const job: WorkerJob = { prompt: 'a small cactus', negativePrompt: '', seed: '18446744073709551615', steps: 3, guidanceScale: 0, width: 1024, height: 1024, count: 2, format: 'png', preview: true, previewSize: 64 };

function harness(pipeline = fakePipeline(), loadError?: Error) {
  const posted: WorkerToHost[] = [];
  let loads = 0;
  const service = new WorkerService({
    post: (m) => posted.push(m),
    load: async (_o, onStatus) => {
      loads++;
      onStatus('loading');
      if (loadError) throw loadError;
      onStatus('compiling');
      onStatus('ready');
      return { pipeline, engine: 'fake', engineVersion: '0', devices: ['CPU'] };
    },
    encode: (img) => new TextEncoder().encode(img.parameters),
    formatParameters: (p) => `${p.prompt}\nSteps: ${p.steps}, Sampler: ${p.sampler}, Seed: ${p.seed}`,
    classifyLoadError: () => 'model-folder',
  });
  return { service, posted, loads: () => loads };
}

test('load reports status then loaded; a second identical load stays warm', async () => {
  const h = harness();
  await h.service.handle({ type: 'load', options: loadOptions });
  assert.deepEqual(h.posted.map((m) => m.type), ['status', 'status', 'status', 'loaded']);
  const loaded = h.posted.at(-1) as Extract<WorkerToHost, { type: 'loaded' }>;
  assert.equal(loaded.model.sampler, 'LCM');
  await h.service.handle({ type: 'load', options: loadOptions });
  assert.equal(h.loads(), 1);
  assert.equal(h.posted.at(-1)?.type, 'loaded');
});

test('load failure becomes a message with its kind', async () => {
  const h = harness(fakePipeline(), new Error('transformer/openvino_model.xml: missing'));
  await h.service.handle({ type: 'load', options: loadOptions });
  assert.deepEqual(h.posted.at(-1), { type: 'loadFailed', message: 'transformer/openvino_model.xml: missing', kind: 'model-folder' });
});

test('generate forwards progress with previews and finishes with encoded images and the 64-bit seed', async () => {
  const h = harness();
  await h.service.handle({ type: 'load', options: loadOptions });
  h.posted.length = 0;
  await h.service.handle({ type: 'generate', jobId: 'j1', job });
  const progress = h.posted.filter((m) => m.type === 'progress') as Extract<WorkerToHost, { type: 'progress' }>[];
  assert.deepEqual(progress.map((p) => p.step), [1, 2, 3]);
  assert.equal(progress[0].previews?.length, 2);
  assert.deepEqual([...progress[0].previews![0].rgb], new Array(12).fill(128));
  const done = h.posted.at(-1) as Extract<WorkerToHost, { type: 'done' }>;
  assert.equal(done.type, 'done');
  assert.equal(done.seed, '18446744073709551615');
  assert.equal(done.images.length, 2);
  assert.match(done.images[0].parameters, /Sampler: LCM, Seed: 18446744073709551615/);
  assert.equal(new TextDecoder().decode(done.images[1].bytes), done.images[1].parameters);
});

test('previews can be turned off', async () => {
  const h = harness();
  await h.service.handle({ type: 'load', options: loadOptions });
  await h.service.handle({ type: 'generate', jobId: 'j1', job: { ...job, preview: false } });
  assert.ok(h.posted.filter((m) => m.type === 'progress').every((m) => !('previews' in m)));
});

test('cancel aborts the running job between steps', async () => {
  const h = harness(fakePipeline({ stepDelayMs: 20 }));
  await h.service.handle({ type: 'load', options: loadOptions });
  const run = h.service.handle({ type: 'generate', jobId: 'j2', job: { ...job, steps: 50 } });
  await new Promise((r) => setTimeout(r, 50));
  await h.service.handle({ type: 'cancel', jobId: 'j2' });
  await run;
  const last = h.posted.at(-1);
  assert.deepEqual(last, { type: 'failed', jobId: 'j2', message: 'Cancelled.', cancelled: true });
  assert.ok(h.posted.filter((m) => m.type === 'progress').length < 50);
});

test('errors and a missing model fail the job with a message', async () => {
  const h0 = harness();
  await h0.service.handle({ type: 'generate', jobId: 'j0', job });
  assert.equal((h0.posted.at(-1) as { message: string }).message, 'No model is loaded: select a model folder first.');
  const h = harness(fakePipeline({ fail: 'size 640x640 not supported by this static model' }));
  await h.service.handle({ type: 'load', options: loadOptions });
  await h.service.handle({ type: 'generate', jobId: 'j3', job });
  assert.deepEqual(h.posted.at(-1), { type: 'failed', jobId: 'j3', message: 'size 640x640 not supported by this static model', cancelled: false });
});

test('token counts go through the pipeline; unknown before a model loads', async () => {
  const h = harness();
  await h.service.handle({ type: 'countTokens', requestId: 1, text: 'a b c' });
  assert.deepEqual(h.posted.at(-1), { type: 'tokens', requestId: 1, tokens: -1, max: 120, truncated: false });
  await h.service.handle({ type: 'load', options: loadOptions });
  await h.service.handle({ type: 'countTokens', requestId: 2, text: 'a b c' });
  assert.deepEqual(h.posted.at(-1), { type: 'tokens', requestId: 2, tokens: 4, max: 120, truncated: false });
});

test('sampler names follow AUTOMATIC1111', () => {
  assert.equal(samplerName('LCMScheduler'), 'LCM');
  assert.equal(samplerName('DPMSolverMultistepScheduler'), 'DPM++ 2M');
  assert.equal(samplerName('FooScheduler'), 'Foo');
});
