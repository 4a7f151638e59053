// The machine a benchmark ran on, for its report: CPU and the ISA extensions that decide the
// kernels (bf16, AMX, fp16), memory, load, OS and Node.
import { readFileSync } from 'node:fs';
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';

export function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const m = /^model name\s*:\s*(.+)$/m.exec(info);
    const flags = /^flags\s*:\s*(.+)$/m.exec(info)?.[1].split(' ') ?? [];
    const isa = ['avx2', 'avx512f', 'avx512_bf16', 'amx_bf16', 'avx512_fp16'].filter((f) => flags.includes(f));
    return `${m?.[1] ?? cpus()[0]?.model ?? 'unknown'} (${isa.join(', ')})`;
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

export interface Machine {
  cpu: string;
  logicalCpus: number;
  memoryGb: number;
  freeMemoryGbAtStart: number;
  loadAverage: { start: number; end: number };
  os: string;
  node: string;
  /** Each runner's runtime line, by variant name. */
  runtimes: Record<string, string>;
}

/** Call at the start; the returned function completes it at the end. */
export function machineAtStart(): (runtimes: Record<string, string>) => Machine {
  const start = { load: loadavg()[0], free: freemem() };
  return (runtimes) => ({
    cpu: cpuModel(), logicalCpus: cpus().length, memoryGb: +(totalmem() / 2 ** 30).toFixed(1), freeMemoryGbAtStart: +(start.free / 2 ** 30).toFixed(1),
    loadAverage: { start: +start.load.toFixed(2), end: +loadavg()[0].toFixed(2) },
    os: `${platform()} ${release()}`, node: process.version, runtimes,
  });
}
