// The Python side of the tests: a venv with the converter's light requirements (no torch), the
// converter run on the fixtures, and the converted IR folder for tests that need one.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir, tinyModelDir } from './paths';

export const repoRoot = join(__dirname, '..', '..');
export const converterScript = join(repoRoot, 'models', 'convert.py');
export const inspectScript = join(repoRoot, 'models', 'tests', 'inspect_models.py');

let python: string | undefined;

/**
 * A Python with models/requirements-light.txt (openvino, transformers, tokenizers, sentencepiece,
 * protobuf): PIXART_CONVERTER_PYTHON when set, else .cache/python-venv, created on first use by
 * scripts/provision-python.mjs (~35 s once, ~0.1 s after).
 */
export function lightPython(): string {
  if (python) return python;
  if (process.env.PIXART_CONVERTER_PYTHON) return (python = process.env.PIXART_CONVERTER_PYTHON);
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'provision-python.mjs'),
    '--requirements', 'models/requirements-light.txt', '--venv', '.cache/python-venv'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error('provisioning the converter\'s Python failed (node scripts/provision-python.mjs); see its output above');
  return (python = r.stdout.trim().split('\n').pop()!);
}

export function runPython(args: string[], timeoutMs = 600_000): SpawnSyncReturns<string> {
  const r = spawnSync(lightPython(), args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return r;
}

/** Runs models/convert.py; throws with its output unless it exits 0. */
export function runConverter(args: string[]): SpawnSyncReturns<string> {
  const r = runPython([converterScript, ...args]);
  if (r.status !== 0) throw new Error(`convert.py ${args.join(' ')} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Runs models/tests/inspect_models.py and parses the JSON it prints. */
export function inspectModels<T>(args: string[]): T {
  const r = runPython([inspectScript, ...args]);
  if (r.status !== 0) throw new Error(`inspect_models.py ${args.join(' ')} exited with ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

let converted: string | undefined;

/**
 * The fixture model (test/fixtures/pixart-tiny, ONNX) converted to OpenVINO IR in fp32 by
 * models/convert.py --from-onnx, once per test process. Pipeline conformance tests can run on this
 * folder exactly as on the ONNX fixture: the IR is numerically the same model.
 */
export function convertedTinyModelDir(): string {
  if (converted) return converted;
  const out = join(mkdtempSync(join(tmpdir(), 'pixart-ir-')), 'pixart-tiny-ir');
  runConverter(['--from-onnx', tinyModelDir, '--out', out, '--weights', 'fp32']);
  return (converted = out);
}

const convertedBySize = new Map<string, string>();

/**
 * Like convertedTinyModelDir, with the fixtures' transformer exported for latents of h×w
 * (test/fixtures/transformer-static): the IR folder for a fixture case of that generated size.
 */
export function convertedModelDirForLatent(h: number, w: number): string {
  const key = `${h}x${w}`;
  if (key === '16x16') return convertedTinyModelDir();
  const cached = convertedBySize.get(key);
  if (cached) return cached;
  const work = mkdtempSync(join(tmpdir(), `pixart-ir-${key}-`));
  const src = join(work, 'onnx');
  mkdirSync(join(src, 'transformer'), { recursive: true });
  for (const entry of readdirSync(tinyModelDir)) {
    if (entry !== 'transformer') symlinkSync(join(tinyModelDir, entry), join(src, entry));
  }
  symlinkSync(join(tinyModelDir, 'transformer', 'config.json'), join(src, 'transformer', 'config.json'));
  symlinkSync(join(fixturesDir, 'transformer-static', `transformer_${key}.onnx`), join(src, 'transformer', 'model.onnx'));
  const out = join(work, 'ir');
  runConverter(['--from-onnx', src, '--out', out, '--weights', 'fp32']);
  convertedBySize.set(key, out);
  return out;
}
