// The ceiling: how many GFLOP/s one large matrix product reaches through our engine on this machine,
// at f32 and at the CPU's bf16. The product is the transformer's own dominant one (tokens × 1152 times
// 1152 × 4608, the MLP's up-projection), written as a two-node OpenVINO IR by hand — a Parameter
// times constant weights, as a Linear layer is — so nothing but the kernel is measured.
// Prints one JSON line: { m, k, n, results: [{ precision, medianMs, bestMs, gflops, bestGflops }] }.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createEngine } from '../src/engine';
import { median } from './report';

export interface CeilingResult {
  precision: 'f32' | 'bf16';
  medianMs: number;
  bestMs: number;
  /** From the median time: what a steady run achieves. */
  gflops: number;
  bestGflops: number;
}

/** The IR of y = x · Wᵀ with x: f32 [m,k] and W: f32 [n,k] (torch's Linear layout, transpose_b). */
export function matmulIr(m: number, k: number, n: number): string {
  const dims = (...d: number[]) => d.map((x) => `<dim>${x}</dim>`).join('');
  return `<?xml version="1.0"?>
<net name="ceiling_matmul" version="11">
  <layers>
    <layer id="0" name="x" type="Parameter" version="opset1">
      <data shape="${m},${k}" element_type="f32"/>
      <output><port id="0" precision="FP32" names="x">${dims(m, k)}</port></output>
    </layer>
    <layer id="1" name="w" type="Const" version="opset1">
      <data element_type="f32" shape="${n},${k}" offset="0" size="${n * k * 4}"/>
      <output><port id="0" precision="FP32">${dims(n, k)}</port></output>
    </layer>
    <layer id="2" name="y" type="MatMul" version="opset1">
      <data transpose_a="false" transpose_b="true"/>
      <input><port id="0" precision="FP32">${dims(m, k)}</port><port id="1" precision="FP32">${dims(n, k)}</port></input>
      <output><port id="2" precision="FP32" names="y">${dims(m, n)}</port></output>
    </layer>
    <layer id="3" name="y/result" type="Result" version="opset1">
      <input><port id="0" precision="FP32">${dims(m, n)}</port></input>
    </layer>
  </layers>
  <edges>
    <edge from-layer="0" from-port="0" to-layer="2" to-port="0"/>
    <edge from-layer="1" from-port="0" to-layer="2" to-port="1"/>
    <edge from-layer="2" from-port="2" to-layer="3" to-port="0"/>
  </edges>
</net>
`;
}

/** Deterministic values in [-0.5, 0.5): the kernel's speed does not depend on them, only no denormals. */
function filled(count: number, seed: number): Float32Array {
  const a = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

export async function measureCeiling(m: number, k: number, n: number, precisions: ('f32' | 'bf16')[], minMs = 1500): Promise<CeilingResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pixart-ceiling-'));
  const engine = await createEngine({ runtime: 'auto' });
  try {
    const xml = join(dir, 'matmul.xml');
    writeFileSync(xml, matmulIr(m, k, n));
    const w = filled(n * k, 1);
    writeFileSync(join(dir, 'matmul.bin'), new Uint8Array(w.buffer));
    const x = { type: 'f32' as const, shape: [m, k], data: filled(m * k, 2) };
    const flops = 2 * m * k * n;
    const results: CeilingResult[] = [];
    for (const precision of precisions) {
      const model = await engine.compileModel(xml, { precision });
      try {
        for (let i = 0; i < 3; i++) await model.infer({ x }); // warm-up: first calls allocate and pack
        const times: number[] = [];
        const start = performance.now();
        while (times.length < 5 || (performance.now() - start < minMs && times.length < 200)) {
          await model.infer({ x });
          times.push(model.lastInferMs);
        }
        const medianMs = median(times);
        const bestMs = Math.min(...times);
        results.push({ precision, medianMs, bestMs, gflops: flops / (medianMs * 1e6), bestGflops: flops / (bestMs * 1e6) });
      } finally {
        model.dispose();
      }
    }
    return results;
  } finally {
    engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const a: Record<string, string> = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) a[argv[i].replace(/^--/, '')] = argv[i + 1];
  const m = Number(a.m ?? 1024);
  const k = Number(a.k ?? 1152);
  const n = Number(a.n ?? 4608);
  const precisions = (a.precisions ?? 'f32,bf16').split(',') as ('f32' | 'bf16')[];
  measureCeiling(m, k, n, precisions, Number(a.ms ?? 1500))
    .then((results) => console.log(JSON.stringify({ m, k, n, results })))
    .catch((e) => {
      console.error(`ceiling failed: ${(e as Error).message}`);
      process.exit(1);
    });
}
