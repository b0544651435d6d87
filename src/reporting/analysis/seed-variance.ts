/**
 * Variance of an outcome decomposed by source of randomness: a random-effects ANOVA of a balanced
 * crossed design (K factors of L levels each, one observation per cell), by the method of moments.
 *
 * Model: y = μ + Σ_k a_k(level_k) + e, a_k ~ (0, σ_k²), e ~ (0, σ_e²) (e holds the interactions and
 * any other noise). With c = L^(K−1) observations per level, E[MS_k] = σ_e² + c·σ_k² and E[MS_e] = σ_e²,
 * so σ̂_k² = (MS_k − MS_e) / c and σ̂_e² = MS_e (Searle, Casella & McCulloch 1992, ch. 4).
 *
 * CIs: σ_e² has the exact chi-square interval. σ_k² is a difference of mean squares, for which no exact
 * interval exists; the modified large-sample (MLS) interval of Ting, Burdick, Graybill, Jeyaratnam & Lu
 * (1990) (Burdick & Graybill 1992, §3.3) keeps close to its nominal coverage even with few levels,
 * where Satterthwaite's approximation is known to be liberal (a test checks 95 % MLS intervals cover
 * the truth in ≥ 90 % of simulated designs). Bounds below zero are set to zero (a variance).
 */
import jStat from 'jstat';

/** One variance component with its method-of-moments estimate and CI. */
export interface VarianceComponent {
  /** Factor name, or `residual`. */
  name: string;
  /** Degrees of freedom of its mean square. */
  df: number;
  meanSquare: number;
  /** The unbiased moment estimate (may be negative when the factor's effect is small). */
  raw: number;
  /** `raw` truncated at zero: what tables and shares show. */
  estimate: number;
  /** Two-sided CI at the analysis' confidence; null without degrees of freedom to form it. */
  ci: [number, number] | null;
  /** `estimate` over the sum of every component's: the share of the outcome's variance. */
  share: number;
}

/** What {@link crossedAnova} returns. */
export interface CrossedAnova {
  /** Levels per factor. */
  levels: number;
  /** Observations (L^K). */
  n: number;
  mean: number;
  /** One per factor, in the order given. */
  factors: VarianceComponent[];
  /** Interactions and other noise; df 0 (a design of one factor) ⇒ confounded with the factor. */
  residual: VarianceComponent;
  confidence: number;
  /** The factor with the largest estimate (undefined when every estimate is zero). */
  dominant: string | undefined;
}

/** Options of {@link crossedAnova}. */
export interface CrossedAnovaOptions {
  /** Factor names (K ≥ 1). */
  factors: readonly string[];
  /** Levels per factor (L ≥ 2). */
  levels: number;
  /**
   * The L^K observations by cell index: cell i has factor j at level ⌊i / L^j⌋ mod L (the first factor
   * varies fastest), as a factorial seed design numbers its trials.
   */
  values: readonly number[];
  /** Two-sided confidence of the CIs. @default 0.95 */
  confidence?: number;
}

/** Lower-tail quantile of chi-square with `df` degrees of freedom. */
function chiSquareQuantile(p: number, df: number): number {
  return jStat.chisquare.inv(p, df);
}

/** Lower-tail quantile of F(df1, df2). */
function fQuantile(p: number, df1: number, df2: number): number {
  return jStat.centralF.inv(p, df1, df2);
}

/** Exact CI of σ² from a mean square on `df` degrees of freedom (df · MS / σ² ~ χ²_df). */
export function chiSquareVarianceCi(meanSquare: number, df: number, confidence: number): [number, number] {
  const a = (1 - confidence) / 2;
  return [(df * meanSquare) / chiSquareQuantile(1 - a, df), (df * meanSquare) / chiSquareQuantile(a, df)];
}

/**
 * MLS CI of θ = c1·E[MS1] − c2·E[MS2] (c1, c2 > 0) from independent mean squares on df1 and df2
 * degrees of freedom (Ting et al. 1990; Burdick & Graybill 1992, eqs. 3.8 and 3.9); bounds clipped at 0.
 */
export function mlsDifferenceCi(options: {
  ms1: number;
  df1: number;
  ms2: number;
  df2: number;
  c1: number;
  c2: number;
  confidence: number;
}): [number, number] {
  const { ms1, df1, ms2, df2, c1, c2 } = options;
  const a = (1 - options.confidence) / 2;
  const g1 = 1 - df1 / chiSquareQuantile(1 - a, df1);
  const h1 = df1 / chiSquareQuantile(a, df1) - 1;
  const g2 = 1 - df2 / chiSquareQuantile(1 - a, df2);
  const h2 = df2 / chiSquareQuantile(a, df2) - 1;
  const fHigh = fQuantile(1 - a, df1, df2);
  const fLow = fQuantile(a, df1, df2);
  const g12 = ((fHigh - 1) ** 2 - g1 ** 2 * fHigh ** 2 - h2 ** 2) / fHigh;
  const h12 = ((1 - fLow) ** 2 - h1 ** 2 * fLow ** 2 - g2 ** 2) / fLow;
  const t1 = c1 * ms1;
  const t2 = c2 * ms2;
  const theta = t1 - t2;
  const lower = theta - Math.sqrt(Math.max(0, g1 ** 2 * t1 ** 2 + h2 ** 2 * t2 ** 2 + g12 * t1 * t2));
  const upper = theta + Math.sqrt(Math.max(0, h1 ** 2 * t1 ** 2 + g2 ** 2 * t2 ** 2 + h12 * t1 * t2));
  return [Math.max(0, lower), Math.max(0, upper)];
}

/**
 * Variance components of a balanced crossed design with one observation per cell; see the module
 * comment. @throws RangeError when the values are not L^K finite numbers.
 */
export function crossedAnova(options: CrossedAnovaOptions): CrossedAnova {
  const { factors, levels: L, values } = options;
  const confidence = options.confidence ?? 0.95;
  const K = factors.length;
  if (K < 1 || !Number.isInteger(L) || L < 2)
    throw new RangeError('crossedAnova: needs ≥ 1 factor of ≥ 2 levels');
  const n = L ** K;
  if (values.length !== n || !values.every(Number.isFinite))
    throw new RangeError(`crossedAnova: expected ${n} finite values (${L}^${K} cells), got ${values.length}`);
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const totalSs = values.reduce((s, v) => s + (v - mean) ** 2, 0);
  const perLevel = n / L;
  const factorSs = factors.map((_, j) => {
    const sums = new Array<number>(L).fill(0);
    const stride = L ** j;
    values.forEach((v, i) => (sums[Math.floor(i / stride) % L]! += v));
    return sums.reduce((s, sum) => s + perLevel * (sum / perLevel - mean) ** 2, 0);
  });
  const dfFactor = L - 1;
  const dfResidual = n - 1 - K * dfFactor;
  const residualSs = Math.max(0, totalSs - factorSs.reduce((s, v) => s + v, 0));
  const msResidual = dfResidual > 0 ? residualSs / dfResidual : 0;

  const components = factors.map((name, j) => {
    const ms = factorSs[j]! / dfFactor;
    const raw = (ms - msResidual) / perLevel;
    const ci =
      dfResidual > 0
        ? mlsDifferenceCi({
            ms1: ms,
            df1: dfFactor,
            ms2: msResidual,
            df2: dfResidual,
            c1: 1 / perLevel,
            c2: 1 / perLevel,
            confidence,
          })
        : // No residual degrees of freedom: the factor's mean square holds σ_e² too (an upper bound).
          chiSquareVarianceCi(ms / perLevel, dfFactor, confidence);
    return { name, df: dfFactor, meanSquare: ms, raw, estimate: Math.max(0, raw), ci, share: 0 };
  });
  const residual: VarianceComponent = {
    name: 'residual',
    df: dfResidual,
    meanSquare: msResidual,
    raw: msResidual,
    estimate: msResidual,
    ci: dfResidual > 0 ? chiSquareVarianceCi(msResidual, dfResidual, confidence) : null,
    share: 0,
  };
  const total = components.reduce((s, c) => s + c.estimate, residual.estimate);
  for (const c of [...components, residual]) c.share = total > 0 ? c.estimate / total : 0;
  const top = components.reduce<VarianceComponent | undefined>(
    (best, c) => (c.estimate > 0 && (!best || c.estimate > best.estimate) ? c : best),
    undefined,
  );
  return { levels: L, n, mean, factors: components, residual, confidence, dominant: top?.name };
}

/**
 * The variance of values that share no design (sources varied together): the sample variance with its
 * exact chi-square CI (normal values). Undefined for fewer than two values.
 */
export function jointVariance(
  values: readonly number[],
  confidence = 0.95,
): { n: number; estimate: number; ci: [number, number] } | undefined {
  const n = values.length;
  if (n < 2) return undefined;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { n, estimate: variance, ci: chiSquareVarianceCi(variance, n - 1, confidence) };
}
