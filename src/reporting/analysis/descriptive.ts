/** Descriptive statistics of one sample: the per-group numbers every report shows. */
import { studentTQuantile } from './distributions.js';

/** Summary of a sample. Quantities that need more observations than there are are `null` (JSON-safe). */
export interface SampleSummary {
  n: number;
  mean: number | null;
  /** Sample standard deviation (n − 1 denominator); null for n < 2. */
  sd: number | null;
  /** Two-sided 95 % confidence interval of the mean from the t distribution (n − 1 df); null for n < 2. */
  ci95: [number, number] | null;
  median: number | null;
  min: number | null;
  max: number | null;
}

/** Arithmetic mean; NaN for an empty sample. */
export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample variance with the n − 1 denominator (two-pass, for accuracy). */
export function variance(values: readonly number[]): number {
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  return ss / (values.length - 1);
}

/** Median (mean of the two middle values for even n). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? Number.NaN) + upper) / 2;
}

/** Half-width of the two-sided t confidence interval of a mean. */
export function tHalfWidth(options: {
  /** Standard error of the mean. */
  standardError: number;
  /** Degrees of freedom. */
  df: number;
  /** Confidence level. @default 0.95 */
  level?: number;
}): number {
  const level = options.level ?? 0.95;
  return studentTQuantile(1 - (1 - level) / 2, options.df) * options.standardError;
}

/** Summarises a sample: n, mean, sd, 95 % t CI of the mean, median, min, max. Non-finite values are dropped. */
export function summarize(values: readonly number[]): SampleSummary {
  const xs = values.filter((v) => Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { n, mean: null, sd: null, ci95: null, median: null, min: null, max: null };
  const m = mean(xs);
  const base = { n, mean: m, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
  if (n < 2) return { ...base, sd: null, ci95: null };
  const sd = Math.sqrt(variance(xs));
  const half = tHalfWidth({ standardError: sd / Math.sqrt(n), df: n - 1 });
  return { ...base, sd, ci95: [m - half, m + half] };
}
