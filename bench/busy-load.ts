// A busy machine on demand (--busy N): N busy-loop processes, one core each, started before a
// measured run and stopped after it, so idle and busy figures come from the same command. On Linux
// each one's CPU time is read back before it stops, to show it really took its core.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** /proc/PID/stat counts CPU time in USER_HZ ticks, 100 per second on every Linux ABI. */
const USER_HZ = 100;

export interface BusyStats {
  processes: number;
  /** Each process's CPU time over the wall time it ran (1 = a whole core); null where /proc is missing. */
  cpuShare: (number | null)[];
}

function cpuSeconds(pid: number): number | null {
  try {
    // Fields after the ")" that ends the command name: state is the 1st, utime the 12th, stime the 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return null;
  }
}

const running = new Set<ChildProcess>();
// A bench that fails or is interrupted must not leave its busy loops behind.
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

export class BusyLoad {
  private readonly children: ChildProcess[] = [];
  private readonly started = performance.now();

  constructor(processes: number) {
    for (let i = 0; i < processes; i++) {
      const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
      running.add(child);
      this.children.push(child);
    }
  }

  get pids(): number[] {
    return this.children.map((c) => c.pid ?? -1);
  }

  stop(): BusyStats {
    const wallSeconds = (performance.now() - this.started) / 1000;
    const cpuShare = this.children.map((c) => {
      const s = c.pid === undefined ? null : cpuSeconds(c.pid);
      return s === null ? null : +(s / wallSeconds).toFixed(3);
    });
    for (const c of this.children) {
      c.kill('SIGKILL');
      running.delete(c);
    }
    return { processes: this.children.length, cpuShare };
  }
}

/** Runs `fn` with `processes` busy loops beside it (none: just runs it). */
export function withBusyLoad<T>(processes: number, fn: () => T): { value: T; busy: BusyStats } {
  const load = new BusyLoad(processes);
  try {
    const value = fn();
    return { value, busy: load.stop() };
  } catch (e) {
    load.stop();
    throw e;
  }
}
