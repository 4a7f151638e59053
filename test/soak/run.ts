// `npm run soak [-- --jobs N --seed S --kill-every K --warmup W]`: the soak run of soak.ts on the tiny fixture model and the
// real OpenVINO runtime (PIXART_OPENVINO_LIB, else the one the tests use). Prints RSS and open fds
// every 10 jobs, then the counts, warm-up and end figures and the verdict; exits 1 when it fails.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { testRuntime } from '../support/engines';
import { tinyModelDir } from '../support/paths';
import { growthPct, rssAroundKills } from './resources';
import { DEFAULT_LIMITS, runSoak } from './soak';

function option(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} takes a whole number, not ${process.argv[i + 1]}`);
  return v;
}

async function main(): Promise<number> {
  const workerScript = join(__dirname, '..', '..', 'dist', 'worker.js');
  if (!existsSync(workerScript)) {
    console.error(`soak: ${workerScript} is missing: run \`npm run build\` first`);
    return 1;
  }
  const jobs = option('jobs') ?? 300;
  const killEvery = option('kill-every') ?? 50;
  const warmupJob = option('warmup') ?? 30;
  const seed = option('seed') ?? Math.floor(Math.random() * 2 ** 31);
  const libraryPath = process.env.PIXART_OPENVINO_LIB || testRuntime().libraryPath;
  const l = DEFAULT_LIMITS;
  console.log(`soak: ${jobs} jobs, seed ${seed} (npm run soak -- --jobs ${jobs} --seed ${seed} ${killEvery === 50 ? '' : `--kill-every ${killEvery} `}repeats it), OpenVINO ${libraryPath}`);
  console.log(`soak: queues of 20, ~20 % cancelled at a random step, ${killEvery ? `the worker killed every ${killEvery} jobs` : 'no kills'}; limits after warm-up: RSS +${l.rssPct} %, fds +${l.fdPct} % or +${l.fdAbs}`);
  const r = await runSoak({
    workerScript, jobs, seed, killEvery, warmupJob, log: (line) => console.log(line),
    load: { modelDir: tinyModelDir, device: 'CPU', precision: 'f32', runtime: 'openvino-c', libraryPath },
  });
  const pct = (a: number, b: number) => `${growthPct(a, b) >= 0 ? '+' : ''}${growthPct(a, b).toFixed(1)} %`;
  console.log(`jobs: ${r.counts.done} done, ${r.counts.cancelled} cancelled, ${r.counts.failed} failed with a message, ${r.counts.hung} hung; ${r.killedAt.length} kills; ${r.cancelsTooLate} cancels came after the job had finished`);
  for (const [message, n] of r.failureMessages) console.log(`  failed ×${n}: ${message}`);
  console.log(`RSS: ${r.warm.rssMb.toFixed(1)} MB after job ${r.warm.job}, ${r.end.rssMb.toFixed(1)} MB at the end (${pct(r.warm.rssMb, r.end.rssMb)})`);
  const around = rssAroundKills(r.samples, r.killedAt);
  const mb = (xs: number[]) => xs.map((x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`).join(', ') || '-';
  console.log(`RSS across each kill: ${mb(around.perKill)} MB; between kills: ${mb(around.betweenKills)} MB`);
  console.log(`fds: ${r.warm.fds} after job ${r.warm.job}, ${r.end.fds} at the end (${pct(r.warm.fds, r.end.fds)}, ${r.end.fds - r.warm.fds >= 0 ? '+' : ''}${r.end.fds - r.warm.fds})`);
  console.log(`time: ${r.seconds.toFixed(1)} s`);
  for (const f of r.failures) console.log(`FAIL: ${f}`);
  console.log(r.failures.length ? 'soak: FAIL' : 'soak: PASS');
  return r.failures.length ? 1 : 0;
}

main().then((code) => process.exit(code), (err) => {
  console.error(`soak: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
});
