// Display helpers for the webview. Pure.

/** 850 → "1 s", 12_300 → "12 s", 95_000 → "1 min 35 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

function gcd(a: number, b: number): number {
  return b ? gcd(b, a % b) : a;
}

/** "1024×1024 · square", "1152×896 · landscape 9:7" (ratio reduced; approximate for awkward sizes). */
export function sizeLabel(width: number, height: number): string {
  if (width === height) return `${width}×${height} · square`;
  const shape = width > height ? 'landscape' : 'portrait';
  const g = gcd(width, height);
  const rw = width / g;
  const rh = height / g;
  if (rw > 32 || rh > 32) {
    const r = width / height;
    return `${width}×${height} · ${shape} ${r >= 1 ? `${r.toFixed(2)}:1` : `1:${(1 / r).toFixed(2)}`}`;
  }
  return `${width}×${height} · ${shape} ${rw}:${rh}`;
}
