/** Percentiles and formatting for the bench table. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function latencySummary(samples: number[]): { p50_ms: number; p99_ms: number; p999_ms: number; samples: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50_ms: round(percentile(s, 50), 2), p99_ms: round(percentile(s, 99), 2), p999_ms: round(percentile(s, 99.9), 2), samples: s.length };
}

/** Median of a list (the mean of the middle two when even); NaN when empty. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function round(v: number, digits = 1): number {
  if (!Number.isFinite(v)) return v;
  return Math.round(v * 10 ** digits) / 10 ** digits;
}

export const mib = (bytes: number): number => round(bytes / 1048576, 1);

/** A fixed-width text table. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? (Number.isFinite(c) ? String(c) : '–') : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  return cells.map((r, ri) => {
    const line = r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    return ri === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}
