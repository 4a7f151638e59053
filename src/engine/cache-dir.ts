// Where a model's compiled blob is cached. OpenVINO's compiled-model cache (CACHE_DIR) keys a blob
// by the model and device but not by INFERENCE_PRECISION_HINT: with 2026.4's CPU plugin, a model
// compiled at f32 is loaded from the cache for a bf16 request (and the reverse), which runs at the
// wrong precision or crashes (measured: a segfault on PixArt-XL-2's transformer). So each set of
// compile properties gets its own subfolder, and switching the precision setting never reuses a
// blob made for another.
import { join } from 'node:path';
import type { CompileOptions } from './types';

export function cacheDirFor(o: CompileOptions): string | undefined {
  if (!o.cacheDir) return undefined;
  const parts = [`precision-${o.precision ?? 'default'}`];
  if (o.performanceHint) parts.push(`hint-${o.performanceHint}`);
  if (o.numThreads !== undefined) parts.push(`threads-${o.numThreads}`);
  return join(o.cacheDir, parts.join('_'));
}
