// What a soak run does to each job, drawn up front from one seed so a run can be repeated: the
// job itself (prompt, seed, steps, guidance, format, preview), whether it is cancelled and after
// which step, and whether the worker process is killed while it runs.
import type { WorkerJob } from '../../src/protocol/messages';

/** mulberry32: a small seeded generator, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PlannedJob {
  id: string;
  /** 1-based position in the run. */
  n: number;
  job: WorkerJob;
  /** Send 'cancel' once this step is done. */
  cancelAfterStep?: number;
  /** Kill the worker process once this step is done (never the last step: the job must still be running). */
  killAfterStep?: number;
}

export interface PlanOptions {
  jobs: number;
  seed: number;
  /** Share of jobs cancelled at a random step (0.2). */
  cancelRate: number;
  /** Kill the worker during every killEvery-th job (not during the last one; 0: never). */
  killEvery: number;
}

const PROMPTS = ['a lighthouse at dusk', 'a red fox in snow', 'watercolor of a harbour', 'an astronaut riding a horse', ''];

export function planJobs(o: PlanOptions): PlannedJob[] {
  const random = seededRandom(o.seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const plan: PlannedJob[] = [];
  for (let n = 1; n <= o.jobs; n++) {
    const steps = int(2, 6);
    const job: WorkerJob = {
      prompt: PROMPTS[int(0, PROMPTS.length - 1)],
      negativePrompt: random() < 0.3 ? 'blurry' : '',
      seed: String(int(0, 2 ** 31)),
      steps,
      // Above 1 the negative prompt is encoded too and the batch doubles.
      guidanceScale: random() < 0.3 ? 2 : 0,
      width: 128,
      height: 128,
      imagesPerPrompt: random() < 0.2 ? 2 : 1,
      format: random() < 0.2 ? 'webp' : 'png',
      preview: random() < 0.5,
      previewSize: 32,
    };
    const p: PlannedJob = { id: `soak-${n}`, n, job };
    if (o.killEvery > 0 && n % o.killEvery === 0 && n < o.jobs) p.killAfterStep = int(1, steps - 1);
    else if (random() < o.cancelRate) p.cancelAfterStep = int(1, steps);
    plan.push(p);
  }
  return plan;
}
