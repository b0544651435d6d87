/**
 * Two-sample tests: paired t, Welch's t and the Wilcoxon signed-rank test, all two-sided, computed the
 * way scipy.stats computes them (`ttest_rel`, `ttest_ind(equal_var=False)`, `wilcoxon`).
 */
import { mean, variance } from './descriptive.js';
import { normalTwoSidedP, studentTTwoSidedP } from './distributions.js';

/** Result of a t test. `statistic` and `p` are NaN when undefined (e.g. zero variance and zero mean). */
export interface TTestResult {
  method: 'paired t' | 'Welch t';
  statistic: number;
  df: number;
  p: number;
}

/** How a Wilcoxon p-value was obtained. */
export const WilcoxonMethod = { exact: 'exact', normal: 'normal approximation' } as const;
export type WilcoxonMethod = (typeof WilcoxonMethod)[keyof typeof WilcoxonMethod];

export interface WilcoxonResult {
  /** min(R+, R−) over the non-zero differences. */
  statistic: number;
  p: number;
  method: WilcoxonMethod;
  /** Non-zero differences the test used (zeros are dropped: Wilcoxon's original rule). */
  n: number;
  /** Zero differences dropped. */
  zeros: number;
  /** Whether absolute differences had ties (then the normal approximation with tie correction is used). */
  ties: boolean;
}

/** Largest number of non-zero differences for which the exact null distribution is used (as scipy's `auto`). */
export const WILCOXON_EXACT_MAX_N = 50;

/** Paired t test of `a − b` against zero. Requires equal lengths (pairs in the same order). */
export function pairedTTest(options: { a: readonly number[]; b: readonly number[] }): TTestResult {
  const { a, b } = options;
  if (a.length !== b.length)
    throw new RangeError(`paired samples differ in length: ${a.length} vs ${b.length}`);
  const d = a.map((x, i) => x - (b[i] ?? Number.NaN));
  const n = d.length;
  const df = n - 1;
  const statistic = mean(d) / Math.sqrt(variance(d) / n);
  return { method: 'paired t', statistic, df, p: studentTTwoSidedP(statistic, df) };
}

/** Welch's unequal-variance t test of mean(a) − mean(b) against zero, with Welch–Satterthwaite df. */
export function welchTTest(options: { a: readonly number[]; b: readonly number[] }): TTestResult {
  const { a, b } = options;
  const va = variance(a) / a.length;
  const vb = variance(b) / b.length;
  const statistic = (mean(a) - mean(b)) / Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  return { method: 'Welch t', statistic, df, p: studentTTwoSidedP(statistic, df) };
}

/** Average ranks (1-based) of `values`, ties sharing the mean of their ranks; also whether any tie occurred. */
export function averageRanks(values: readonly number[]): { ranks: number[]; tieGroupSizes: number[] } {
  const order = values.map((v, i) => ({ v, i })).sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(values.length).fill(0);
  const tieGroupSizes: number[] = [];
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && order[end]?.v === order[start]?.v) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]?.i ?? 0] = rank;
    tieGroupSizes.push(end - start);
    start = end;
  }
  return { ranks, tieGroupSizes };
}

/** Number of subsets of {1..n} with each rank sum 0..n(n+1)/2: the exact null distribution of R+ (×2⁻ⁿ). */
function signedRankCounts(n: number): number[] {
  const max = (n * (n + 1)) / 2;
  const counts = new Array<number>(max + 1).fill(0);
  counts[0] = 1;
  for (let k = 1; k <= n; k++) {
    for (let s = max; s >= k; s--) counts[s] = (counts[s] ?? 0) + (counts[s - k] ?? 0);
  }
  return counts;
}

/**
 * Wilcoxon signed-rank test of the paired differences `a − b`. Zero differences are dropped. Exact
 * p-value when there are no ties, no zeros and at most {@link WILCOXON_EXACT_MAX_N} pairs; otherwise the
 * normal approximation with the tie-corrected variance and no continuity correction.
 */
export function wilcoxonSignedRank(options: { a: readonly number[]; b: readonly number[] }): WilcoxonResult {
  const { a, b } = options;
  if (a.length !== b.length)
    throw new RangeError(`paired samples differ in length: ${a.length} vs ${b.length}`);
  const all = a.map((x, i) => x - (b[i] ?? Number.NaN));
  const d = all.filter((x) => x !== 0);
  const zeros = all.length - d.length;
  const n = d.length;
  if (n === 0)
    return { statistic: Number.NaN, p: Number.NaN, method: WilcoxonMethod.normal, n, zeros, ties: false };
  const { ranks, tieGroupSizes } = averageRanks(d.map(Math.abs));
  let rPlus = 0;
  let rMinus = 0;
  d.forEach((x, i) => {
    if (x > 0) rPlus += ranks[i] ?? 0;
    else rMinus += ranks[i] ?? 0;
  });
  const ties = tieGroupSizes.some((t) => t > 1);
  const statistic = Math.min(rPlus, rMinus);
  if (!ties && zeros === 0 && n <= WILCOXON_EXACT_MAX_N) {
    const counts = signedRankCounts(n);
    let atMost = 0;
    for (let s = 0; s <= statistic; s++) atMost += counts[s] ?? 0;
    const p = Math.min(1, (2 * atMost) / 2 ** n);
    return { statistic, p, method: WilcoxonMethod.exact, n, zeros, ties };
  }
  const expected = (n * (n + 1)) / 4;
  const tieTerm = tieGroupSizes.reduce((s, t) => s + t ** 3 - t, 0);
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1) - tieTerm / 2) / 24);
  const z = (rPlus - expected) / sd;
  return { statistic, p: normalTwoSidedP(z), method: WilcoxonMethod.normal, n, zeros, ties };
}
