// A short seeded slice of the readers' property tests (test/support/reader-properties.ts);
// `npm run fuzz` runs 100,000 inputs of each. A failure prints its seed and path: rerun with
// FC_SEED=<seed> (and FC_RUNS) to reproduce it.
import { test } from 'node:test';
import fc from 'fast-check';
import { newStats, readerProperties } from '../support/reader-properties';

const seed = Number(process.env.FC_SEED ?? 20261201);
const numRuns = Number(process.env.FC_RUNS ?? 300);

for (const p of readerProperties) {
  test(p.name, async (t) => {
    const stats = newStats();
    await fc.assert(p.make(stats), { seed, numRuns });
    t.diagnostic(`${stats.runs} inputs (seed ${seed}); slowest ${stats.slowestMs.toFixed(1)} ms`);
  });
}
