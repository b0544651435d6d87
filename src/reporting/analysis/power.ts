/**
 * How many seeds a paired comparison needs: the power of the paired t test (statsmodels'
 * `TTestPower`, two-sided) from the non-central t distribution, solved for the number of pairs; and,
 * from a pilot sweep's records, the spread of each comparison's paired differences that turns an
 * effect in the objective's units into a standardised one (d_z = effect / sd of the differences).
 */
import { UserError } from '../../core/common/errors.js';
import type { Objective } from '../../core/domain/objective.js';
import type { TrialRecord } from '../../core/domain/trial.js';
import type { ComparisonSpec } from '../../sweep-spec/types.js';
import { comparisonName, defaultComparisonPairs, resolveComparisonSpecs } from './comparisons.js';
import { mean, variance } from './descriptive.js';
import { logGamma, normalCdf, studentTQuantile, studentTTwoSidedP } from './distributions.js';
import { groupRecords, summarizeGroup } from './groups.js';
import { finalValue } from './metrics.js';

const ERROR_MAX = 1e-12;
const ITERATIONS_MAX = 1000;
const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);

/**
 * P(T ≤ t) for the non-central t with `df` degrees of freedom and non-centrality `delta`: Lenth's
 * AS 243 series, as R's `pnt` evaluates it (absolute error ~1e-12).
 */
export function noncentralTCdf(t: number, df: number, delta: number): number {
  if (Number.isNaN(t) || !(df > 0) || Number.isNaN(delta)) return Number.NaN;
  if (t === Number.POSITIVE_INFINITY) return 1;
  if (t === Number.NEGATIVE_INFINITY) return 0;
  const negative = t < 0;
  const tt = negative ? -t : t;
  const del = negative ? -delta : delta;
  let tnc = 0;
  const x = (tt * tt) / (tt * tt + df);
  if (x > 0) {
    const lambda = del * del;
    let p = 0.5 * Math.exp(-0.5 * lambda);
    // Far in the tail the series underflows; there P(T ≤ t) is 0 on this side.
    if (p === 0) return negative ? 1 : 0;
    let q = Math.sqrt(2 / Math.PI) * p * del;
    let s = 0.5 - p;
    if (s < 1e-7) s = -0.5 * Math.expm1(-0.5 * lambda);
    let a = 0.5;
    const b = 0.5 * df;
    const rxb = Math.pow(1 - x, b);
    const logBeta = LOG_SQRT_PI + logGamma(b) - logGamma(0.5 + b);
    // I_x(1/2, df/2) is the two-sided t p-value's complement at tt.
    let xodd = 1 - studentTTwoSidedP(tt, df);
    let godd = 2 * rxb * Math.exp(a * Math.log(x) - logBeta);
    const bx = b * x;
    let xeven = bx < Number.EPSILON ? bx : 1 - rxb;
    let geven = bx * rxb;
    tnc = p * xodd + q * xeven;
    for (let it = 1; it <= ITERATIONS_MAX; it++) {
      a += 1;
      xodd -= godd;
      xeven -= geven;
      godd *= (x * (a + b - 1)) / a;
      geven *= (x * (a + b - 0.5)) / (a + 0.5);
      p *= lambda / (2 * it);
      q *= lambda / (2 * it + 1);
      tnc += p * xodd + q * xeven;
      s -= p;
      if (s < -1e-10 || (s <= 0 && it > 1)) break;
      if (Math.abs(2 * s * (xodd - godd)) < ERROR_MAX) break;
    }
  }
  tnc += normalCdf(-del);
  const lower = Math.min(tnc, 1);
  return negative ? 1 - lower : lower;
}

/** Options of {@link pairedTTestPower}. */
export interface PairedPowerOptions {
  /** Standardised effect d_z: mean difference / sd of the differences (> 0). */
  effectSize: number;
  /** Pairs (may be fractional while solving; ≥ 2). */
  pairs: number;
  /** Two-sided significance level. @default 0.05 */
  alpha?: number;
}

/** Power of the two-sided paired (one-sample) t test: statsmodels `TTestPower().power(effect_size, nobs, alpha)`. */
export function pairedTTestPower(options: PairedPowerOptions): number {
  const alpha = options.alpha ?? 0.05;
  const df = options.pairs - 1;
  const crit = studentTQuantile(1 - alpha / 2, df);
  const nc = options.effectSize * Math.sqrt(options.pairs);
  return 1 - noncentralTCdf(crit, df, nc) + noncentralTCdf(-crit, df, nc);
}

/** Smallest (fractional) pairs count, at least 2, whose paired t test reaches `power`; Infinity when the effect is 0. */
export function solvePairs(options: { effectSize: number; alpha?: number; power?: number }): number {
  const target = options.power ?? 0.8;
  const d = Math.abs(options.effectSize);
  if (!(d > 0)) return Number.POSITIVE_INFINITY;
  const at = (n: number): number => pairedTTestPower({ effectSize: d, pairs: n, alpha: options.alpha });
  let lo = 2;
  if (!Number.isFinite(d) || at(lo) >= target) return lo;
  let hi = 4;
  while (at(hi) < target) {
    lo = hi;
    hi *= 2;
    if (hi > 1e9) return Number.POSITIVE_INFINITY;
  }
  // Power rises with n: bisection to ~1e-12 relative is a hundred steps at most.
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (at(mid) < target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** One comparison of the pilot and the seeds it needs. */
export interface PowerComparison {
  name: string;
  /** Seeds both groups finished with a finite objective value. */
  pairs: number;
  /** Mean and sd of the pilot's paired differences a − b. */
  meanDifference: number;
  sdDifference: number;
  /** The stated effect over `sdDifference`. */
  effectSize: number;
  /** Solved number of pairs (fractional), as statsmodels' `solve_power` gives it. */
  solvedPairs: number;
  /** Seeds needed: `solvedPairs` rounded up, at least 2. */
  seeds: number;
  /** Power of the paired t test for the stated effect with the pilot's own number of pairs. */
  pilotPower: number;
}

/** What `plan --power` reports. */
export interface PowerPlan {
  /** The pilot sweep, as given. */
  pilot: string;
  /** The effect to detect, in the objective's units (a difference of final values). */
  effect: number;
  alpha: number;
  power: number;
  objective: Objective;
  comparisons: PowerComparison[];
  /** The most any comparison needs (the sd of differences varies between comparisons). */
  seeds: number;
  notes: string[];
}

/** Options of {@link pilotPower}. */
export interface PilotPowerOptions {
  /** The pilot sweep's name or id, for messages. */
  pilot: string;
  /** The pilot's finished trials. */
  records: readonly TrialRecord[];
  objective: Objective;
  /** The spec's comparisons; none (or none matching the pilot) ⇒ every pair of groups differing in one factor. */
  comparisons?: readonly ComparisonSpec[];
  /** Effect to detect, in the objective's units (> 0). */
  effect: number;
  /** @default 0.05 */
  alpha?: number;
  /** @default 0.8 */
  power?: number;
}

/**
 * Seeds a paired comparison needs to detect `effect` from the pilot's paired differences, per
 * comparison and at most. Throws `E_POWER_EFFECT` for a non-positive effect, `E_POWER_NO_PILOT`
 * without records and `E_POWER_PAIRS` when no comparison has 2 complete pairs.
 */
export function pilotPower(options: PilotPowerOptions): PowerPlan {
  const { objective, effect, pilot } = options;
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  if (!(effect > 0) || !Number.isFinite(effect))
    throw new UserError(
      'E_POWER_EFFECT',
      `--power needs a positive effect in units of the objective's final ${objective.metric} (e.g. --power 0.01); got ${effect}`,
    );
  if (options.records.length === 0)
    throw new UserError(
      'E_POWER_NO_PILOT',
      `pilot sweep ${pilot} has no finished trials; run a pilot with at least 2 seeds of two groups, or name a finished one with --pilot <sweep-id>`,
    );
  const recordsByGroup = groupRecords(options.records);
  const groups = [...recordsByGroup.values()]
    .map((records) => summarizeGroup({ records, trialMetrics: () => ({}), curveMetrics: [] }))
    .sort((x, y) => x.label.localeCompare(y.label, 'en', { numeric: true }));
  const notes: string[] = [];
  let pairs: { name: string; a: (typeof groups)[number]; b: (typeof groups)[number] }[] = [];
  if ((options.comparisons ?? []).length > 0) {
    const resolved = resolveComparisonSpecs({ specs: options.comparisons ?? [], groups });
    notes.push(...resolved.notes);
    pairs = resolved.pairs;
  }
  if (pairs.length === 0)
    pairs = defaultComparisonPairs(groups).map((p) => ({ ...p, name: comparisonName(p.a, p.b) }));
  const valuesOf = (groupKey: string): Map<number, number> =>
    new Map(
      (recordsByGroup.get(groupKey) ?? [])
        .map((r) => [r.seed, finalValue(r, objective.metric)] as const)
        .filter(([, v]) => Number.isFinite(v)),
    );
  const comparisons: PowerComparison[] = [];
  for (const p of pairs) {
    const a = valuesOf(p.a.groupKey);
    const b = valuesOf(p.b.groupKey);
    const d = [...a].flatMap(([seed, v]) => {
      const w = b.get(seed);
      return w === undefined ? [] : [v - w];
    });
    if (d.length < 2) {
      notes.push(`comparison ${p.name}: ${d.length} complete pair(s) in the pilot, left out`);
      continue;
    }
    const sdDifference = Math.sqrt(variance(d));
    const effectSize = effect / sdDifference;
    const solvedPairs = solvePairs({ effectSize, alpha, power });
    comparisons.push({
      name: p.name,
      pairs: d.length,
      meanDifference: mean(d),
      sdDifference,
      effectSize,
      solvedPairs,
      seeds: Math.max(2, Math.ceil(solvedPairs - 1e-9)),
      pilotPower: pairedTTestPower({ effectSize, pairs: d.length, alpha }),
    });
    if (sdDifference === 0)
      notes.push(
        `comparison ${p.name}: the pilot's paired differences do not vary; 2 seeds is the least a t test takes`,
      );
  }
  if (comparisons.length === 0)
    throw new UserError(
      'E_POWER_PAIRS',
      `pilot sweep ${pilot}: no comparison has 2 seeds finished by both groups (${groups.length} group(s), ${options.records.length} finished trial(s)); the pilot needs at least 2 shared seeds of two groups`,
    );
  return {
    pilot,
    effect,
    alpha,
    power,
    objective: { metric: objective.metric, mode: objective.mode },
    comparisons,
    seeds: Math.max(...comparisons.map((c) => c.seeds)),
    notes,
  };
}
