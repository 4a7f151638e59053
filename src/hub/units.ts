// Byte counts, rates and durations in words for messages and progress lines (SI units, as the hub shows sizes).

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** 1834512 → "1.8 MB"; three significant digits at most, whole bytes below 1 kB. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '? B';
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  const digits = u === 0 ? 0 : v < 10 ? 1 : 0;
  return `${n < 0 ? '-' : ''}${v.toFixed(digits)} ${UNITS[u]}`;
}

/** 75 → "1 min 15 s"; 3725 → "1 h 2 min"; 9.4 → "9 s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ''}`;
}
