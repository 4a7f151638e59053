// Entry point of the engine layer: picks an OpenVINO binding and hands back the Engine interface.
import type { Engine } from './types';
import { OpenVinoCEngine } from './openvino-c';
import { OpenVinoNodeEngine, loadOpenVinoNode } from './openvino-node';
import { locateOpenVinoC, RUNTIME_FIX } from './locate-runtime';

export type RuntimeChoice = 'auto' | 'openvino-node' | 'openvino-c';

export interface CreateEngineOptions {
  /** 'auto' (default) tries openvino-node, then the OpenVINO C API. */
  runtime?: RuntimeChoice;
  /** libopenvino_c, or its folder, for the C engine (setting pixart.openvinoRuntime). */
  libraryPath?: string;
  /** Python interpreter whose openvino package provides libopenvino_c (default PIXART_PYTHON, python3). */
  python?: string;
}

function createCEngine(options: CreateEngineOptions): Engine {
  const located = locateOpenVinoC({ libraryPath: options.libraryPath, python: options.python });
  return new OpenVinoCEngine(located.libraryPath);
}

export async function createEngine(options: CreateEngineOptions = {}): Promise<Engine> {
  const runtime = options.runtime ?? 'auto';
  if (runtime === 'openvino-node') return new OpenVinoNodeEngine(loadOpenVinoNode());
  if (runtime === 'openvino-c') return createCEngine(options);
  if (runtime !== 'auto') throw new Error(`Unknown runtime "${String(runtime)}": use auto, openvino-node or openvino-c`);

  let nodeReason: string;
  try {
    return new OpenVinoNodeEngine(loadOpenVinoNode());
  } catch (e) {
    nodeReason = (e as Error).message;
  }
  try {
    return createCEngine(options);
  } catch (e) {
    throw new Error(
      `No OpenVINO runtime is usable.\n` +
        `openvino-node: ${nodeReason}\n` +
        `OpenVINO C API: ${(e as Error).message.replace(` ${RUNTIME_FIX}`, '').replace(`\n${RUNTIME_FIX}`, '')}\n` +
        `Fix: ${RUNTIME_FIX}`,
    );
  }
}
