// Every property-based check, by group: `npm run fuzz` (test/fuzz/run.ts) runs them all (or the
// groups FUZZ_GROUPS names) on 100,000 inputs each; each group's unit test file runs a short seeded
// slice of it with seededSlice. A failure prints its seed and path: rerun with FC_SEED=<seed>.
import { test } from 'node:test';
import fc from 'fast-check';
import { newStats, readerProperties, type Property } from './reader-properties';
import { validatorProperties } from './validator-properties';
import { generationProperties } from './generation-properties';
import { namingProperties } from './naming-properties';
import { insertionProperties } from './insertion-properties';

export const PROPERTY_GROUPS: Record<string, Property[]> = {
  readers: readerProperties,
  validators: [...validatorProperties, ...generationProperties],
  naming: namingProperties,
  insertion: insertionProperties,
};

/** node:test cases for a short, seeded run of each property (FC_SEED, FC_RUNS; 300 inputs by default). */
export function seededSlice(properties: Property[]): void {
  const seed = Number(process.env.FC_SEED ?? 20261201);
  const numRuns = Number(process.env.FC_RUNS ?? 300);
  for (const p of properties) {
    test(p.name, async (t) => {
      const stats = newStats();
      await fc.assert(p.make(stats), { seed, numRuns, includeErrorInReport: true });
      t.diagnostic(`${stats.runs} inputs (seed ${seed}); slowest ${stats.slowestMs.toFixed(1)} ms`);
    });
  }
}
