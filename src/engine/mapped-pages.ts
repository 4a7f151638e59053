// Gives back the memory of weight files OpenVINO has already copied. The CPU plugin maps a model's
// .bin (or its compiled-model cache blob) into memory and, on compile and on the first inference,
// copies the weights into its own repacked buffers; the mapped pages it read stay resident, so T5-XXL
// int8 holds 4.5 GB twice (measured: 9.0 GB RSS, of which 4.5 GB file-backed, for a 4.5 GB file).
// Those pages are the file's own (a shared, read-only mapping cannot hold a private change), so
// dropping them from this process (madvise MADV_DONTNEED) loses nothing: if OpenVINO reads one again
// it is faulted back in from the page cache.
//
// Only shared, read-only mappings of files under the given folders are touched (OpenVINO maps
// weights that way); a private mapping could hold copy-on-write pages, so it is left alone. The
// list comes from /proc/self/maps, not smaps: smaps walks every page table of the process, which
// during a first inference (allocating gigabytes) stalled it by seconds. Linux only; elsewhere the
// kernel's reclaim is left to do it. PIXART_KEEP_MAPPED_PAGES=1 turns it off (to measure it).
import { readFileSync, realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import koffi from 'koffi';

const MADV_DONTNEED = 4;

export interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  path: string;
}

/** The mappings listed in /proc/<pid>/maps text. */
export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (m) out.push({ start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), perms: m[3], path: m[4] });
  }
  return out;
}

/** The mappings whose pages can be dropped without losing data: see the file comment. */
export function droppable(mappings: Mapping[], dirs: readonly string[]): Mapping[] {
  const prefixes = dirs.map((d) => (d.endsWith(sep) ? d : d + sep));
  return mappings.filter((m) => m.perms === 'r--s' && prefixes.some((p) => m.path.startsWith(p)));
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

/** Drops the pages of droppable mappings under `dirs`; returns how many mappings were advised. */
export function dropMappedPages(dirs: readonly string[]): number {
  const advise = libcMadvise();
  if (!advise || dirs.length === 0) return 0;
  let text: string;
  try {
    text = readFileSync('/proc/self/maps', 'utf8');
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
  let n = 0;
  for (const m of droppable(parseMaps(text), real)) {
    if (advise(m.start, m.end - m.start, MADV_DONTNEED) === 0) n++;
  }
  return n;
}

/**
 * Runs `work` while dropping the mapped pages under `dirs` every `everyMs` and once at the end: the
 * first inference of a model copies gigabytes out of its mapping, and dropping as it goes keeps the
 * peak at one copy rather than two.
 */
export async function dropMappedPagesDuring<T>(dirs: readonly string[], work: Promise<T>, everyMs = 250): Promise<T> {
  if (!libcMadvise() || process.env.PIXART_KEEP_MAPPED_PAGES) return work;
  const timer = setInterval(() => dropMappedPages(dirs), everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    dropMappedPages(dirs);
  }
}
