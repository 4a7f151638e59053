// Builds platform VSIXes with `node scripts/package.mjs --target T` and opens them: every native
// file is of the target's format and architecture, the OpenVINO subset is complete by its own
// dependency tables and loads its plugins by the wheel's names, only the target's koffi and sharp
// binaries are inside, and nothing that is not shipped (tests, sources, bench results) is.
// PIXART_PACKAGE_TARGETS=a,b picks the targets (default: every target with a wheel).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseNative, sniffFormat } from '../../scripts/lib/native-format.mjs';
import { checkNeeds } from '../../scripts/lib/openvino-subset.mjs';
import { findCLibrary } from '../../src/engine/locate-runtime';
import { readEntries, repoRoot, wheels, type WheelSpec } from './support';

const targets = (process.env.PIXART_PACKAGE_TARGETS ?? Object.keys(wheels.targets).join(',')).split(',').filter(Boolean);
const untested = Object.keys(wheels.targets).filter((t) => !targets.includes(t));
if (untested.length) console.log(`NOTE: VSIXes NOT built or checked here: ${untested.join(', ')} (set PIXART_PACKAGE_TARGETS to include them)`);

const outDir = mkdtempSync(join(tmpdir(), 'pixart-vsix-'));
after(() => rmSync(outDir, { recursive: true, force: true }));

const built = new Map<string, string>();
/** The VSIX of `target`, built once per run. */
function vsixOf(target: string): string {
  if (built.has(target)) return built.get(target)!;
  const out = join(outDir, `${target}.vsix`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'package.mjs'), '--target', target, '--out', out], { encoding: 'utf8', cwd: repoRoot });
  assert.equal(r.status, 0, `packaging ${target} failed:\n${r.stderr.slice(-4000)}`);
  console.log(`${r.stdout.trim()} [built by the test in ${((Date.now() - t0) / 1000).toFixed(1)} s]`);
  built.set(target, out);
  return out;
}

/** 2026.4.1 -> 2641, the suffix of the wheel's library names. */
const soVersion = wheels.version.replace(/^20(\d\d)\.(\d+)\.(\d+).*$/, '$1$2$3');

/** The names the wheel gives the core, the C API, the frontends and TBB on each OS. */
function expectedLibs(spec: WheelSpec): string[] {
  const cpu = spec.cpu === 'x64' ? 'intel_cpu' : 'arm_cpu';
  const plugins = [cpu, 'auto', 'auto_batch', 'hetero'];
  if (spec.os === 'win32') {
    return ['openvino.dll', 'openvino_c.dll', 'openvino_ir_frontend.dll', 'openvino_onnx_frontend.dll', 'tbb12.dll', ...plugins.map((p) => `openvino_${p}_plugin.dll`)];
  }
  if (spec.os === 'darwin') {
    return [`libopenvino.${soVersion}.dylib`, `libopenvino_c.${soVersion}.dylib`, `libopenvino_ir_frontend.${soVersion}.dylib`, `libopenvino_onnx_frontend.${soVersion}.dylib`, 'libtbb.12.dylib', ...plugins.map((p) => `libopenvino_${p}_plugin.so`)];
  }
  return [`libopenvino.so.${soVersion}`, `libopenvino_c.so.${soVersion}`, `libopenvino_ir_frontend.so.${soVersion}`, `libopenvino_onnx_frontend.so.${soVersion}`, 'libtbb.so.12', 'libhwloc.so.15', ...plugins.map((p) => `libopenvino_${p}_plugin.so`)];
}

// Top-level entries of extension/ a VSIX may have; anything else (tests, sources, bench results…) is a leak.
const ALLOWED_TOP = new Set(['package.json', 'readme.md', 'changelog.md', 'LICENSE.txt', 'dist', 'docs', 'media', 'models', 'openvino', 'node_modules']);
const FORBIDDEN = [/\.map$/, /(^|\/)__pycache__\//, /^models\/tests\//, /\.vsix$/, /^node_modules\/(@huggingface|openvino-node|esbuild|typescript)\//, /^node_modules\/sharp\/src\//];

type Entries = Map<string, Buffer>;
type Natives = Map<string, ReturnType<typeof parseNative>>;

/** Only what ships: no tests, sources, maps or bench results, and the files a user needs. */
function checkFileList(target: string, names: string[]): void {
  for (const n of names) {
    assert.ok(ALLOWED_TOP.has(n.split('/')[0]), `${target}: ${n} should not be in the VSIX`);
    for (const f of FORBIDDEN) assert.doesNotMatch(n, f, `${target}: ${n} should not be in the VSIX`);
  }
  for (const n of ['package.json', 'readme.md', 'changelog.md', 'LICENSE.txt', 'dist/extension.js', 'dist/worker.js', 'dist/cli.js', 'dist/webview.js', 'dist/webview.css', 'dist/codicon.ttf', 'media/icon.png', 'docs/model-folders.md', 'models/convert.py']) {
    assert.ok(names.includes(n), `${target}: ${n} missing`);
  }
}

/** Every native file, checked to be of the target's format and architecture (koffi's and sharp's included). */
function nativesOf(entries: Entries, spec: WheelSpec): Natives {
  const natives: Natives = new Map();
  for (const [name, bytes] of entries) {
    if (!sniffFormat(bytes)) continue;
    const info = parseNative(bytes);
    const arches = info.arches ?? [info.arch];
    assert.equal(info.format, spec.binary.format, `${name}: ${info.format}, expected ${spec.binary.format}`);
    assert.deepEqual([...new Set(arches)], [spec.binary.arch], `${name}: ${arches}, expected ${spec.binary.arch}`);
    natives.set(name.slice('extension/'.length), info);
  }
  assert.ok([...natives.keys()].some((n) => n.startsWith('node_modules/@koromix/')), 'koffi has no native file');
  assert.ok([...natives.keys()].some((n) => n.startsWith('node_modules/@img/')), 'sharp has no native file');
  return natives;
}

/** Only this platform's per-platform packages of koffi and sharp. */
function checkPlatformPackages(target: string, spec: WheelSpec, names: string[]): void {
  const platform = `${spec.os}-${spec.cpu}`;
  const scoped = new Set(names.filter((n) => /^node_modules\/@(koromix|img)\/[^/]+\//.test(n)).map((n) => n.split('/').slice(1, 3).join('/')));
  const expected = [`@koromix/koffi-${platform}`, `@img/sharp-${platform}`, ...(spec.os === 'win32' ? [] : [`@img/sharp-libvips-${platform}`]), '@img/colour'];
  assert.deepEqual([...scoped].sort(), expected.sort(), `${target}: per-platform packages`);
}

/** The wheel's names, flat in openvino/libs/; every needed library bundled or the OS's; every plugin the core names present. */
function checkRuntimeLayout(target: string, spec: WheelSpec, entries: Entries, natives: Natives): void {
  const libs = new Map([...natives].filter(([n]) => n.startsWith('openvino/libs/')).map(([n, i]) => [n.slice('openvino/libs/'.length), i]));
  for (const lib of expectedLibs(spec)) assert.ok(libs.has(lib), `${target}: openvino/libs/${lib} missing`);
  const { problems, system } = checkNeeds(libs, spec.os);
  assert.deepEqual(problems, [], `${target}: ${problems.join('\n')}`);
  console.log(`${target}: from the system: ${[...new Set(Object.values(system))].join('; ')}`);

  // The core names its plugins itself and loads them from its own folder.
  const core = expectedLibs(spec)[0];
  const named = new Set([...entries.get(`extension/openvino/libs/${core}`)!.toString('latin1').matchAll(/(?:lib)?openvino_[a-z_]+_plugin\.(?:so|dll)/g)].map((m) => m[0]));
  assert.ok(named.size >= 4, `${core} names ${[...named]}`);
  for (const p of named) assert.ok(libs.has(p), `${target}: ${core} loads ${p}, which is not in openvino/libs/`);
  if (named.has(spec.os === 'win32' ? 'openvino_intel_gpu_plugin.dll' : 'libopenvino_intel_gpu_plugin.so')) {
    assert.ok(entries.has('extension/openvino/libs/cache.json'), `${target}: the GPU plugin's cache.json is missing`);
  }

  // The extension's own lookup (locate-runtime) finds the C library in the extension's openvino/.
  const probe = mkdtempSync(join(tmpdir(), 'pixart-probe-'));
  try {
    mkdirSync(join(probe, 'openvino', 'libs'), { recursive: true });
    for (const n of libs.keys()) writeFileSync(join(probe, 'openvino', 'libs', n), '');
    assert.equal(findCLibrary(join(probe, 'openvino'))?.split(/[\\/]/).pop(), expectedLibs(spec)[1]);
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** openvino/manifest.json lists exactly what is inside, and why the rest is not. */
function checkManifest(target: string, spec: WheelSpec, entries: Entries, names: string[]): void {
  const manifest = JSON.parse(entries.get('extension/openvino/manifest.json')!.toString('utf8'));
  assert.deepEqual([manifest.version, manifest.target, manifest.wheel, manifest.sha256], [wheels.version, target, spec.wheel, spec.sha256]);
  const inside = names.filter((n) => n.startsWith('openvino/') && n !== 'openvino/manifest.json').map((n) => n.slice('openvino/'.length)).sort();
  assert.deepEqual(manifest.files.map((f: { path: string }) => f.path).sort(), inside);
  for (const f of manifest.files) assert.equal(entries.get(`extension/openvino/${f.path}`)!.length, f.size, f.path);
  assert.ok(names.includes('openvino/licenses/LICENSE'), "the wheel's license is missing");
  assert.ok(manifest.leftOut.length > 0 && manifest.leftOut.every((l: { reason?: string }) => l.reason), 'every left-out file has a reason');
}

for (const target of targets) {
  const spec = wheels.targets[target];
  test(`${target} VSIX: native files, the OpenVINO subset and what ships`, { timeout: 600_000 }, async () => {
    assert.ok(spec, `no wheel for target ${target} in scripts/openvino-wheels.json`);
    const entries = await readEntries(vsixOf(target), (n) => n.startsWith('extension/'));
    const names = [...entries.keys()].map((n) => n.slice('extension/'.length));
    checkFileList(target, names);
    const natives = nativesOf(entries, spec);
    checkPlatformPackages(target, spec, names);
    checkRuntimeLayout(target, spec, entries, natives);
    checkManifest(target, spec, entries, names);
  });
}

// A tiny IR (ReLU(x) + c, c read from the .bin) to prove the IR frontend and weight loading.
const IR = `<?xml version="1.0"?>
<net name="relu_add" version="11">
  <layers>
    <layer id="0" name="x" type="Parameter" version="opset1">
      <data shape="1,4" element_type="f32"/>
      <output><port id="0" precision="FP32" names="x"><dim>1</dim><dim>4</dim></port></output>
    </layer>
    <layer id="1" name="c" type="Const" version="opset1">
      <data element_type="f32" shape="1,4" offset="0" size="16"/>
      <output><port id="0" precision="FP32"><dim>1</dim><dim>4</dim></port></output>
    </layer>
    <layer id="2" name="relu" type="ReLU" version="opset1">
      <input><port id="0" precision="FP32"><dim>1</dim><dim>4</dim></port></input>
      <output><port id="1" precision="FP32"><dim>1</dim><dim>4</dim></port></output>
    </layer>
    <layer id="3" name="add" type="Add" version="opset1">
      <input><port id="0" precision="FP32"><dim>1</dim><dim>4</dim></port><port id="1" precision="FP32"><dim>1</dim><dim>4</dim></port></input>
      <output><port id="2" precision="FP32" names="y"><dim>1</dim><dim>4</dim></port></output>
    </layer>
    <layer id="4" name="y" type="Result" version="opset1">
      <input><port id="0" precision="FP32"><dim>1</dim><dim>4</dim></port></input>
    </layer>
  </layers>
  <edges>
    <edge from-layer="0" from-port="0" to-layer="2" to-port="0"/>
    <edge from-layer="2" from-port="1" to-layer="3" to-port="0"/>
    <edge from-layer="1" from-port="0" to-layer="3" to-port="1"/>
    <edge from-layer="3" from-port="2" to-layer="4" to-port="0"/>
  </edges>
</net>
`;

test('linux-x64 VSIX: its bundled OpenVINO alone lists CPU and runs an ONNX and an IR model', { skip: !(process.platform === 'linux' && process.arch === 'x64') && 'runs only on linux-x64', timeout: 600_000 }, async () => {
  assert.ok(targets.includes('linux-x64'), 'PIXART_PACKAGE_TARGETS must include linux-x64 on this machine');
  const dir = mkdtempSync(join(tmpdir(), 'pixart-bundled-'));
  try {
    const files = await readEntries(vsixOf('linux-x64'), (n) => n.startsWith('extension/openvino/'));
    for (const [name, bytes] of files) {
      const to = join(dir, name.slice('extension/'.length));
      mkdirSync(join(to, '..'), { recursive: true });
      writeFileSync(to, bytes);
    }
    const { OpenVinoCEngine } = await import('../../src/engine/openvino-c');
    const engine = new OpenVinoCEngine(join(dir, 'openvino', 'libs', `libopenvino_c.so.${soVersion}`));
    try {
      const devices = engine.availableDevices();
      console.log(`bundled OpenVINO ${engine.version}: devices ${devices.join(', ')}`);
      assert.ok(devices.includes('CPU'), `devices: ${devices}`);

      const onnx = join(repoRoot, 'test', 'fixtures', 'pixart-tiny', 'vae_decoder', 'model.onnx');
      const vae = await engine.compileModel(onnx, { device: 'CPU' });
      const inputs = Object.fromEntries(vae.inputs.map((p) => {
        const shape = p.shape.map((d, i) => (d > 0 ? d : i === 0 ? 1 : 8));
        const n = shape.reduce((a, b) => a * b, 1);
        return [p.name, { type: 'f32' as const, shape, data: new Float32Array(n).map((_, i) => Math.sin(i)) }];
      }));
      const out = Object.values(await vae.infer(inputs))[0];
      assert.ok(out.data.length > 0 && [...(out.data as Float32Array)].every(Number.isFinite), 'VAE output');
      vae.dispose();

      writeFileSync(join(dir, 'relu_add.xml'), IR);
      writeFileSync(join(dir, 'relu_add.bin'), Buffer.from(new Float32Array([0.5, 0.5, 0.5, 0.5]).buffer));
      const ir = await engine.compileModel(join(dir, 'relu_add.xml'), { device: 'CPU' });
      const y = await ir.infer({ x: { type: 'f32', shape: [1, 4], data: new Float32Array([-1, 2, -3, 4]) } });
      assert.deepEqual([...(y.y.data as Float32Array)], [0.5, 2.5, 0.5, 4.5]);
      ir.dispose();

      // Everything OpenVINO loaded came from the extracted VSIX, none from another install.
      const maps = (await import('node:fs')).readFileSync('/proc/self/maps', 'utf8');
      const loaded = [...new Set([...maps.matchAll(/\s(\/\S*(?:openvino|tbb)\S*)$/gm)].map((m) => m[1]))];
      assert.ok(loaded.some((p) => p.endsWith('libopenvino_intel_cpu_plugin.so')), `loaded: ${loaded}`);
      assert.ok(loaded.some((p) => p.endsWith(`libopenvino_onnx_frontend.so.${soVersion}`)) && loaded.some((p) => p.endsWith(`libopenvino_ir_frontend.so.${soVersion}`)), `loaded: ${loaded}`);
      for (const p of loaded.filter((x) => /\.so/.test(x))) assert.ok(p.startsWith(dir), `${p} was loaded from outside the VSIX`);
    } finally {
      engine.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('linux-x64 VSIX: its CLI (extension/dist/cli.js) generates through the bundled OpenVINO, with no other runtime around', { skip: !(process.platform === 'linux' && process.arch === 'x64') && 'runs only on linux-x64', timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixart-installed-'));
  try {
    for (const [name, bytes] of await readEntries(vsixOf('linux-x64'), (n) => n.startsWith('extension/'))) {
      const to = join(dir, name);
      mkdirSync(join(to, '..'), { recursive: true });
      writeFileSync(to, bytes);
    }
    const out = join(dir, 'cactus.png');
    const { PIXART_OPENVINO_LIB: _lib, ...rest } = process.env;
    const env = { ...rest, PIXART_PYTHON: join(dir, 'no-python-here') };
    const model = join(repoRoot, 'test', 'fixtures', 'pixart-tiny');
    const r = spawnSync(process.execPath, [join(dir, 'extension', 'dist', 'cli.js'), 'generate', '--model', model, '--prompt', 'a small cactus', '--seed', '3', '--steps', '2', '--out', out], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as { files: string[]; engine: string };
    assert.match(report.engine, /^openvino-c 2026\.4\.1.* \(bundled\)$/);
    assert.deepEqual(report.files, [out]);
    const { readPngText } = await import('../../src/image/png');
    const { readFileSync } = await import('node:fs');
    assert.match(readPngText(readFileSync(out)).parameters, /^a small cactus\nSteps: 2, .*Seed: 3, /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
