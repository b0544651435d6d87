/**
 * Standardised effect sizes with Hedges' small-sample correction.
 *
 * Paired designs report g_av (Lakens 2013): the mean difference over the average of the two groups'
 * standard deviations, times J(n − 1). Chosen over d_z (mean difference over the sd of the differences)
 * because with common random numbers the seeds make the differences strongly correlated, which inflates
 * d_z; g_av stays on the scale of the between-variant spread and so is comparable with the unpaired g of
 * a Welch comparison. d_z is reported alongside for readers who want it.
 */
import { mean, variance } from './descriptive.js';
import { logGamma } from './distributions.js';

/** Hedges' exact small-sample correction J(df) = Γ(df/2) / (√(df/2) Γ((df−1)/2)). */
export function hedgesCorrection(df: number): number {
  if (!(df > 1)) return Number.NaN;
  return Math.exp(logGamma(df / 2) - 0.5 * Math.log(df / 2) - logGamma((df - 1) / 2));
}

/** Hedges' g of two independent samples: (mean a − mean b) / pooled sd × J(na + nb − 2). */
export function hedgesGUnpaired(options: { a: readonly number[]; b: readonly number[] }): number {
  const { a, b } = options;
  const df = a.length + b.length - 2;
  const pooled = Math.sqrt(((a.length - 1) * variance(a) + (b.length - 1) * variance(b)) / df);
  return ((mean(a) - mean(b)) / pooled) * hedgesCorrection(df);
}

/** Paired effect sizes of `a − b` (same order = same seed). */
export function pairedEffectSizes(options: { a: readonly number[]; b: readonly number[] }): {
  gAv: number;
  dz: number;
} {
  const { a, b } = options;
  const d = a.map((x, i) => x - (b[i] ?? Number.NaN));
  const meanDiff = mean(d);
  const averageSd = (Math.sqrt(variance(a)) + Math.sqrt(variance(b))) / 2;
  return {
    gAv: (meanDiff / averageSd) * hedgesCorrection(a.length - 1),
    dz: meanDiff / Math.sqrt(variance(d)),
  };
}
