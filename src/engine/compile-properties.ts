// Compile options as OpenVINO properties, for both engines and for the benchmark's other runners.
//
// The cache folder: OpenVINO's compiled-model cache (CACHE_DIR) keys a blob by the model and device
// but not by INFERENCE_PRECISION_HINT: with 2026.4's CPU plugin, a model compiled at f32 is loaded
// from the cache for a bf16 request (and the reverse), which runs at the wrong precision or crashes
// (measured: a segfault on PixArt-XL-2's transformer). So each set of compile properties gets its
// own subfolder, and switching the precision setting never reuses a blob made for another.
import { join } from 'node:path';
import type { CompileOptions } from './types';

/** The CACHE_DIR for these options: a subfolder of `cacheDir` per set of properties; unset without one. */
export function cacheDirFor(o: CompileOptions): string | undefined {
  if (!o.cacheDir) return undefined;
  const parts = [`precision-${o.precision ?? 'default'}`];
  if (o.performanceHint) parts.push(`hint-${o.performanceHint}`);
  if (o.numThreads !== undefined) parts.push(`threads-${o.numThreads}`);
  if (o.dynamicQuantization === false) parts.push('no-dq');
  return join(o.cacheDir, parts.join('_'));
}

/** The OpenVINO properties (name, value) for compile options (the device aside); throws on a bad numThreads. */
export function compileProperties(o: CompileOptions): [string, string][] {
  const props: [string, string][] = [];
  const cacheDir = cacheDirFor(o);
  if (cacheDir) props.push(['CACHE_DIR', cacheDir]);
  if (o.precision) props.push(['INFERENCE_PRECISION_HINT', o.precision]);
  if (o.performanceHint) props.push(['PERFORMANCE_HINT', o.performanceHint]);
  if (o.numThreads !== undefined) {
    if (!Number.isInteger(o.numThreads) || o.numThreads < 0) throw new Error(`numThreads must be a non-negative integer, got ${o.numThreads}`);
    props.push(['INFERENCE_NUM_THREADS', String(o.numThreads)]);
  }
  if (o.dynamicQuantization === false) props.push(['DYNAMIC_QUANTIZATION_GROUP_SIZE', '0']);
  return props;
}
