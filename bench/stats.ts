/**
 * The figures the benches report, computed one way for all of them.
 */

/**
 * Nearest-rank percentile of ascending `sorted` values (`p` in 0..100).
 * @param empty what an empty sample gives (NaN unless the bench reports 0)
 */
export function percentile(sorted: readonly number[], p: number, empty = NaN): number {
  if (sorted.length === 0) return empty;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Median of unsorted values (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
