// PLACEHOLDER until the PixArt transformer builder lands (another branch writes this file; the merge
// takes theirs). It has the signature build-model.ts is written against.
import type { ComponentBuild } from './build-model-files';

export interface TransformerBuildOptions {
  weights: 'f32' | 'f16' | 'bf16';
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export async function buildPixArtTransformer(componentDir: string, outDir: string, options: TransformerBuildOptions): Promise<ComponentBuild> {
  void componentDir;
  void outDir;
  void options;
  throw new Error('the PixArt transformer builder is not built yet (src/builder/pixart-transformer.ts is a placeholder)');
}
