// The benchmark's --busy load (bench/busy-load.ts): real busy-loop processes that take CPU while
// they run, and are gone once stopped — also when the measured function throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { BusyLoad, withBusyLoad } from '../../bench/busy-load';

const linux = existsSync('/proc/self/stat');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Killed and reaped, or a zombie about to be: either way no longer burning a core. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (!existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z')) return true;
    await sleep(40);
  }
  return false;
}

test('N busy loops each take CPU while running and are gone after stop()', { skip: !linux && 'needs /proc' }, async () => {
  const load = new BusyLoad(2);
  const pids = load.pids;
  await sleep(1000);
  const stats = load.stop();
  assert.equal(stats.processes, 2);
  // A shared 2-core machine may give each loop well under a core; a loop that never ran gives ~0.
  for (const share of stats.cpuShare) assert.ok(share !== null && share > 0.1 && share <= 1.05, `cpu share ${share}`);
  for (const pid of pids) assert.ok(await gone(pid), `busy loop ${pid} still running`);
});

test('withBusyLoad stops its loops when the measured function throws', { skip: !linux && 'needs /proc' }, async () => {
  // Children listed before (the previous test's loops may not be reaped yet) are not this call's.
  const children = () => readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  const before = new Set(children());
  let pids: number[] = [];
  assert.throws(() => withBusyLoad(1, () => {
    pids = children().filter((pid) => !before.has(pid));
    throw new Error('measured run failed');
  }), /measured run failed/);
  assert.equal(pids.length, 1);
  for (const pid of pids) assert.ok(await gone(pid), `busy loop ${pid} still running`);
});

test('no processes: the function just runs', () => {
  const r = withBusyLoad(0, () => 42);
  assert.deepEqual(r, { value: 42, busy: { processes: 0, cpuShare: [] } });
});
