// models/convert.py on the fixtures, with the light Python requirements only (no torch): the ONNX
// → IR path gives the model folder of DESIGN.md with a verifiable manifest and IR that is the same
// model as the ONNX, and a tokenizer folder holding only spiece.model gets a tokenizer.json whose
// ids equal the fixtures' (checked with Python's tokenizers and with @huggingface/tokenizers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { T5Tokenizer } from '../../src/pipeline/tokenizer';
import { fixturesDir, tinyModelDir } from '../support/paths';
import { convertedModelDirForLatent, convertedTinyModelDir, inspectModels, runPython, converterScript, runConverter } from '../support/python';
import { PixArtPipeline } from '../../src/pipeline/pipeline';
import { caseFile, listCases } from '../support/cases';
import { readNpy, readNpyF32 } from '../support/npy';
import { fitTokens, runLength, tokenAxis, tokensUsed } from '../../src/pipeline/token-axis';
import { engineUnderTest } from '../support/engines';

const COMPONENTS = ['text_encoder', 'transformer', 'vae_decoder'] as const;
const TOKEN_AXIS_PORTS = ['input_ids', 'attention_mask', 'last_hidden_state', 'encoder_hidden_states', 'encoder_attention_mask'];

interface Port { names: string[]; type: string; shape: number[] }
interface ModelIo { inputs: Port[]; outputs: Port[] }
interface TokenizerCase { text: string; input_ids: number[]; attention_mask: number[]; untruncated_ids: number[] }

const tokenizerCases: TokenizerCase[] = JSON.parse(readFileSync(join(fixturesDir, 'tokenizer_cases.json'), 'utf8')).cases;

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

test('--from-onnx writes the model folder of DESIGN.md, with a manifest whose hashes verify', () => {
  const dir = convertedTinyModelDir();
  const expected = ['model_index.json', 'scheduler/scheduler_config.json', 'tokenizer/tokenizer.json',
    'tokenizer/tokenizer_config.json', 'pixart-manifest.json',
    ...COMPONENTS.flatMap((c) => [`${c}/openvino_model.xml`, `${c}/openvino_model.bin`, `${c}/config.json`])];
  for (const rel of expected) assert.ok(existsSync(join(dir, rel)), `${rel} is missing`);

  const manifest = JSON.parse(readFileSync(join(dir, 'pixart-manifest.json'), 'utf8'));
  assert.equal(manifest.format, 'pixart-studio-model');
  assert.equal(manifest.source.kind, 'onnx');
  assert.match(manifest.converter.version, /^\d+\.\d+\.\d+$/);
  assert.match(manifest.converter.openvino, /^2026\.4\.1/);
  // The fixture's transformer is exported for 16×16 latents: the IR runs 128×128 pixels only.
  assert.deepEqual(manifest.transformer_sizes, [{ height: 128, width: 128 }]);
  for (const c of COMPONENTS) {
    assert.equal(manifest.components[c].precision, 'fp32');
    assert.equal(manifest.components[c].file, `${c}/openvino_model.xml`);
  }
  const files = manifest.files as Record<string, { sha256: string; bytes: number }>;
  for (const rel of expected.filter((r) => r !== 'pixart-manifest.json')) assert.ok(files[rel], `manifest lacks ${rel}`);
  for (const [rel, meta] of Object.entries(files)) {
    assert.equal(statSync(join(dir, rel)).size, meta.bytes, `${rel}: size`);
    assert.equal(sha256(join(dir, rel)), meta.sha256, `${rel}: sha256`);
  }
  // configs and scheduler are copied byte for byte (diffusers' JSON may hold -Infinity)
  for (const rel of ['model_index.json', 'scheduler/scheduler_config.json', ...COMPONENTS.map((c) => `${c}/config.json`)]) {
    assert.equal(sha256(join(dir, rel)), sha256(join(tinyModelDir, rel)), rel);
  }
});

test('the IR has the inputs and outputs of the ONNX models (names, element types, shapes) and computes the same', () => {
  const dir = convertedTinyModelDir();
  const files = COMPONENTS.flatMap((c) => [join(tinyModelDir, c, 'model.onnx'), join(dir, c, 'openvino_model.xml')]);
  const io = inspectModels<Record<string, ModelIo>>(['io', ...files]);
  for (const c of COMPONENTS) {
    const onnx = io[join(tinyModelDir, c, 'model.onnx')];
    const ir = io[join(dir, c, 'openvino_model.xml')];
    for (const kind of ['inputs', 'outputs'] as const) {
      assert.equal(ir[kind].length, onnx[kind].length, `${c} ${kind}: count`);
      ir[kind].forEach((port, i) => {
        const want = onnx[kind][i];
        // OpenVINO may give an ONNX port extra internal names; the IR keeps only the notebook's one.
        assert.equal(port.names.length, 1, `${c} ${kind}[${i}] names ${port.names}`);
        assert.ok(want.names.includes(port.names[0]), `${c} ${kind}[${i}]: ${port.names[0]} not in ${want.names}`);
        assert.equal(port.type, want.type, `${c} ${port.names[0]}: element type`);
        // The one change: the converter frees the token axis (120 in the ONNX) of T5 and the transformer's text inputs.
        const shape = TOKEN_AXIS_PORTS.includes(port.names[0]) ? want.shape.map((d, axis) => (axis === 1 ? -1 : d)) : want.shape;
        assert.deepEqual(port.shape, shape, `${c} ${port.names[0]}: shape`);
      });
    }
    const names = (ports: Port[]) => ports.map((p) => p.names[0]);
    if (c === 'text_encoder') {
      assert.deepEqual(names(ir.inputs), ['input_ids', 'attention_mask']);
      assert.deepEqual(names(ir.outputs), ['last_hidden_state']);
    } else if (c === 'transformer') {
      assert.deepEqual(names(ir.inputs), ['hidden_states', 'timestep', 'encoder_hidden_states', 'encoder_attention_mask', 'resolution', 'aspect_ratio']);
      assert.deepEqual(ir.inputs.map((p) => p.type), ['f32', 'i64', 'f32', 'f32', 'f32', 'f32']);
      assert.deepEqual(names(ir.outputs), ['sample']);
    } else {
      assert.deepEqual(names(ir.inputs), ['latents']);
      assert.deepEqual(names(ir.outputs), ['sample']);
    }
    const cmp = inspectModels<{ max_rel_diff: number }>(['compare', join(dir, c, 'openvino_model.xml'), join(tinyModelDir, c, 'model.onnx')]);
    assert.ok(cmp.max_rel_diff < 1e-6, `${c}: IR and ONNX differ by ${cmp.max_rel_diff} (relative)`);
  }
});

test('T5 from the converted IR, run on only the tokens a prompt uses, gives the fixtures\' embeddings at those tokens', async () => {
  const engine = engineUnderTest();
  try {
    const t5 = await engine.compileModel(join(convertedTinyModelDir(), 'text_encoder', 'openvino_model.xml'), { precision: 'f32' });
    try {
      assert.equal(tokenAxis(t5, 'input_ids'), -1);
      for (const c of listCases()) {
        const ids = readNpy(caseFile(c, 'text_encoder_0_input_ids.npy'));
        const mask = readNpy(caseFile(c, 'text_encoder_0_attention_mask.npy'));
        const want = readNpyF32(caseFile(c, 'text_encoder_0_last_hidden_state.npy'));
        const full = { type: 'i64' as const, shape: ids.shape, data: ids.data as BigInt64Array };
        const fullMask = { type: 'i64' as const, shape: mask.shape, data: mask.data as BigInt64Array };
        const used = tokensUsed(fullMask);
        const length = runLength(-1, used, 120);
        const out = await t5.infer({ input_ids: fitTokens(full, length), attention_mask: fitTokens(fullMask, length) });
        const got = out.last_hidden_state;
        assert.deepEqual(got.shape, [ids.shape[0], length, want.shape[2]]);
        let err = 0;
        let scale = 0;
        const [rows, , ch] = want.shape;
        for (let r = 0; r < rows; r++) {
          for (let i = 0; i < 120; i++) {
            if (Number(fullMask.data[r * 120 + i]) === 0) continue; // padding: masked out downstream
            for (let k = 0; k < ch; k++) {
              const w = want.data[(r * 120 + i) * ch + k];
              err = Math.max(err, Math.abs((got.data as Float32Array)[(r * length + i) * ch + k] - w));
              scale = Math.max(scale, Math.abs(w));
            }
          }
        }
        assert.ok(length < 120 || used > 112, `${c.name}: ran ${length} tokens for ${used} used`);
        assert.ok(err / scale <= 1e-5, `${c.name}: embeddings differ by ${err / scale} (relative) at ${length} tokens`);
      }
    } finally {
      t5.dispose();
    }
  } finally {
    engine.dispose();
  }
});

test('a tokenizer folder with only spiece.model gets a tokenizer.json with the fixtures\' ids', () => {
  const work = mkdtempSync(join(tmpdir(), 'pixart-spiece-'));
  try {
    const src = join(work, 'pixart-tiny');
    cpSync(tinyModelDir, src, { recursive: true });
    rmSync(join(src, 'tokenizer', 'tokenizer.json'));
    rmSync(join(src, 'tokenizer', 'tokenizer_config.json'));
    const out = join(work, 'ir');
    runConverter(['--from-onnx', src, '--out', out]);
    const tokenizerDir = join(out, 'tokenizer');

    const pyIds = inspectModels<number[][]>(['tokenize', join(tokenizerDir, 'tokenizer.json'), join(fixturesDir, 'tokenizer_cases.json')]);
    const js = new Tokenizer(JSON.parse(readFileSync(join(tokenizerDir, 'tokenizer.json'), 'utf8')),
      JSON.parse(readFileSync(join(tokenizerDir, 'tokenizer_config.json'), 'utf8')));
    tokenizerCases.forEach((c, i) => {
      assert.deepEqual(pyIds[i], c.untruncated_ids, `python tokenizers: ${JSON.stringify(c.text)}`);
      assert.deepEqual(js.encode(c.text, { add_special_tokens: true }).ids, c.untruncated_ids, `@huggingface/tokenizers: ${JSON.stringify(c.text)}`);
    });

    // …and the pipeline's tokenizer reads the folder and pads/truncates to 120 as diffusers does.
    const t5 = T5Tokenizer.fromFolder(tokenizerDir);
    const batch = t5.batch(tokenizerCases.map((c) => c.text));
    tokenizerCases.forEach((c, i) => {
      const row = (a: BigInt64Array) => Array.from(a.subarray(i * 120, (i + 1) * 120), Number);
      assert.deepEqual(row(batch.inputIds), c.input_ids, `input_ids: ${JSON.stringify(c.text)}`);
      assert.deepEqual(row(batch.attentionMask), c.attention_mask, `attention_mask: ${JSON.stringify(c.text)}`);
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('the converter refuses a non-empty --out without --force, and unknown model ids, with the fix', () => {
  const dir = convertedTinyModelDir();
  const again = runPython([converterScript, '--from-onnx', tinyModelDir, '--out', dir]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /is not empty/);
  assert.match(again.stderr, /--force/);

  const unknown = runPython([converterScript, '--model-id', 'PixArt-alpha/No-Such-Model', '--out', join(tmpdir(), 'unused-pixart-out')]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown model id/);
  assert.match(unknown.stderr, /PixArt-alpha\/PixArt-LCM-XL-2-1024-MS/);
});

test('the pipeline reproduces every fixture case from the converted IR (as it does from the ONNX)', async (t) => {
  const engine = engineUnderTest();
  try {
    for (const c of listCases()) {
      await t.test(c.name, async () => {
        const dir = convertedModelDirForLatent(c.generated_height / 8, c.generated_width / 8);
        const pipeline = await PixArtPipeline.load(dir, engine, { precision: 'f32', schedulerConfigFile: caseFile(c, 'scheduler_config.json') });
        try {
          let lastLatents = new Float32Array(0);
          const result = await pipeline.generate({
            prompt: c.prompt, negativePrompt: c.negative_prompt, seed: c.seed, steps: c.num_inference_steps,
            guidanceScale: c.guidance_scale, width: c.width, height: c.height,
            resolutionBinning: c.use_resolution_binning, imagesPerPrompt: c.num_images_per_prompt,
          }, { onStep: (s) => { lastLatents = s.latents.slice(); } });
          const want = readNpyF32(caseFile(c, `latents_after_step_${c.num_inference_steps - 1}.npy`)).data;
          let err = 0;
          let scale = 0;
          want.forEach((v, i) => { err = Math.max(err, Math.abs(lastLatents[i] - v)); scale = Math.max(scale, Math.abs(v)); });
          assert.ok(err / scale <= 1e-3, `${c.name}: final latents differ by ${err / scale} (relative)`);

          const image = readNpyF32(caseFile(c, 'image.npy'));  // NHWC in [0, 1]
          const per = image.data.length / result.images.length;
          let off = 0;
          let worst = 0;
          result.images.forEach((img, n) => img.rgb.forEach((v, k) => {
            const d = Math.abs(v - Math.round(image.data[n * per + k] * 255));
            if (d > 1) off++;
            worst = Math.max(worst, d);
          }));
          assert.ok(off / image.data.length <= 1e-3 && worst <= 2, `${c.name}: ${off} values off by more than 1 (max ${worst})`);
        } finally {
          pipeline.dispose();
        }
      });
    }
  } finally {
    engine.dispose();
  }
});
