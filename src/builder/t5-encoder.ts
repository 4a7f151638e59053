// PLACEHOLDER until the T5 encoder builder lands (another branch writes this file; the merge takes
// theirs). It has the signature build-model.ts is written against.
import type { ComponentBuild } from './build-model-files';

export interface T5BuildOptions {
  weights: 'int8' | 'int4' | 'f16' | 'f32';
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export async function buildT5Encoder(componentDir: string, outDir: string, options: T5BuildOptions): Promise<ComponentBuild> {
  void componentDir;
  void outDir;
  void options;
  throw new Error('the T5 text encoder builder is not built yet (src/builder/t5-encoder.ts is a placeholder)');
}
