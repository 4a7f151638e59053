// `node --import tsx bench/built-vs-reference.ts --model BUILT --reference CKPT/reference [--torch-ir DIR]`:
// the real-size check of `pixart build-model`. Runs each built network on the inputs
// bench/random-checkpoint.py saved and prints its max relative error against torch's outputs, and,
// with --torch-ir (a model the Python converter made from the same weights), against that IR too.
// Compiled at f32 with dynamic quantization off, so the figures are the graph's, not the runtime's.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OpenVinoCEngine } from '../src/engine/openvino-c';
import { locateOpenVinoC } from '../src/engine/locate-runtime';
import type { Tensor } from '../src/engine/types';
import { readNpy } from '../test/support/npy';
import { maxRelError } from '../test/support/compare';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
};

const PORTS: Record<string, { folder: string; inputs: Record<string, string>; output: string }> = {
  vae: { folder: 'vae_decoder', inputs: { latents: 'latents' }, output: 'sample' },
  transformer: {
    folder: 'transformer',
    inputs: { hidden_states: 'hidden_states', timestep: 'timestep', encoder_hidden_states: 'encoder_hidden_states', encoder_attention_mask: 'encoder_attention_mask', resolution: 'resolution', aspect_ratio: 'aspect_ratio' },
    output: 'sample',
  },
  text_encoder: { folder: 'text_encoder', inputs: { input_ids: 'input_ids', attention_mask: 'attention_mask' }, output: 'last_hidden_state' },
};

function tensorFrom(file: string, type: 'f32' | 'i64'): Tensor {
  const a = readNpy(file);
  if (type === 'i64') return { type, shape: a.shape, data: a.data instanceof BigInt64Array ? a.data : BigInt64Array.from(a.data as ArrayLike<number>, (v) => BigInt(Math.round(v))) };
  return { type, shape: a.shape, data: a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as ArrayLike<number>) };
}

async function main(): Promise<void> {
  const model = arg('model');
  const reference = arg('reference');
  const torchIr = arg('torch-ir');
  if (!model || !reference) throw new Error('usage: --model BUILT --reference CKPT/reference [--torch-ir DIR] [--only vae,transformer,text_encoder]');
  const only = (arg('only') ?? 'vae,transformer,text_encoder').split(',');
  const engine = new OpenVinoCEngine(process.env.PIXART_OPENVINO_LIB || locateOpenVinoC({ searchFrom: [join(__dirname, '..')] }).libraryPath);
  for (const name of only) {
    const p = PORTS[name];
    const inputs: Record<string, Tensor> = {};
    for (const [port, file] of Object.entries(p.inputs)) {
      const path = join(reference, `${name}_${file}.npy`);
      if (existsSync(path)) inputs[port] = tensorFrom(path, port.endsWith('ids') || port === 'attention_mask' || port === 'timestep' ? 'i64' : 'f32');
    }
    const expected = readNpy(join(reference, `${name}_output.npy`)).data as ArrayLike<number>;
    const run = async (xml: string) => {
      const m = await engine.compileModel(xml, { precision: 'f32', dynamicQuantization: false });
      try {
        const t0 = performance.now();
        const out = (await m.infer(inputs))[p.output].data as Float32Array;
        return { out, ms: performance.now() - t0 };
      } finally {
        m.dispose();
      }
    };
    const built = await run(join(model, p.folder, 'openvino_model.xml'));
    let line = `${name}: built vs torch ${maxRelError(built.out, expected).toExponential(2)} (${(built.ms / 1000).toFixed(1)} s)`;
    const irXml = torchIr && join(torchIr, p.folder, 'openvino_model.xml');
    if (irXml && existsSync(irXml)) {
      const ir = await run(irXml);
      line += `; torch IR vs torch ${maxRelError(ir.out, expected).toExponential(2)}; built vs torch IR ${maxRelError(built.out, ir.out).toExponential(2)}`;
    }
    console.log(line);
  }
  engine.dispose();
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
