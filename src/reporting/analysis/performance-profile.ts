/**
 * Performance profiles (rliable's score distributions, Agarwal et al. 2021): for each threshold τ, the
 * fraction of all runs whose score beats τ, with a stratified-bootstrap CI band. A curve that lies
 * above another at every τ dominates it; unlike a mean, it shows the whole distribution of seeds.
 */
import {
  drawStratified,
  percentileInterval,
  seededRandom,
  sortedPool,
  type ResampleOptions,
} from './stratified-bootstrap.js';

/** Which side of τ is better: `above` (a score > τ, rliable's default) or `below` (a score < τ, for objectives to minimise). */
export type ProfileDirection = 'above' | 'below';

/** Points of the default τ grid. */
export const PROFILE_POINTS = 51;

/** `points` evenly spaced thresholds from the lowest to the highest finite value (one when they are equal; none without values). */
export function tauGrid(values: readonly number[], points = PROFILE_POINTS): number[] {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return [];
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  if (lo === hi || points < 2) return [lo];
  return Array.from({ length: points }, (_, k) =>
    k === points - 1 ? hi : lo + ((hi - lo) * k) / (points - 1),
  );
}

/** Options of {@link scoreDistribution}. */
export interface ProfileOptions {
  /** Runs per stratum (task); the profile pools them all, as rliable's `score_distributions` does. */
  strata: readonly (readonly number[])[];
  taus: readonly number[];
  /** @default 'above' */
  better?: ProfileDirection;
}

/** How many of the sorted values beat τ: those after the last value ≤ τ (above) or before the first ≥ τ (below). */
function beatingRange(sorted: readonly number[], tau: number, better: ProfileDirection): [number, number] {
  if (better === 'above') {
    let k = 0;
    while (k < sorted.length && (sorted[k] ?? 0) <= tau) k++;
    return [k, sorted.length];
  }
  let k = 0;
  while (k < sorted.length && (sorted[k] ?? 0) < tau) k++;
  return [0, k];
}

/** rliable's `score_distributions(scores, taus)`: per τ, the fraction of all runs beating τ. */
export function scoreDistribution(options: ProfileOptions): number[] {
  const sorted = options.strata.flat().sort((x, y) => x - y);
  return options.taus.map((tau) => {
    const [from, to] = beatingRange(sorted, tau, options.better ?? 'above');
    return (to - from) / sorted.length;
  });
}

/**
 * Percentile-bootstrap CI of each point of {@link scoreDistribution}, stratified like the IQM's (each
 * resample draws, stratum by stratum, as many runs as the stratum has). Empty without runs.
 */
export function scoreDistributionCi(options: ProfileOptions & ResampleOptions): [number, number][] {
  const resamples = options.resamples ?? 10_000;
  const strata = options.strata.filter((s) => s.length > 0);
  const total = strata.reduce((s, x) => s + x.length, 0);
  if (total === 0) return [];
  // Each value's position in the sorted pool: a resample is a count per position, walked in order.
  const { sorted, position } = sortedPool(strata);
  const ranges = options.taus.map((tau) => beatingRange(sorted, tau, options.better ?? 'above'));
  const counts = new Float64Array(total);
  const cumulative = new Float64Array(total + 1);
  const stats = options.taus.map(() => new Array<number>(resamples));
  const random = seededRandom(options.seed ?? 0);
  for (let r = 0; r < resamples; r++) {
    drawStratified(random, position, counts);
    for (let p = 0; p < total; p++) cumulative[p + 1] = (cumulative[p] ?? 0) + (counts[p] ?? 0);
    ranges.forEach(([from, to], k) => {
      const column = stats[k];
      if (column) column[r] = ((cumulative[to] ?? 0) - (cumulative[from] ?? 0)) / total;
    });
  }
  const level = options.level ?? 0.95;
  return stats.map((column) => percentileInterval(column, level));
}
