// The worker's service on the real pipeline and OpenVINO, driven message by message as the
// worker thread drives it (the thread itself is exercised in the real-VS-Code suites).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readPngText } from '../../src/image/png';
import { fromParameters } from '../../src/image/parameters';
import { PixArtPipeline } from '../../src/pipeline/pipeline';
import { WorkerService } from '../../src/worker/service';
import type { JobPhase, LoadOptions, WorkerJob, WorkerToHost } from '../../src/protocol/messages';
import { engineUnderTest } from '../support/engines';
import { tinyModelDir } from '../support/paths';
import { scratchDir } from '../support/engine-conformance';
import { writeSlowModelFolder } from '../support/slow-models';

const engine = engineUnderTest();
const loadOptions: LoadOptions = { modelDir: tinyModelDir, device: 'CPU', precision: 'f32', runtime: 'openvino-c' };
const job: WorkerJob = { prompt: 'a small cactus', negativePrompt: '', seed: '18446744073709551615', steps: 3, guidanceScale: 0, width: 128, height: 128, imagesPerPrompt: 2, format: 'png', preview: true, previewSize: 64 };

function harness(watch?: (m: WorkerToHost) => void) {
  const posted: WorkerToHost[] = [];
  const warmUps: string[][] = [];
  let loads = 0;
  const service = new WorkerService({
    post: (m) => {
      posted.push(m);
      watch?.(m);
    },
    load: async (o, onStatus) => {
      loads++;
      const pipeline = await PixArtPipeline.load(o.modelDir, engine, { precision: o.precision, releaseTextEncoder: o.releaseTextEncoder, onStatus });
      const warmUp = pipeline.warmUp.bind(pipeline);
      pipeline.warmUp = async (...a) => {
        const ran = await warmUp(...a);
        warmUps.push(ran);
        return ran;
      };
      return { pipeline, engine: engine.name, engineVersion: engine.version, runtime: `OpenVINO ${engine.version} (${engine.origin})`, devices: engine.availableDevices() };
    },
  });
  return { service, posted, warmUps, loads: () => loads };
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

test('the warm-up decodes once with the VAE, unless a job already waits behind the load: that job skips the VAE step', async () => {
  const idle = harness();
  await idle.service.handle({ type: 'load', options: loadOptions });
  assert.deepEqual(idle.warmUps, [['textEncoder', 'transformer', 'vae']]);
  const busy = harness();
  const loading = busy.service.handle({ type: 'load', options: loadOptions });
  const generating = busy.service.handle({ type: 'generate', jobId: 'v1', job: { ...job, imagesPerPrompt: 1 } });
  await Promise.all([loading, generating]);
  assert.deepEqual(busy.warmUps, [['textEncoder', 'transformer']]);
  assert.equal(last(busy.posted, 'done').jobId, 'v1');
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

test('a job says when it starts; one cancelled while it waits behind the load never runs', async () => {
  const h = harness();
  // As the host sends them: the job right after the load, the cancel while the model still loads.
  const loading = h.service.handle({ type: 'load', options: loadOptions });
  const waiting = h.service.handle({ type: 'generate', jobId: 'w1', job });
  await h.service.handle({ type: 'cancel', jobId: 'w1' });
  const next = h.service.handle({ type: 'generate', jobId: 'w2', job: { ...job, steps: 1, imagesPerPrompt: 1 } });
  await Promise.all([loading, waiting, next]);
  const about = (id: string) => h.posted.filter((m) => 'jobId' in m && m.jobId === id).map((m) => m.type);
  assert.deepEqual(about('w1'), ['failed']);
  assert.deepEqual(h.posted.find((m) => m.type === 'failed' && m.jobId === 'w1'), { type: 'failed', jobId: 'w1', message: 'Cancelled.', cancelled: true });
  assert.equal(about('w2')[0], 'started');
  assert.equal(about('w2').at(-1), 'done');
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
  assert.deepEqual(last(h.posted, 'tokens'), { type: 'tokens', requestId: 1, tokens: -1, max: 0, truncated: false });
  await h.service.handle({ type: 'load', options: loadOptions });
  await h.service.handle({ type: 'countTokens', requestId: 2, text: 'word '.repeat(200) });
  const t = last(h.posted, 'tokens');
  assert.equal(t.truncated, true);
  assert.ok(t.tokens > 120);
});

test('phases: encoding the prompt, each step as it starts, then decoding, each with the elapsed time', async () => {
  const h = harness();
  await h.service.handle({ type: 'load', options: loadOptions });
  await h.service.handle({ type: 'generate', jobId: 'p1', job });
  const phases = h.posted.filter((m) => m.type === 'phase') as Extract<WorkerToHost, { type: 'phase' }>[];
  const starts = phases.filter((p, i) => i === 0 || p.phase !== phases[i - 1].phase || p.step !== phases[i - 1].step);
  assert.deepEqual(starts.map((p) => [p.phase, p.step, p.steps]), [['encoding', 0, 3], ['denoising', 1, 3], ['denoising', 2, 3], ['denoising', 3, 3], ['decoding', 3, 3]]);
  assert.ok(phases.every((p, i) => p.jobId === 'p1' && p.elapsedMs >= (phases[i - 1]?.elapsedMs ?? 0)), 'elapsed time only grows');
  const order = h.posted.filter((m) => m.type === 'phase' || m.type === 'progress').map((m) => (m.type === 'phase' ? `${m.phase}${m.step}` : `done${m.step}`));
  assert.deepEqual(order.filter((x, i) => x !== order[i - 1]), ['encoding0', 'denoising1', 'done1', 'denoising2', 'done2', 'denoising3', 'done3', 'decoding3']);
});

// The tiny model's tokenizer, T5 and scheduler with a transformer and a VAE that take seconds
// (chains of matrix products, see slow-models.ts), on the real runtime.
const slowModel = writeSlowModelFolder(tinyModelDir, `${scratchDir()}/slow-model`);
const slowOptions: LoadOptions = { ...loadOptions, modelDir: slowModel };
const slowJob: WorkerJob = { ...job, steps: 2, imagesPerPrompt: 1, preview: false };

/**
 * Runs `jobId` on the slow model and calls `act` 100 ms into its `phase` (at `step`); resolves with
 * the job's end and how long after `act` it came.
 */
async function actDuring(phase: JobPhase, step: number, jobId: string, act: (h: ReturnType<typeof harness>) => void) {
  let actedAt = 0;
  let endedAt = 0;
  let current = '';
  let stillInPhase = false;
  const h = harness((m) => {
    if (m.type === 'phase' && m.jobId === jobId) current = `${m.phase}${m.step}`;
    if (m.type === 'phase' && m.jobId === jobId && m.phase === phase && m.step === step && !actedAt) {
      actedAt = -1;
      setTimeout(() => {
        stillInPhase = current === `${phase}${step}` && !endedAt;
        actedAt = performance.now();
        act(h);
      }, 100);
    }
    if ((m.type === 'failed' || m.type === 'done') && m.jobId === jobId) endedAt = performance.now();
  });
  await h.service.handle({ type: 'load', options: slowOptions });
  await h.service.handle({ type: 'generate', jobId, job: slowJob });
  assert.ok(stillInPhase, `${phase} ${step} still ran 100 ms after it started`);
  const end = h.posted.find((m) => (m.type === 'failed' || m.type === 'done') && m.jobId === jobId)!;
  return { h, end, ms: endedAt - actedAt };
}

for (const [phase, step] of [['denoising', 1], ['decoding', 2]] as const) {
  test(`cancel during ${phase === 'decoding' ? 'the decode' : 'a step'}: the job fails as cancelled within 1 s, with no image, and the next job succeeds`, async (t) => {
    const { h, end, ms } = await actDuring(phase, step, 'c1', (x) => void x.service.handle({ type: 'cancel', jobId: 'c1' }));
    t.diagnostic(`the job ended ${ms.toFixed(0)} ms after the cancel`);
    assert.deepEqual(end, { type: 'failed', jobId: 'c1', message: 'Cancelled.', cancelled: true });
    assert.ok(ms < 1000, `ended ${ms.toFixed(0)} ms after the cancel`);
    assert.equal(h.posted.filter((m) => m.type === 'done').length, 0, 'no image');
    await h.service.handle({ type: 'generate', jobId: 'c2', job: { ...slowJob, steps: 1 } });
    const done = last(h.posted, 'done');
    assert.equal(done?.jobId, 'c2', JSON.stringify(h.posted.at(-1)));
    assert.equal(done.images.length, 1);
  });
}

test('a load with other options, and an unload, cancel the running job within 1 s before the pipeline goes', async () => {
  const reload = await actDuring('denoising', 1, 'r1', (x) => void x.service.handle({ type: 'load', options: { ...slowOptions, releaseTextEncoder: true } }));
  assert.equal(reload.end.type === 'failed' && reload.end.cancelled, true, JSON.stringify(reload.end));
  assert.ok(reload.ms < 1000, `ended ${reload.ms.toFixed(0)} ms after the load was sent`);
  await reload.h.service.handle({ type: 'generate', jobId: 'r2', job: { ...slowJob, steps: 1 } });
  assert.equal(last(reload.h.posted, 'done')?.jobId, 'r2', 'the reloaded model runs the next job');
  const unload = await actDuring('decoding', 2, 'u1', (x) => void x.service.handle({ type: 'unload' }));
  assert.equal(unload.end.type === 'failed' && unload.end.cancelled, true, JSON.stringify(unload.end));
  assert.ok(unload.ms < 1000, `ended ${unload.ms.toFixed(0)} ms after the unload was sent`);
});
