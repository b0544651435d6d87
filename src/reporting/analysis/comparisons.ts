/**
 * Pairwise comparisons of groups: which pairs to compare, and the paired (on complete pairs: seeds both
 * groups finished) or Welch statistics of each compared metric. Holm adjustment happens across
 * comparisons, in {@link adjustHolm}.
 */
import type { ParamValue, TrialRecord } from '../../core/domain/trial.js';
import { completePairs, type SeedOutcome } from '../../search/adaptive-seeds.js';
import type { ComparisonSpec } from '../../sweep-spec/types.js';
import { bootstrapMeanDifferenceCi } from './bootstrap.js';
import { mean, tHalfWidth, variance } from './descriptive.js';
import { hedgesGUnpaired, pairedEffectSizes } from './effect-size.js';
import type { TrialMetrics } from './groups.js';
import { pairedTTest, welchTTest, wilcoxonSignedRank } from './hypothesis-tests.js';
import { holmAdjust } from './multiple-comparisons.js';
import type { ComparisonReport, GroupReport, MetricComparison, MissingSeed } from './report-types.js';

/** A number for JSON: NaN and ±Infinity become null. */
export function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function intervalOrNull(lo: number, hi: number): [number, number] | null {
  return Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : null;
}

const sameValue = (x: ParamValue | undefined, y: ParamValue | undefined): boolean => String(x) === String(y);

/**
 * Factors on which two groups differ. A factor only one group has (e.g. `kernel_size` for a CNN against
 * an FC net) does not apply to the other and so is not a difference.
 */
export function differingFactors(x: GroupReport, y: GroupReport): string[] {
  return Object.keys(x.factors).filter((f) => f in y.factors && !sameValue(x.factors[f], y.factors[f]));
}

/** Groups differing in exactly one factor; `a` holds the smaller value of that factor (numbers ascending, text alphabetical). */
export function defaultComparisonPairs(
  groups: readonly GroupReport[],
): { a: GroupReport; b: GroupReport; factor: string }[] {
  const pairs: { a: GroupReport; b: GroupReport; factor: string }[] = [];
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      const x = groups[i];
      const y = groups[j];
      if (!x || !y) continue;
      const differing = differingFactors(x, y);
      const factor = differing[0];
      if (differing.length !== 1 || factor === undefined) continue;
      const vx = x.factors[factor];
      const vy = y.factors[factor];
      const xFirst =
        typeof vx === 'number' && typeof vy === 'number'
          ? vx < vy
          : String(vx ?? '').localeCompare(String(vy ?? '')) < 0;
      pairs.push(xFirst ? { a: x, b: y, factor } : { a: y, b: x, factor });
    }
  }
  return pairs;
}

/** Groups whose factors include every entry of `selector`. */
export function matchGroups(options: {
  groups: readonly GroupReport[];
  selector: Record<string, ParamValue>;
}): GroupReport[] {
  return options.groups.filter((g) =>
    Object.entries(options.selector).every(([k, v]) => sameValue(g.factors[k], v)),
  );
}

/** Default name of a comparison: each side's factors that differ or only it has, then the shared ones. */
export function comparisonName(a: GroupReport, b: GroupReport): string {
  const differing = differingFactors(a, b);
  if (differing.length === 0) return `${a.label} vs ${b.label}`;
  const own = (g: GroupReport, other: GroupReport): string =>
    Object.keys(g.factors)
      .filter((f) => differing.includes(f) || !(f in other.factors))
      .map((f) => `${f}=${String(g.factors[f])}`)
      .join(' ');
  const common = Object.keys(a.factors)
    .filter((f) => f in b.factors && !differing.includes(f))
    .map((f) => `${f}=${String(a.factors[f])}`);
  return `${own(a, b)} vs ${own(b, a)}${common.length > 0 ? ` (${common.join(' ')})` : ''}`;
}

/** Statistics of one metric between two samples (differences a − b). `pHolm` is filled in later. */
export function compareSamples(options: {
  metric: MetricComparison['metric'];
  a: readonly number[];
  b: readonly number[];
  /** Samples are in seed order and paired element by element. */
  paired: boolean;
  /** Bootstrap PRNG seed. @default 0 */
  seed?: number;
  /** Bootstrap resamples. @default 10000 */
  resamples?: number;
}): MetricComparison {
  const { metric, a, b, paired } = options;
  const meanA = mean(a);
  const meanB = mean(b);
  const bootstrap = bootstrapMeanDifferenceCi({
    a,
    b,
    paired,
    seed: options.seed,
    resamples: options.resamples,
  });
  if (paired) {
    const d = a.map((x, i) => x - (b[i] ?? Number.NaN));
    const meanDifference = mean(d);
    const t = pairedTTest({ a, b });
    const half = tHalfWidth({ standardError: Math.sqrt(variance(d) / d.length), df: d.length - 1 });
    const w = wilcoxonSignedRank({ a, b });
    const effect = pairedEffectSizes({ a, b });
    return {
      metric,
      meanA,
      meanB,
      meanDifference,
      ci95: intervalOrNull(meanDifference - half, meanDifference + half),
      bootstrapCi95: intervalOrNull(...bootstrap),
      tTest: {
        method: t.method,
        statistic: finiteOrNull(t.statistic),
        df: finiteOrNull(t.df),
        p: finiteOrNull(t.p),
        pHolm: null,
      },
      wilcoxon: {
        statistic: finiteOrNull(w.statistic),
        p: finiteOrNull(w.p),
        method: w.method,
        n: w.n,
        zeros: w.zeros,
        ties: w.ties,
      },
      hedgesG: finiteOrNull(effect.gAv),
      dz: finiteOrNull(effect.dz),
    };
  }
  const meanDifference = meanA - meanB;
  const t = welchTTest({ a, b });
  const half = tHalfWidth({
    standardError: Math.sqrt(variance(a) / a.length + variance(b) / b.length),
    df: t.df,
  });
  return {
    metric,
    meanA: finiteOrNull(meanA),
    meanB: finiteOrNull(meanB),
    meanDifference: finiteOrNull(meanDifference),
    ci95: intervalOrNull(meanDifference - half, meanDifference + half),
    bootstrapCi95: intervalOrNull(...bootstrap),
    tTest: {
      method: t.method,
      statistic: finiteOrNull(t.statistic),
      df: finiteOrNull(t.df),
      p: finiteOrNull(t.p),
      pHolm: null,
    },
    wilcoxon: null,
    hedgesG: finiteOrNull(hedgesGUnpaired({ a, b })),
    dz: null,
  };
}

/**
 * Compares two groups on each of `compared`: paired on the complete pairs when there are at least two,
 * Welch on every finished seed otherwise. A complete pair is a seed both groups finished with a finite
 * value of the first compared metric (the objective's final value); every other seed of either group,
 * finished or listed in `missing`, is in `droppedSeeds` with the reason ({@link completePairs}). Unpaired,
 * `droppedSeeds` holds the seeds of missing trials only (the rest is used).
 */
export function compareGroups(options: {
  name: string;
  requested: boolean;
  a: GroupReport;
  b: GroupReport;
  /** Records by group key. */
  recordsByGroup: ReadonlyMap<string, readonly TrialRecord[]>;
  /** Planned seeds without a finished result, by group key (a seed with a record is not missing). */
  missing?: ReadonlyMap<string, readonly MissingSeed[]>;
  /** The per-trial metrics (as summarised in the groups). */
  trialMetrics: TrialMetrics;
  /** Keys of `trialMetrics` to compare, in order; the first decides which seeds pair. */
  compared: readonly string[];
  /** Bootstrap PRNG seed. @default 0 */
  seed?: number;
  /** Bootstrap resamples. @default 10000 */
  resamples?: number;
}): ComparisonReport {
  const { a, b } = options;
  const pairKey = options.compared[0];
  const side = (group: GroupReport) => {
    const records = options.recordsByGroup.get(group.groupKey) ?? [];
    const metrics = new Map(records.map((r) => [r.seed, options.trialMetrics(r)]));
    const missing = (options.missing?.get(group.groupKey) ?? []).filter((m) => !metrics.has(m.seed));
    const outcomes: SeedOutcome[] = [
      ...[...metrics].map(([seed, m]) => ({ seed, value: pairKey === undefined ? 0 : m[pairKey] })),
      ...missing.map((m) => ({ seed: m.seed, complete: false, note: m.reason })),
    ];
    return { records, metrics, missingSeeds: new Set(missing.map((m) => m.seed)), outcomes };
  };
  const sideA = side(a);
  const sideB = side(b);
  const { pairs, dropped } = completePairs(sideA.outcomes, sideB.outcomes, [a.label, b.label]);
  const paired = pairs.length >= 2;
  const shared = pairs.map((p) => p.seed);
  const used = (side: typeof sideA): Record<string, number>[] =>
    (paired ? shared : side.records.map((r) => r.seed)).flatMap((s) => {
      const m = side.metrics.get(s);
      return m ? [m] : [];
    });
  const usedA = used(sideA);
  const usedB = used(sideB);
  const droppedSeeds = paired
    ? dropped
    : dropped.filter((d) => sideA.missingSeeds.has(d.seed) || sideB.missingSeeds.has(d.seed));
  const metrics = Object.fromEntries(
    options.compared.map((metric) => [
      metric,
      compareSamples({
        metric,
        a: usedA.map((m) => m[metric] ?? Number.NaN),
        b: usedB.map((m) => m[metric] ?? Number.NaN),
        paired,
        seed: options.seed,
        resamples: options.resamples,
      }),
    ]),
  );
  return {
    name: options.name,
    requested: options.requested,
    a: { groupKey: a.groupKey, label: a.label },
    b: { groupKey: b.groupKey, label: b.label },
    design: paired ? 'paired' : 'unpaired',
    seeds: paired ? shared : [...sideA.records, ...sideB.records].map((r) => r.seed),
    nA: usedA.length,
    nB: usedB.length,
    ...(droppedSeeds.length > 0 ? { droppedSeeds } : {}),
    metrics,
  };
}

/**
 * The note saying which seeds a comparison left out and why, or undefined when it used every seed and
 * is paired (an unpaired comparison always gets a note).
 */
export function comparisonNote(c: ComparisonReport): string | undefined {
  const dropped = c.droppedSeeds ?? [];
  const reasons = dropped.map((d) => d.reason).join('; ');
  if (c.design === 'unpaired') {
    if (dropped.length === 0)
      return `comparison ${c.name}: fewer than 2 shared seeds, compared unpaired (Welch)`;
    return (
      `comparison ${c.name}: fewer than 2 complete pairs, compared unpaired (Welch) on every finished seed ` +
      `(n = ${c.nA} and ${c.nB}); not used: ${reasons}`
    );
  }
  if (dropped.length === 0) return undefined;
  return `comparison ${c.name}: paired on ${c.seeds.length} complete pairs (seeds ${c.seeds.join(', ')}); dropped ${reasons}`;
}

/** Fills `pHolm` of every t test: one Holm family per compared metric across the given comparisons. */
export function adjustHolm(comparisons: ComparisonReport[]): void {
  const metrics = [...new Set(comparisons.flatMap((c) => Object.keys(c.metrics)))];
  for (const metric of metrics) {
    const tests = comparisons.flatMap((c) => (c.metrics[metric] ? [c.metrics[metric].tTest] : []));
    const adjusted = holmAdjust(tests.map((t) => t.p ?? Number.NaN));
    tests.forEach((t, i) => {
      t.pHolm = finiteOrNull(adjusted[i] ?? Number.NaN);
    });
  }
}

/** Resolves comparison specs to group pairs; specs that match no group or several are reported as notes. */
export function resolveComparisonSpecs(options: {
  specs: readonly ComparisonSpec[];
  groups: readonly GroupReport[];
}): {
  pairs: { name: string; a: GroupReport; b: GroupReport }[];
  notes: string[];
} {
  const pairs: { name: string; a: GroupReport; b: GroupReport }[] = [];
  const notes: string[] = [];
  const show = (selector: Record<string, ParamValue>): string =>
    Object.entries(selector)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
  for (const spec of options.specs) {
    const sides = [spec.a, spec.b].map((selector) => ({
      selector,
      matched: matchGroups({ groups: options.groups, selector }),
    }));
    const problems = sides.filter((s) => s.matched.length !== 1);
    const a = sides[0]?.matched[0];
    const b = sides[1]?.matched[0];
    if (problems.length > 0 || !a || !b) {
      const why = problems
        .map((s) =>
          s.matched.length === 0
            ? `{${show(s.selector)}} matches no finished group`
            : `{${show(s.selector)}} matches ${s.matched.length} groups (${s.matched.map((g) => g.label).join(', ')}); add factors to pick one`,
        )
        .join('; ');
      notes.push(`comparison "${spec.name ?? `${show(spec.a)} vs ${show(spec.b)}`}" skipped: ${why}`);
      continue;
    }
    if (a.groupKey === b.groupKey) {
      notes.push(
        `comparison "${spec.name ?? `${show(spec.a)} vs ${show(spec.b)}`}" skipped: both sides select group ${a.label}`,
      );
      continue;
    }
    pairs.push({ name: spec.name ?? comparisonName(a, b), a, b });
  }
  return { pairs, notes };
}
