/**
 * Interquartile mean (IQM) and its stratified-bootstrap CI, as rliable (Agarwal et al. 2021) defines
 * them: the mean of the middle 50 % of every run of every task (scipy `trim_mean(x, 0.25)`), resampled
 * run by run within each task. A report has one task: each group is one stratum.
 */
import {
  drawStratified,
  percentileInterval,
  seededRandom,
  sortedPool,
  type ResampleOptions,
} from './stratified-bootstrap.js';

/** Fraction cut from each end: the interquartile mean keeps the middle half. */
export const IQM_PROPORTION = 0.25;

/** scipy's `trim_mean`: drop floor(proportion × n) values from each end of the sorted sample, average the rest; NaN when empty. */
export function trimMean(values: readonly number[], proportion: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  const cut = Math.floor(proportion * sorted.length);
  const kept = sorted.slice(cut, sorted.length - cut);
  let sum = 0;
  for (const v of kept) sum += v;
  return sum / kept.length;
}

/** rliable's `aggregate_iqm`: the 25 % trimmed mean over all values of all strata. */
export function interquartileMean(strata: readonly (readonly number[])[]): number {
  return trimMean(strata.flat(), IQM_PROPORTION);
}

/** Options of {@link iqmBootstrapCi}. */
export interface IqmBootstrapOptions extends ResampleOptions {
  /** Values per stratum (task); each stratum is resampled on its own. */
  strata: readonly (readonly number[])[];
}

/**
 * Percentile-bootstrap CI of the IQM, stratified: each resample draws, stratum by stratum, as many
 * values as the stratum has. [NaN, NaN] without values.
 */
export function iqmBootstrapCi(options: IqmBootstrapOptions): [number, number] {
  const resamples = options.resamples ?? 10_000;
  const strata = options.strata.filter((s) => s.length > 0);
  const total = strata.reduce((s, x) => s + x.length, 0);
  if (total === 0) return [Number.NaN, Number.NaN];
  // Each value's position in the sorted pool: a resample is a count per position, walked in order.
  const { sorted, position } = sortedPool(strata);
  const cut = Math.floor(IQM_PROPORTION * total);
  const end = total - cut;
  const counts = new Float64Array(total);
  const random = seededRandom(options.seed ?? 0);
  const stats = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    drawStratified(random, position, counts);
    let seen = 0;
    let sum = 0;
    for (let p = 0; p < total && seen < end; p++) {
      const c = counts[p] ?? 0;
      if (c === 0) continue;
      const overlap = Math.min(seen + c, end) - Math.max(seen, cut);
      if (overlap > 0) sum += (sorted[p] ?? Number.NaN) * overlap;
      seen += c;
    }
    stats[r] = sum / (end - cut);
  }
  return percentileInterval(stats, options.level ?? 0.95);
}
