// Gives back the memory of weight files OpenVINO has already copied. The CPU plugin maps a model's
// .bin (or its compiled-model cache blob) into memory and, on compile and on the first inference,
// copies the weights into its own repacked buffers; the mapped pages it read stay resident, so T5-XXL
// int8 holds 4.5 GB twice (measured: 9.0 GB RSS, of which 4.5 GB file-backed, for a 4.5 GB file).
// Those pages are clean copies of the file, so dropping them from this process (madvise
// MADV_DONTNEED) loses nothing: if OpenVINO reads one again it is faulted back in from the file.
//
// Only mappings that cannot hold a private change are dropped: readable but not writable, backed by a
// file under the given folders, with no anonymous (copy-on-write) pages. Linux only; elsewhere
// the kernel's reclaim is left to do it.
import { readFileSync, realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import koffi from 'koffi';

const MADV_DONTNEED = 4;

export interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  path: string;
  /** kB of the mapping that are resident */
  rssKb: number;
  /** kB of private (copy-on-write) pages: changes that exist nowhere else */
  anonymousKb: number;
}

/** The mappings listed in /proc/<pid>/smaps text. */
export function parseSmaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  let cur: Mapping | null = null;
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      cur = { start: BigInt(`0x${head[1]}`), end: BigInt(`0x${head[2]}`), perms: head[3], path: head[4], rssKb: 0, anonymousKb: 0 };
      out.push(cur);
      continue;
    }
    const field = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (field && cur) cur[field[1] === 'Rss' ? 'rssKb' : 'anonymousKb'] = Number(field[2]);
  }
  return out;
}

/** The mappings whose resident pages can be dropped without losing data: see the file comment. */
export function droppable(mappings: Mapping[], dirs: readonly string[]): Mapping[] {
  const prefixes = dirs.map((d) => (d.endsWith(sep) ? d : d + sep));
  return mappings.filter((m) => m.perms[0] === 'r' && m.perms[1] === '-' && m.anonymousKb === 0 && m.rssKb > 0 &&
    prefixes.some((p) => m.path.startsWith(p)));
}

type Madvise = (addr: bigint, length: bigint, advice: number) => number;
let madvise: Madvise | null | undefined;

function libcMadvise(): Madvise | null {
  if (madvise !== undefined) return madvise;
  if (process.platform !== 'linux') return (madvise = null);
  try {
    // uintptr_t instead of void*: the address is a number we read, not a pointer koffi made.
    const f = koffi.load('libc.so.6').func('int madvise(uintptr_t addr, size_t length, int advice)');
    return (madvise = (a, l, adv) => f(a, l, adv) as number);
  } catch {
    return (madvise = null); // not glibc (e.g. musl): leave it to the kernel
  }
}

/** Drops the resident pages of droppable mappings under `dirs`; returns the kB given back. */
export function dropMappedPages(dirs: readonly string[]): number {
  const advise = libcMadvise();
  if (!advise || dirs.length === 0) return 0;
  let text: string;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return 0;
  }
  // The kernel lists mapped files by their real, absolute path.
  const real = dirs.map((d) => {
    try {
      return realpathSync(d);
    } catch {
      return resolve(d);
    }
  });
  let kb = 0;
  for (const m of droppable(parseSmaps(text), real)) {
    if (advise(m.start, m.end - m.start, MADV_DONTNEED) === 0) kb += m.rssKb;
  }
  return kb;
}

/**
 * Runs `work` while dropping the mapped pages under `dirs` every `everyMs` and once at the end: the
 * first inference of a model copies gigabytes out of its mapping, and dropping as it goes keeps the
 * peak at one copy rather than two.
 */
export async function dropMappedPagesDuring<T>(dirs: readonly string[], work: Promise<T>, everyMs = 250): Promise<T> {
  if (!libcMadvise()) return work;
  const timer = setInterval(() => dropMappedPages(dirs), everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    dropMappedPages(dirs);
  }
}
