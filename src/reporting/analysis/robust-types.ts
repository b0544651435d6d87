/**
 * The report's robust statistics (rliable, Agarwal et al. 2021) as plain JSON: the interquartile mean
 * of each group, the probability of improvement of each comparison, the performance profiles. Every
 * field that holds them is optional: reports written before they existed render as they did.
 */

/** A group's interquartile mean of the objective's final value, with its stratified-bootstrap 95 % CI. */
export interface IqmReport {
  /** Mean of the middle 50 % of the seeds' values (scipy `trim_mean(x, 0.25)`); null without values. */
  value: number | null;
  /** Percentile-bootstrap 95 % CI; null for one seed or more than the bootstrap's largest sample. */
  ci95: [number, number] | null;
}

/**
 * P(a better than b) on the objective's final value: the chance that a random seed of `a` beats a
 * random seed of `b` (ties count half), with the objective's direction (mode min: lower is better).
 */
export interface ProbabilityOfImprovementReport {
  value: number | null;
  /** Percentile-bootstrap 95 % CI, each side resampled on its own (rliable's independent bootstrap). */
  ci95: [number, number] | null;
  /** Values used on each side: the comparison's seeds (the complete pairs when paired). */
  nA: number;
  nB: number;
}

/** Performance profiles of the objective's final value: per group, the fraction of seeds better than each τ. */
export interface PerformanceProfileReport {
  /** `above`: better means a value > τ (mode max); `below`: a value < τ (mode min). */
  better: 'above' | 'below';
  /** The τ grid, ascending: evenly spaced from the lowest to the highest value of any group. */
  taus: number[];
  /** Bootstrap resamples of the bands (fewer than the report's: one sort per τ). */
  resamples: number;
  groups: {
    groupKey: string;
    label: string;
    /** Fraction of the group's seeds better than each τ. */
    fractions: number[];
    /** Percentile-bootstrap 95 % CI of each fraction; null when the group was not bootstrapped. */
    ci95: [number, number][] | null;
  }[];
}
