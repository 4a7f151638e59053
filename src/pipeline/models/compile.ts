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

/**
 * A token axis fixed at another length than the family's prompts (a 120-token IR in a PixArt-Σ
 * folder) would cut every prompt there, `</s>` and all, without a word: refused at load.
 */
export function checkTokenAxis(model: CompiledModel, input: string, file: string, maxTokens: number): void {
  const axis = model.inputs.find((p) => p.name === input)?.shape[1] ?? -1;
  if (axis > 0 && axis !== maxTokens) {
    throw new ModelFolderError(
      `${file}: input "${input}" is fixed at ${axis} tokens, but this model's pipeline pads prompts to ${maxTokens}. ` +
        'The network was converted for another PixArt family: build or convert it again from this model\'s checkpoint (the builder and models/convert.py leave the token axis dynamic).',
    );
  }
}
