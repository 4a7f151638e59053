// What every model class does at load: compile its file, and check the inputs it will be fed, so a
// wrong model folder fails at load with a message naming the file rather than at the first image.
import type { CompiledModel, CompileOptions, Engine, PortInfo } from '../../engine/types';
import { ModelFolderError, missingInputError } from '../model-folder';

export async function compileModel(engine: Engine, file: string, options: CompileOptions): Promise<CompiledModel> {
  try {
    return await engine.compileModel(file, options);
  } catch (e) {
    throw new ModelFolderError(`cannot load ${file}: ${(e as Error).message}`);
  }
}

/** The input `name`; `kind` (e.g. "VAE decoder") lets the error say when the file holds another kind of model. */
export function inputNamed(model: CompiledModel, name: string, file: string, kind?: string): PortInfo {
  const port = model.inputs.find((p) => p.name === name);
  if (!port) throw missingInputError(file, name, model.inputs.map((p) => p.name), kind);
  return port;
}

export function requireInputs(model: CompiledModel, names: readonly string[], file: string, kind?: string): void {
  for (const name of names) inputNamed(model, name, file, kind);
}
