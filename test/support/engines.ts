// The engines tests run on. The C engine is always available: when no OpenVINO runtime can be
// located, scripts/provision-python.mjs creates .cache/python-venv with the pinned openvino wheel
// (once, under a lock) and the engine loads from there. openvino-node is included when it loads; when it does not, that is said
// out loud (it cannot be installed on every machine), neither skipped silently nor failed.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Engine } from '../../src/engine/types';
import { OpenVinoCEngine } from '../../src/engine/openvino-c';
import { OpenVinoNodeEngine, loadOpenVinoNode } from '../../src/engine/openvino-node';
import { askPython, locateOpenVinoC, type LocatedRuntime } from '../../src/engine/locate-runtime';

export const repoRoot = join(__dirname, '..', '..');
const provisionScript = join(repoRoot, 'scripts', 'provision-python.mjs');

/** Creates (or checks) .cache/python-venv and returns its python. */
function provision(): string {
  const r = spawnSync(process.execPath, [provisionScript], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error('provisioning OpenVINO failed (node scripts/provision-python.mjs); see its output above');
  return r.stdout.trim().split('\n').pop()!;
}

let located: LocatedRuntime | undefined;

/** Where the C engine's runtime comes from, provisioning the project venv when nothing is found. */
export function testRuntime(): LocatedRuntime {
  if (located) return located;
  try {
    located = locateOpenVinoC({ searchFrom: [repoRoot] });
  } catch {
    provision();
    located = locateOpenVinoC({ searchFrom: [repoRoot] });
  }
  return located;
}

/** The C engine, on the located or provisioned runtime. */
export function engineUnderTest(): Engine {
  return new OpenVinoCEngine(testRuntime().libraryPath);
}

let python: string | undefined;

/** A Python interpreter with the openvino package (for converting test models to IR). */
export function openvinoPython(): string {
  if (python) return python;
  const rt = testRuntime();
  if (rt.python) return (python = rt.python);
  const candidate = process.env.PIXART_PYTHON ?? (process.platform === 'win32' ? 'python' : 'python3');
  python = askPython(candidate).dir ? candidate : provision();
  return python;
}

export interface EngineFactory {
  name: string;
  create(): Engine;
}

export interface ConformanceEngines {
  engines: EngineFactory[];
  /** Engines that cannot run on this machine, with the reason. */
  untested: { name: string; reason: string }[];
}

/** Every engine this machine can run; the C engine always. */
export function listEnginesForConformance(): ConformanceEngines {
  const engines: EngineFactory[] = [{ name: 'openvino-c', create: engineUnderTest }];
  const untested: ConformanceEngines['untested'] = [];
  try {
    const addon = loadOpenVinoNode();
    engines.push({ name: 'openvino-node', create: () => new OpenVinoNodeEngine(addon) });
  } catch (e) {
    untested.push({ name: 'openvino-node', reason: (e as Error).message });
  }
  return { engines, untested };
}

let noted = false;

/** Says, once per process, which engines this machine cannot test and why. */
export function noteUntestedEngines(untested: ConformanceEngines['untested']): void {
  if (noted) return;
  noted = true;
  for (const u of untested) {
    console.log(`# NOTE: the ${u.name} engine was NOT tested on this machine: ${u.reason}`);
  }
}

let instances: Promise<{ name: string; engine: Engine }[]> | undefined;

/** One live instance of every available engine, shared by the tests of a file. */
export function conformanceEngines(): Promise<{ name: string; engine: Engine }[]> {
  instances ??= (async () => {
    const { engines, untested } = listEnginesForConformance();
    noteUntestedEngines(untested);
    return engines.map((f) => ({ name: f.name, engine: f.create() }));
  })();
  return instances;
}

/** Environment for a child process (the CLI) so that it finds the same OpenVINO runtime. */
export function runtimeEnv(): Record<string, string> {
  return { PIXART_OPENVINO_LIB: testRuntime().libraryPath };
}
