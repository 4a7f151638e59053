// `npm run fuzz`: every property-based check (test/support/all-properties.ts: readers, validators,
// naming, insertion) on 100,000 inputs each (FUZZ_RUNS), from a fresh seed unless FC_SEED is given;
// FUZZ_GROUPS=naming,insertion runs only those groups. Prints, per property, the inputs run, the
// failures (with the seed and path that reproduce one), the time, the slowest input (and its time
// when run again) and the process's peak RSS so far; exits 1 when any property failed.
import fc from 'fast-check';
import { newStats, type Stats } from '../support/reader-properties';
import { PROPERTY_GROUPS } from '../support/all-properties';

const runs = Number(process.env.FUZZ_RUNS ?? 100_000);
const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
const groups = process.env.FUZZ_GROUPS?.split(',').map((g) => g.trim()) ?? Object.keys(PROPERTY_GROUPS);
const peakMb = () => (process.resourceUsage().maxRSS / 1024).toFixed(0);

/** The slowest input's time on a second look: the median of 5 runs. */
async function rerunMs(stats: Stats): Promise<string> {
  const times: number[] = [];
  for (let i = 0; i < 5 && stats.rerunSlowest; i++) {
    const t0 = performance.now();
    await stats.rerunSlowest();
    times.push(performance.now() - t0);
  }
  return (times.sort((a, b) => a - b)[2] ?? 0).toFixed(1);
}

async function main(): Promise<void> {
  const unknown = groups.filter((g) => !(g in PROPERTY_GROUPS));
  if (unknown.length) throw new Error(`FUZZ_GROUPS: no group ${unknown.join(', ')}; the groups are ${Object.keys(PROPERTY_GROUPS).join(', ')}`);
  console.log(`fuzz: ${runs} inputs per property, seed ${seed} (FC_SEED=${seed} FUZZ_RUNS=${runs} npm run fuzz repeats this run)`);
  let failed = 0;
  for (const p of groups.flatMap((g) => PROPERTY_GROUPS[g])) {
    const stats = newStats();
    const t0 = performance.now();
    let failure = '';
    try {
      await fc.assert(p.make(stats), { seed, numRuns: runs, includeErrorInReport: true });
    } catch (err) {
      failed++;
      failure = err instanceof Error ? err.message : String(err);
    }
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(`\n${p.name}\n  ${stats.runs} inputs, ${failure ? 1 : 0} failures, ${s} s, peak RSS ${peakMb()} MB`);
    console.log(`  slowest ${stats.slowestMs.toFixed(1)} ms (${await rerunMs(stats)} ms when run again): ${stats.slowest}`);
    if (failure) console.log(`  FAILED: ${failure.split('\n').slice(0, 8).join('\n  ')}`);
  }
  console.log(`\n${failed ? `${failed} properties failed` : 'all properties held'}; peak RSS ${peakMb()} MB`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((err: Error) => {
  console.error(`fuzz: ${err.message}`);
  process.exitCode = 2;
});
