// Which files of an openvino wheel a platform VSIX carries, and why the others stay out. The kept
// files keep the wheel's names and its flat openvino/libs/ layout: libopenvino loads its plugins by
// file name from its own folder and finds frontends by scanning it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseNative, sniffFormat } from './native-format.mjs';
import { walkZip } from './zip.mjs';

const LIBS = 'openvino/libs/';

// Rules over the file names in openvino/libs/, first match wins. A file no rule names fails the build:
// a new wheel's new files need a decision.
const RULES = [
  { test: /\.lib$/, reason: 'import library: only for linking C++ programs against OpenVINO' },
  { test: /^tbb\.pc$/, reason: 'pkg-config file: build time only' },
  { test: /tbbmalloc_proxy/, reason: 'replaces malloc process-wide when loaded; nothing bundled links it' },
  { test: /_(paddle|pytorch|tensorflow|tensorflow_lite|jax|gguf)_frontend/, reason: 'reads a model format PixArt Studio never loads (it reads OpenVINO IR and ONNX)' },
  {
    test: /openvino_intel_npu_compiler(_loader)?\.dll$/,
    reason: 'Compiler-in-Plugin (100 MB): a preview in OpenVINO 2026; the NPU plugin compiles with the compiler in the NPU driver by default (NPU_COMPILER_TYPE=DRIVER) and loads this only when told to. The Linux wheels do not ship it either',
  },
  { test: /openvino_intel_npu_vm_runtime\.dll$/, reason: 'host VM runtime the NPU plugin loads only for bytecode blobs, which it refuses unless NPU_ALLOW_BYTECODE is set (default off)' },
  {
    test: /^lib(tbbbind|hwloc)[^/]*\.dylib$/,
    os: 'darwin',
    reason: 'libtbbbind links /usr/local/lib/libhwloc.15.dylib by absolute path, so it cannot load from the wheel either; TBB runs without it (no NUMA/hybrid-core binding on macOS)',
  },
  { test: /^(lib)?openvino(\.\d+)*\.(so|dylib|dll)(\.\d+)*$/, keep: 'core' },
  { test: /^(lib)?openvino_c(\.\d+)*\.(so|dylib|dll)(\.\d+)*$/, keep: 'C API' },
  { test: /_(intel_cpu|arm_cpu|intel_gpu|intel_npu|auto|auto_batch|hetero)_plugin\.(so|dll)$/, keep: 'device plugin' },
  { test: /_(ir|onnx)_frontend/, keep: 'frontend' },
  { test: /^(lib)?(tbb(12)?|tbbbind_2_5|tbbmalloc|hwloc)[.\d]*\.(so|dylib|dll)(\.\d+)*$/, keep: 'TBB / hwloc' },
  // The GPU plugin reads its kernel-selection tuning table (best kernel per primitive and shape) from cache.json next to it.
  { test: /^cache\.json$/, keep: 'GPU plugin kernel tuning cache' },
];

/** { keep: why } or { reason } for one file of openvino/libs/ on `os`. */
export function classifyLib(name, os) {
  const rule = RULES.find((r) => r.test.test(name) && (!r.os || r.os === os));
  if (!rule) throw new Error(`openvino/libs/${name}: no rule in scripts/lib/openvino-subset.mjs says whether the VSIX needs it`);
  return rule.keep ? { keep: rule.keep } : { reason: rule.reason };
}

// What each OS provides itself, and what drivers or runtimes the user installs (named in the report).
export const SYSTEM_LIBS = {
  linux: [
    { test: /^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|ld-linux-(x86-64|aarch64)\.so\.[12])$/, from: 'glibc' },
    { test: /^(libstdc\+\+\.so\.6|libgcc_s\.so\.1)$/, from: 'GCC runtime (every glibc distribution)' },
    { test: /^libOpenCL\.so\.1$/, from: 'OpenCL ICD loader (GPU driver; only the GPU plugin needs it)' },
  ],
  win32: [
    { test: /^(kernel32|advapi32|shell32|ole32|ntdll|ws2_32|dbghelp|setupapi|cfgmgr32|wintrust|user32|bcrypt|psapi|version)\.dll$/i, from: 'Windows' },
    { test: /^api-ms-win-.*\.dll$/i, from: 'Windows (Universal CRT)' },
    { test: /^(msvcp140|vcruntime140|vcruntime140_1)\.dll$/i, from: 'Microsoft Visual C++ 2015-2022 Redistributable (x64): a user requirement, the wheel does not ship it' },
    { test: /^opencl\.dll$/i, from: 'OpenCL ICD loader (GPU driver; only the GPU plugin needs it)' },
    { test: /^ze_loader\.dll$/i, from: 'oneAPI Level Zero loader (NPU driver)' },
  ],
  darwin: [
    { test: /^\/usr\/lib\/(libSystem\.B|libc\+\+\.1|libobjc\.A)\.dylib$/, from: 'macOS' },
    { test: /^\/System\/Library\/Frameworks\//, from: 'macOS' },
  ],
};

export function systemLib(name, os) {
  return SYSTEM_LIBS[os].find((r) => r.test.test(name))?.from;
}

/**
 * Checks that every library a bundled native file asks for is bundled next to it or comes with
 * the OS: `files` maps a name in openvino/libs/ to its parseNative() result. Mach-O @rpath,
 * @loader_path and @executable_path are resolved against the folder. Returns
 * { problems: [text], system: { lib: from } }.
 */
export function checkNeeds(files, os) {
  const problems = [];
  const system = {};
  for (const [name, info] of files) {
    for (const lib of [...info.needed, ...(info.delayNeeded ?? [])]) {
      if (os === 'darwin' && lib.startsWith('@')) {
        const resolved = resolveMachO(lib, info.rpath);
        if (resolved.some((n) => files.has(n))) continue;
        problems.push(`${name} needs ${lib}, which resolves to none of the bundled files (rpath ${info.rpath.join(':') || 'none'})`);
        continue;
      }
      const base = os === 'win32' ? lib.toLowerCase() : lib;
      const bundled = [...files.keys()].some((n) => (os === 'win32' ? n.toLowerCase() : n) === base);
      if (bundled) continue;
      const from = systemLib(lib, os);
      if (from) system[lib] = from;
      else problems.push(`${name} needs ${lib}, which is neither bundled nor a ${os} system library`);
    }
  }
  return { problems, system };
}

/** The bundled file names a Mach-O load path may stand for, for a file in the same folder. */
function resolveMachO(lib, rpaths) {
  const loader = (p) => p.replace(/^@(loader|executable)_path/, '.');
  const candidates = lib.startsWith('@rpath/') ? rpaths.map((r) => posix.join(loader(r), lib.slice('@rpath/'.length))) : [loader(lib)];
  return candidates.map((c) => posix.normalize(c)).filter((c) => !c.includes('/'));
}

/**
 * Extracts the kept part of `wheel` into `dest` (dest/libs/…, dest/licenses/…) and returns the
 * manifest: { version, target, wheel, sha256, files: [{ path, size }], leftOut: [{ path, size, reason }] }.
 */
export async function extractSubset(wheel, spec, meta, target, dest) {
  const manifest = { version: meta.version, target, wheel: spec.wheel, sha256: spec.sha256, files: [], leftOut: [] };
  const other = { count: 0, size: 0 };
  const natives = new Map();
  await walkZip(wheel, async (e) => {
    const license = /^openvino-[^/]+\.dist-info\/licenses\/(.+)$/.exec(e.name);
    if (license) {
      await e.extractTo(join(dest, 'licenses', license[1]));
      manifest.files.push({ path: `licenses/${license[1]}`, size: e.size });
      return;
    }
    if (!e.name.startsWith(LIBS) || e.name.slice(LIBS.length).includes('/')) {
      other.count++;
      other.size += e.size;
      return;
    }
    const name = e.name.slice(LIBS.length);
    const c = classifyLib(name, spec.os);
    if (!c.keep) {
      manifest.leftOut.push({ path: `libs/${name}`, size: e.size, reason: c.reason });
      return;
    }
    const bytes = await e.read();
    mkdirSync(join(dest, 'libs'), { recursive: true });
    writeFileSync(join(dest, 'libs', name), bytes);
    manifest.files.push({ path: `libs/${name}`, size: bytes.length });
    if (sniffFormat(bytes)) natives.set(name, parseNative(bytes));
  });
  manifest.leftOut.push({ path: '(rest of the wheel)', files: other.count, size: other.size, reason: 'the Python package: bindings, Python modules, C/C++ headers, CMake files; the C API needs none of them' });
  const { problems, system } = checkNeeds(natives, spec.os);
  if (problems.length) throw new Error(`the OpenVINO subset for ${target} is incomplete:\n  ${problems.join('\n  ')}`);
  manifest.systemLibraries = system;
  manifest.files.sort((a, b) => a.path.localeCompare(b.path));
  return manifest;
}
