// `npm run soak [-- --jobs N --seed S --kill-every K --cancel-rate R --warmup W]`: the soak run of
// soak.ts on the tiny fixture model and the real OpenVINO runtime (PIXART_OPENVINO_LIB, else the
// one the tests use). Prints RSS and open fds of host and worker every 10 jobs and before each
// kill, then the counts, warm-up and end figures and the verdict; exits 1 when it fails.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { testRuntime } from '../support/engines';
import { tinyModelDir } from '../support/paths';
import { growthPct, hostRssAcrossKills, type Sample } from './resources';
import { DEFAULT_LIMITS, runSoak } from './soak';

function option(name: string, kind: 'whole' | 'fraction' = 'whole'): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (kind === 'whole' && (!Number.isInteger(v) || v < 0)) throw new Error(`--${name} takes a whole number, not ${process.argv[i + 1]}`);
  if (kind === 'fraction' && !(v >= 0 && v <= 1)) throw new Error(`--${name} takes a number from 0 to 1, not ${process.argv[i + 1]}`);
  return v;
}

const mb = (x: number) => x.toFixed(1);
const signed = (xs: number[]) => xs.map((x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`).join(', ') || '-';
const pct = (a: number, b: number) => `${growthPct(a, b) >= 0 ? '+' : ''}${growthPct(a, b).toFixed(1)} %`;
const at = (s: Sample) => `${mb(s.rssMb)} MB (host ${mb(s.hostRssMb)} + worker ${mb(s.workerRssMb)})`;

async function main(): Promise<number> {
  const workerScript = join(__dirname, '..', '..', 'dist', 'worker.js');
  if (!existsSync(workerScript)) {
    console.error(`soak: ${workerScript} is missing: run \`npm run build\` first`);
    return 1;
  }
  const jobs = option('jobs') ?? 300;
  const killEvery = option('kill-every') ?? 50;
  const cancelRate = option('cancel-rate', 'fraction') ?? 0.2;
  const warmupJob = option('warmup');
  const seed = option('seed') ?? Math.floor(Math.random() * 2 ** 31);
  const libraryPath = process.env.PIXART_OPENVINO_LIB || testRuntime().libraryPath;
  const l = DEFAULT_LIMITS;
  const repeat = `${killEvery === 50 ? '' : ` --kill-every ${killEvery}`}${cancelRate === 0.2 ? '' : ` --cancel-rate ${cancelRate}`}${warmupJob === undefined ? '' : ` --warmup ${warmupJob}`}`;
  console.log(`soak: ${jobs} jobs, seed ${seed} (npm run soak -- --jobs ${jobs} --seed ${seed}${repeat} repeats it), OpenVINO ${libraryPath}`);
  console.log(`soak: queues of 20, ${Math.round(cancelRate * 100)} % cancelled at a random step, ${killEvery ? `the worker process killed every ${killEvery} jobs` : 'no kills'}; limits after warm-up: RSS +${l.rssPct} %, fds +${l.fdPct} % or +${l.fdAbs}`);
  const r = await runSoak({
    workerScript, jobs, seed, killEvery, cancelRate, warmupJob, log: (line) => console.log(line),
    load: { modelDir: tinyModelDir, device: 'CPU', precision: 'f32', runtime: 'openvino-c', libraryPath },
  });
  console.log(`jobs: ${r.counts.done} done, ${r.counts.cancelled} cancelled, ${r.counts.failed} failed with a message, ${r.counts.hung} hung; ${r.killedAt.length} kills; ${r.cancelsTooLate} cancels came after the job had finished`);
  for (const [message, n] of r.failureMessages) console.log(`  failed ×${n}: ${message}`);
  console.log(`RSS: ${at(r.warm)} after job ${r.warm.job}, ${at(r.end)} at the end (${pct(r.warm.rssMb, r.end.rssMb)}; host ${pct(r.warm.hostRssMb, r.end.hostRssMb)}, worker ${pct(r.warm.workerRssMb, r.end.workerRssMb)})`);
  if (r.beforeKills.length) {
    console.log(`RSS before each kill (a worker at the end of its life): ${r.beforeKills.map((s) => `${mb(s.rssMb)} (job ${s.job})`).join(', ')} MB; at the end ${mb(r.end.rssMb)}`);
    console.log(`host RSS across each kill: ${signed(hostRssAcrossKills(r.samples, r.beforeKills))} MB`);
  }
  console.log(`fds: ${r.warm.fds} after job ${r.warm.job}, ${r.end.fds} at the end (${pct(r.warm.fds, r.end.fds)}, ${r.end.fds - r.warm.fds >= 0 ? '+' : ''}${r.end.fds - r.warm.fds}); host ${r.warm.hostFds} → ${r.end.hostFds}, worker ${r.warm.workerFds} → ${r.end.workerFds}`);
  console.log(`time: ${r.seconds.toFixed(1)} s`);
  for (const f of r.failures) console.log(`FAIL: ${f}`);
  console.log(r.failures.length ? 'soak: FAIL' : 'soak: PASS');
  return r.failures.length ? 1 : 0;
}

main().then((code) => process.exit(code), (err) => {
  console.error(`soak: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
});
