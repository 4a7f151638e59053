// Finds libopenvino_c for the C engine, in this order: an explicit path (setting
// pixart.openvinoLibraryPath or option), env PIXART_OPENVINO_LIB, the runtime bundled with the
// extension (openvino/libs/ beside dist/, in a platform VSIX), the `openvino` package of a Python
// interpreter (PIXART_PYTHON or python3), then the project's provisioned venv (.cache/python-venv,
// see scripts/provision-python.mjs). An explicit path that holds no library is an error, not a
// skip: the user asked for that runtime.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { RUNTIME_FIX, RuntimeUnavailableError } from './runtime-error';

/** The wheel version the project pins and tests with. */
export const OPENVINO_PIP_VERSION = '2026.4.1';
export const PROVISIONED_VENV = join('.cache', 'python-venv');

export interface LocateOptions {
  /** The .so/.dylib/.dll itself, or a folder holding it (a wheel's openvino/ or libs/, an OpenVINO archive). */
  libraryPath?: string;
  /** What the user set to give `libraryPath`, for messages: a CLI passes its flag (default: the VS Code setting). */
  libraryPathLabel?: string;
  /** Python interpreter to ask for its openvino package (default: env PIXART_PYTHON, else python3/python). */
  python?: string;
  /** Where to look for the project's .cache/python-venv: the package folder above each (default: this module's). */
  searchFrom?: string[];
  /** The extension's bundled runtime folder (default: openvino/ beside this bundle's dist/); null: none. */
  bundledDir?: string | null;
  env?: NodeJS.ProcessEnv;
}

export interface LocatedRuntime {
  libraryPath: string;
  source: 'option' | 'env' | 'bundled' | 'python' | 'venv';
  /** The interpreter whose openvino package holds the library, when found through Python. */
  python?: string;
}

const isWin = process.platform === 'win32';
// libopenvino_c.so, libopenvino_c.so.2641, libopenvino_c.2641.dylib, libopenvino_c.dylib, openvino_c.dll
const LIB_NAME = /^(lib)?openvino_c(\.\d+)*\.(so|dylib|dll)(\.\d+)*$/;

/** The C library inside `path` (a file, or a folder searched in the layouts OpenVINO ships), if any. */
export function findCLibrary(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  if (statSync(path).isFile()) return LIB_NAME.test(path.split(/[\\/]/).pop() ?? '') ? path : undefined;
  const dirs = [
    path,
    join(path, 'libs'), // site-packages/openvino/libs
    join(path, 'openvino', 'libs'), // site-packages
    join(path, 'runtime', 'lib', 'intel64'), // archive, Linux
    join(path, 'runtime', 'lib', 'intel64', 'Release'), // archive, macOS
    join(path, 'runtime', 'lib', 'arm64', 'Release'),
    join(path, 'runtime', 'lib', 'aarch64'),
    join(path, 'runtime', 'bin', 'intel64', 'Release'), // archive, Windows
  ];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    // Prefer the versioned file: the unversioned symlink is absent in wheels and may point elsewhere.
    const hits = names.filter((n) => LIB_NAME.test(n)).sort((a, b) => b.length - a.length);
    if (hits.length) return join(dir, hits[0]);
  }
  return undefined;
}

/** The openvino package folder of a Python interpreter, or the reason there is none. */
export function askPython(python: string): { dir?: string; reason?: string } {
  const r = spawnSync(python, ['-c', 'import openvino, os; print(os.path.dirname(openvino.__file__))'], {
    encoding: 'utf8',
    timeout: 60_000,
    windowsHide: true,
  });
  if (r.error) return { reason: `${python}: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : r.error.message}` };
  if (r.status !== 0) {
    const last = (r.stderr || '').trim().split('\n').pop() || `exit code ${r.status}`;
    return { reason: `${python}: ${last}` };
  }
  return { dir: r.stdout.trim().split('\n').pop() };
}

export function venvPython(venvDir: string): string {
  return isWin ? join(venvDir, 'Scripts', 'python.exe') : join(venvDir, 'bin', 'python');
}

/** site-packages/openvino of a venv, whatever its Python version. */
export function venvOpenvinoDir(venvDir: string): string | undefined {
  if (isWin) return join(venvDir, 'Lib', 'site-packages', 'openvino');
  let libs: string[];
  try {
    libs = readdirSync(join(venvDir, 'lib')).filter((n) => n.startsWith('python'));
  } catch {
    return undefined;
  }
  return libs.map((n) => join(venvDir, 'lib', n, 'site-packages', 'openvino')).find((p) => existsSync(p));
}

/**
 * The project's provisioned .cache/python-venv: in the package folder (the nearest one with a
 * package.json) at or above any of `from`. Bounded to the package so that an installed extension
 * never picks up some other .cache/python-venv higher up (a home folder's, say).
 */
export function findProvisionedVenv(from: string[]): string | undefined {
  for (const start of from) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      if (existsSync(join(dir, 'package.json'))) {
        const candidate = join(dir, PROVISIONED_VENV);
        if (venvOpenvinoDir(candidate)) return candidate;
        break;
      }
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

/**
 * Where a platform VSIX keeps its runtime: <extension>/openvino/libs, beside <extension>/dist/ that
 * holds the bundles (extension.js, worker.js, cli.js). From sources (tsx) this points nowhere.
 */
export const BUNDLED_RUNTIME_DIR = join(__dirname, '..', 'openvino');

/** The bundled runtime's C library, if this is a platform build. */
export function bundledCLibrary(dir: string | null = BUNDLED_RUNTIME_DIR): string | undefined {
  return dir ? findCLibrary(join(dir, 'libs')) : undefined;
}

const PIP_HINT = `For development: pip install openvino==${OPENVINO_PIP_VERSION} (for python3, or the interpreter in PIXART_PYTHON), or env PIXART_OPENVINO_LIB=<libopenvino_c or its folder>.`;

function notThere(what: string, path: string): RuntimeUnavailableError {
  return new RuntimeUnavailableError(`${what} is "${path}", which holds no OpenVINO C library (libopenvino_c). Choose the library file or its folder.`, `${what} = ${path}: no file named like libopenvino_c.so.N, libopenvino_c.N.dylib or openvino_c.dll in it, its libs/ or openvino/libs/`);
}

export function locateOpenVinoC(options: LocateOptions = {}): LocatedRuntime {
  const env = options.env ?? process.env;
  const tried: string[] = [];

  if (options.libraryPath) {
    const lib = findCLibrary(options.libraryPath);
    if (lib) return { libraryPath: lib, source: 'option' };
    throw notThere(options.libraryPathLabel ?? 'pixart.openvinoLibraryPath', options.libraryPath);
  }
  tried.push(`${options.libraryPathLabel ?? 'setting pixart.openvinoLibraryPath'}: not set`);

  const fromEnv = env.PIXART_OPENVINO_LIB;
  if (fromEnv) {
    const lib = findCLibrary(fromEnv);
    if (lib) return { libraryPath: lib, source: 'env' };
    throw notThere('PIXART_OPENVINO_LIB', fromEnv);
  }
  tried.push('env PIXART_OPENVINO_LIB: not set');

  const bundledDir = options.bundledDir === undefined ? BUNDLED_RUNTIME_DIR : options.bundledDir;
  const bundled = bundledCLibrary(bundledDir);
  if (bundled) return { libraryPath: bundled, source: 'bundled' };
  tried.push(bundledDir ? `${bundledDir}: this package has no bundled runtime` : 'bundled runtime: none');

  const explicitPython = options.python ?? env.PIXART_PYTHON;
  const pythons = explicitPython ? [explicitPython] : isWin ? ['python', 'py'] : ['python3', 'python'];
  for (const python of pythons) {
    const { dir, reason } = askPython(python);
    if (!dir) {
      tried.push(reason ?? python);
      continue;
    }
    const lib = findCLibrary(dir);
    if (lib) return { libraryPath: lib, source: 'python', python };
    tried.push(`${python}: its openvino package (${dir}) has no libopenvino_c`);
    break; // a Python with openvino answered; asking the next name would only find the same one
  }

  const from = options.searchFrom ?? [__dirname];
  const venv = findProvisionedVenv(from);
  const venvOv = venv && venvOpenvinoDir(venv);
  const venvLib = venvOv && findCLibrary(venvOv);
  if (venv && venvLib) return { libraryPath: venvLib, source: 'venv', python: venvPython(venv) };
  tried.push(venv ? `${venv}: has no libopenvino_c` : `${PROVISIONED_VENV}: not provisioned`);

  throw new RuntimeUnavailableError(`No OpenVINO runtime found. ${RUNTIME_FIX}`, `OpenVINO runtime (libopenvino_c) not found. Tried:\n  - ${tried.join('\n  - ')}\n${PIP_HINT}`);
}
