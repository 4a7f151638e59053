// Entry point of the engine layer: picks an OpenVINO binding and hands back the Engine interface.
import type { Engine } from './types';
import { OpenVinoCEngine } from './openvino-c';
import { OpenVinoNodeEngine, loadOpenVinoNode } from './openvino-node';
import { bundledCLibrary, locateOpenVinoC, type LocatedRuntime, type LocateOptions } from './locate-runtime';
import { RUNTIME_FIX, RuntimeUnavailableError } from './runtime-error';

export type RuntimeChoice = 'auto' | 'openvino-node' | 'openvino-c';

export interface CreateEngineOptions extends LocateOptions {
  /** 'auto' (default): a path the user named, else the bundled runtime, else openvino-node, else one on the system. */
  runtime?: RuntimeChoice;
}

/** Where the library came from, in a word or two for the model line (the log has the path). */
function originOf(r: LocatedRuntime, options: CreateEngineOptions): string {
  switch (r.source) {
    case 'bundled': return 'bundled';
    case 'option': return options.libraryPathLabel ?? 'pixart.openvinoLibraryPath';
    case 'env': return 'PIXART_OPENVINO_LIB';
    case 'python': return 'Python';
    case 'venv': return 'project venv';
  }
}

function createCEngine(options: CreateEngineOptions): Engine {
  const located = locateOpenVinoC(options);
  return new OpenVinoCEngine(located.libraryPath, originOf(located, options));
}

export async function createEngine(options: CreateEngineOptions = {}): Promise<Engine> {
  const runtime = options.runtime ?? 'auto';
  if (runtime === 'openvino-node') return new OpenVinoNodeEngine(loadOpenVinoNode());
  if (runtime === 'openvino-c') return createCEngine(options);
  if (runtime !== 'auto') throw new Error(`Unknown runtime "${String(runtime)}": use auto, openvino-node or openvino-c`);

  // A path the user named wins (they asked for that runtime); then what this package brings.
  const named = options.libraryPath || (options.env ?? process.env).PIXART_OPENVINO_LIB;
  if (named || bundledCLibrary(options.bundledDir)) return createCEngine(options);
  let nodeReason: string;
  try {
    return new OpenVinoNodeEngine(loadOpenVinoNode());
  } catch (e) {
    nodeReason = (e as Error).message;
  }
  try {
    return createCEngine(options);
  } catch (e) {
    if (!(e instanceof RuntimeUnavailableError)) throw e;
    throw new RuntimeUnavailableError(e.message.includes(RUNTIME_FIX) ? e.message : `${e.message} ${RUNTIME_FIX}`, `openvino-node: ${nodeReason}\nOpenVINO C API: ${e.detail}`);
  }
}
