// Reading ComfyUI's files (issue 14): the parameters its graphs give. The graphs here are written by
// hand in ComfyUI's two formats (the API graph it stores as `prompt`, the editor's `workflow` with
// its positional widget values and link table), shaped like its default text-to-image graph; the
// expected values are the ones written into them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { comfyParameters } from '../../src/image/comfyui';
import { NotParametersError } from '../../src/image/parameters';
import { bufferSource, readParameters } from '../../src/image/read-metadata';
import { encodeImage, webpWithExif } from '../../src/image/encode';
import { exifAscii, pngWith, tEXt, iTXtCompressed } from '../support/crafted-images';

const POSITIVE = 'beautiful scenery nature glass bottle landscape, purple galaxy bottle,';
const NEGATIVE = 'text, watermark';

/** ComfyUI's default graph in the API format, by hand: checkpoint → two prompts → empty latent → KSampler → decode → save. */
function apiGraph(seed: string | number = 156680208700286, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '3': { class_type: 'KSampler', inputs: { seed, steps: 20, cfg: 8, sampler_name: 'euler', scheduler: 'normal', denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'v1-5-pruned-emaonly.safetensors' } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: 512, height: 768, batch_size: 1 } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: POSITIVE, clip: ['4', 1] } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: NEGATIVE, clip: ['4', 1] } },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } },
    ...over,
  };
}

const expected = {
  prompt: POSITIVE,
  negativePrompt: NEGATIVE,
  seed: '156680208700286',
  sampler: 'euler',
  model: 'v1-5-pruned-emaonly.safetensors',
  steps: 20,
  guidanceScale: 8,
  width: 512,
  height: 768,
  extra: { 'Schedule type': 'normal' },
};

/** The same graph as the editor saves it: nodes with widgets_values in ComfyUI's order, links [id, from, slot, to, slot, type]. */
function workflowGraph(seedLiteral = '156680208700286'): string {
  const graph = {
    last_node_id: 9,
    nodes: [
      { id: 7, type: 'CLIPTextEncode', inputs: [{ name: 'clip', type: 'CLIP', link: 5 }], widgets_values: [NEGATIVE] },
      { id: 6, type: 'CLIPTextEncode', inputs: [{ name: 'clip', type: 'CLIP', link: 3 }], widgets_values: [POSITIVE] },
      { id: 5, type: 'EmptyLatentImage', inputs: [], widgets_values: [512, 768, 1] },
      { id: 4, type: 'CheckpointLoaderSimple', widgets_values: ['v1-5-pruned-emaonly.safetensors'] },
      {
        id: 3,
        type: 'KSampler',
        inputs: [
          { name: 'model', type: 'MODEL', link: 1 },
          { name: 'positive', type: 'CONDITIONING', link: 4 },
          { name: 'negative', type: 'CONDITIONING', link: 6 },
          { name: 'latent_image', type: 'LATENT', link: 2 },
        ],
        widgets_values: ['__SEED__', 'randomize', 20, 8, 'euler', 'normal', 1],
      },
    ],
    links: [[1, 4, 0, 3, 0, 'MODEL'], [2, 5, 0, 3, 3, 'LATENT'], [3, 4, 1, 6, 0, 'CLIP'], [4, 6, 0, 3, 1, 'CONDITIONING'], [5, 4, 1, 7, 0, 'CLIP'], [6, 7, 0, 3, 2, 'CONDITIONING']],
  };
  return JSON.stringify(graph).replace('"__SEED__"', seedLiteral); // the seed as the number literal ComfyUI writes
}

test('the API graph (`prompt`) gives the prompt, negative, seed, steps, CFG, sampler, size and checkpoint', () => {
  assert.deepEqual(comfyParameters({ prompt: JSON.stringify(apiGraph()) }), expected);
});

test('the editor graph (`workflow`) gives the same, through its link table and widget order', () => {
  assert.deepEqual(comfyParameters({ workflow: workflowGraph() }), expected);
  assert.deepEqual(comfyParameters({ prompt: 'not json', workflow: workflowGraph() }), expected, 'a broken API graph falls back to the workflow');
});

test('a seed of 20 digits is read exactly (JSON.parse alone would round it)', () => {
  const max = '18446744073709551615';
  const json = JSON.stringify(apiGraph('SEED')).replace('"SEED"', max);
  assert.equal(comfyParameters({ prompt: json }).seed, max);
  assert.equal(comfyParameters({ workflow: workflowGraph(max) }).seed, max);
  // A string that looks like a big number stays the string it is.
  const inText = JSON.stringify(apiGraph(7, { '6': { class_type: 'CLIPTextEncode', inputs: { text: `${max} stars`, clip: ['4', 1] } } }));
  assert.equal(comfyParameters({ prompt: inText }).prompt, `${max} stars`);
});

test('links are followed: a seed from a primitive node, a prompt through conditioning nodes, a checkpoint behind a LoRA', () => {
  const graph = apiGraph(['10', 0] as unknown as number, {
    '3': { class_type: 'KSamplerAdvanced', inputs: { add_noise: 'enable', noise_seed: ['10', 0], steps: 30, cfg: 4.5, sampler_name: 'dpmpp_2m', scheduler: 'karras', model: ['11', 0], positive: ['12', 0], negative: ['7', 0], latent_image: ['5', 0] } },
    '10': { class_type: 'PrimitiveInt', inputs: { value: 99 } },
    '11': { class_type: 'LoraLoader', inputs: { lora_name: 'style.safetensors', strength_model: 1, model: ['4', 0], clip: ['4', 1] } },
    '12': { class_type: 'ControlNetApply', inputs: { strength: 1, conditioning: ['13', 0], control_net: ['14', 0], image: ['15', 0] } },
    '13': { class_type: 'ConditioningCombine', inputs: { conditioning_1: ['6', 0], conditioning_2: ['7', 0] } },
  });
  const p = comfyParameters({ prompt: JSON.stringify(graph) });
  assert.equal(p.seed, '99');
  assert.equal(p.prompt, POSITIVE);
  assert.equal(p.model, 'v1-5-pruned-emaonly.safetensors');
  assert.equal(p.steps, 30);
  assert.equal(p.guidanceScale, 4.5);
  assert.equal(p.sampler, 'dpmpp_2m');
});

test('what is not parameters is refused with a reason, and a link cycle ends', () => {
  const refuse = (graphs: { prompt?: string; workflow?: string }, reason: RegExp) => assert.throws(() => comfyParameters(graphs), (e: unknown) => e instanceof NotParametersError && reason.test(e.message));
  refuse({ prompt: '{"1": ' }, /not JSON/);
  refuse({ prompt: '[1, 2]' }, /not a JSON object/);
  refuse({ prompt: JSON.stringify({ '9': apiGraph()['9'] }) }, /no sampler/);
  refuse({ prompt: JSON.stringify(apiGraph(-1)) }, /whole-number seed/);
  const cycle = apiGraph(1, { '6': { class_type: 'ConditioningCombine', inputs: { conditioning_1: ['3', 0], conditioning_2: ['6', 0] } } });
  refuse({ prompt: JSON.stringify(cycle) }, /positive prompt text/);
  refuse({}, /no ComfyUI graph/);
});

test('any JSON gives parameters or NotParametersError, quickly', () => {
  fc.assert(
    fc.property(fc.oneof(fc.json(), fc.jsonValue().map((v) => JSON.stringify({ '3': { class_type: 'KSampler', inputs: { seed: 1, positive: ['6', 0], x: v } }, '6': { class_type: 'X', inputs: { text: v, conditioning: ['3', 0] } } }))), (json) => {
      const t0 = performance.now();
      try {
        comfyParameters({ prompt: json, workflow: json });
      } catch (e) {
        if (!(e instanceof NotParametersError)) throw e;
      }
      return performance.now() - t0 < 200;
    }),
    { numRuns: Number(process.env.FC_RUNS ?? 300), seed: Number(process.env.FC_SEED ?? 14) },
  );
});

test('a ComfyUI PNG (prompt and workflow text chunks) and WebP (EXIF Model "prompt:…", Make "workflow:…") are read as ComfyUI', async () => {
  const png = pngWith(tEXt('prompt', JSON.stringify(apiGraph())), iTXtCompressed('workflow', workflowGraph()));
  const fromPng = await readParameters(bufferSource(png));
  assert.equal(fromPng.source, 'comfyui');
  assert.equal(fromPng.format, 'png');
  assert.deepEqual(fromPng.parameters, expected);
  assert.match(fromPng.text, /^beautiful scenery .*\nNegative prompt: text, watermark\nSteps: 20, Sampler: euler, CFG scale: 8, Seed: 156680208700286, Size: 512x768, Model: v1-5-pruned-emaonly.safetensors, Schedule type: normal$/);
  const plain = Buffer.from(await encodeImage({ width: 2, height: 1, rgb: new Uint8Array(6), parameters: 'x' }, 'webp'));
  const webp = webpWithExif(plain, exifAscii([[0x010f, `workflow:${workflowGraph()}`], [0x0110, `prompt:${JSON.stringify(apiGraph(5))}`]]), { width: 2, height: 1 });
  const fromWebp = await readParameters(bufferSource(webp));
  assert.deepEqual([fromWebp.source, fromWebp.format, fromWebp.parameters.seed, fromWebp.parameters.prompt], ['comfyui', 'webp', '5', POSITIVE], 'the API graph (Model) first');
});

test('a parameters text wins over a ComfyUI graph in the same file (tools that write both)', async () => {
  const png = pngWith(tEXt('parameters', 'a castle\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 512x512'), tEXt('prompt', JSON.stringify(apiGraph())));
  const r = await readParameters(bufferSource(png));
  assert.equal(r.source, 'parameters');
  assert.equal(r.parameters.prompt, 'a castle');
});
