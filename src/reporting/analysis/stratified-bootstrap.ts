/**
 * What the robust statistics' bootstraps share. Each draws indices `floor(random() × n)` from the same
 * seeded stream as bootstrap.ts (scripts/stats_reference.py replays it) and counts how often each
 * sorted value is drawn, so a statistic of sorted values costs O(n) per resample instead of a sort.
 * Stratified (rliable): each stratum (task) is resampled on its own.
 */
import { quantileSorted, seededRandom } from './bootstrap.js';

export { seededRandom };

/** The percentile interval of bootstrap statistics (sorted in place); numpy's linear quantiles. */
export function percentileInterval(stats: number[], level: number): [number, number] {
  stats.sort((x, y) => x - y);
  const alpha = (1 - level) / 2;
  return [quantileSorted(stats, alpha), quantileSorted(stats, 1 - alpha)];
}

/** Options every robust bootstrap takes. */
export interface ResampleOptions {
  /** PRNG seed. @default 0 */
  seed?: number;
  /** Number of resamples. @default 10000 */
  resamples?: number;
  /** Confidence level. @default 0.95 */
  level?: number;
}

/** All strata's values sorted together, and where each stratum's i-th value went. */
export interface SortedPool {
  sorted: number[];
  /** position[t][i]: index in `sorted` of stratum t's value i. */
  position: number[][];
}

/** Sorts the strata's values together (empty strata are kept, and never drawn from). */
export function sortedPool(strata: readonly (readonly number[])[]): SortedPool {
  const pool = strata.flatMap((s, t) => s.map((value, i) => ({ value, t, i })));
  pool.sort((x, y) => x.value - y.value);
  const position = strata.map((s) => new Array<number>(s.length).fill(0));
  pool.forEach((p, k) => {
    const row = position[p.t];
    if (row) row[p.i] = k;
  });
  return { sorted: pool.map((p) => p.value), position };
}

/**
 * One stratified resample as counts per sorted position: stratum by stratum, as many draws as the
 * stratum has values, index `floor(random() × n)`.
 */
export function drawStratified(
  random: () => number,
  position: readonly number[][],
  counts: Float64Array,
): void {
  counts.fill(0);
  for (const row of position) {
    const n = row.length;
    for (let k = 0; k < n; k++) {
      const p = row[Math.min(n - 1, Math.floor(random() * n))] ?? 0;
      counts[p] = (counts[p] ?? 0) + 1;
    }
  }
}
