/**
 * The report's robust statistics of the objective's final value (rliable, Agarwal et al. 2021): each
 * group's IQM with a stratified-bootstrap CI, each comparison's probability of improvement with a CI,
 * and the groups' performance profiles. Added to the report's groups and comparisons as optional fields,
 * so every number the report had before stays as it was.
 */
import type { Objective } from '../../core/domain/objective.js';
import type { TrialRecord } from '../../core/domain/trial.js';
import { BOOTSTRAP_MAX_SAMPLE } from './bootstrap.js';
import { finiteOrNull } from './comparisons.js';
import type { TrialMetrics } from './groups.js';
import { interquartileMean, iqmBootstrapCi } from './iqm.js';
import { scoreDistribution, scoreDistributionCi, tauGrid } from './performance-profile.js';
import { probabilityOfImprovement, probabilityOfImprovementCi } from './probability-of-improvement.js';
import type { ComparisonReport, GroupReport } from './report-types.js';
import type { PerformanceProfileReport } from './robust-types.js';

/** Options of {@link addRobustStatistics}. */
export interface RobustStatisticsOptions {
  /** The report's groups: each gets `iqm`. */
  groups: GroupReport[];
  /** The report's comparisons: each gets `probabilityOfImprovement`. */
  comparisons: ComparisonReport[];
  recordsByGroup: ReadonlyMap<string, readonly TrialRecord[]>;
  trialMetrics: TrialMetrics;
  objective: Objective;
  /** Key of the objective's final value in `trialMetrics`' results. */
  objectiveKey: string;
  /** Bootstrap PRNG seed (the report's). */
  seed: number;
  resamples: number;
  /** The report's notes: a line is added when a group is too large to bootstrap. */
  notes: string[];
}

/** Most groups drawn as performance profiles (groups with at least two seeds). */
const MAX_PROFILE_GROUPS = 12;

/** Resamples of the profiles' bands: rliable's default for profiles (a band per τ costs a sort of the resamples each). */
export const PROFILE_RESAMPLES = 2000;

const intervalOrNull = ([lo, hi]: [number, number]): [number, number] | null =>
  Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : null;

/** A sample the bootstraps take: at least 2 values, at most the report's largest bootstrapped sample. */
const bootstrapped = (n: number): boolean => n >= 2 && n <= BOOTSTRAP_MAX_SAMPLE;

/**
 * Adds the IQM to every group and P(a better than b) to every comparison (in place, like the Holm
 * adjustment) and returns the performance profiles; undefined when no group has a finite value.
 */
export function addRobustStatistics(options: RobustStatisticsOptions): PerformanceProfileReport | undefined {
  const { objectiveKey, seed, resamples } = options;
  const bySeed = new Map<string, Map<number, number>>();
  for (const [groupKey, records] of options.recordsByGroup) {
    const values = records
      .map((r) => [r.seed, options.trialMetrics(r)[objectiveKey] ?? Number.NaN] as const)
      .filter(([, v]) => Number.isFinite(v));
    bySeed.set(groupKey, new Map(values));
  }
  const valuesOf = (groupKey: string): number[] => [...(bySeed.get(groupKey)?.values() ?? [])];

  let large = 0;
  for (const g of options.groups) {
    const values = valuesOf(g.groupKey);
    if (values.length > BOOTSTRAP_MAX_SAMPLE) large++;
    g.iqm = {
      value: values.length > 0 ? finiteOrNull(interquartileMean([values])) : null,
      ci95: bootstrapped(values.length)
        ? intervalOrNull(iqmBootstrapCi({ strata: [values], seed, resamples }))
        : null,
    };
  }
  if (large > 0)
    options.notes.push(
      `${large} of ${options.groups.length} groups have more than ${BOOTSTRAP_MAX_SAMPLE} seeds: their IQM and performance profile have no bootstrap CI`,
    );

  // Better is larger: for an objective to minimise, compare and profile the negated values.
  const sign = options.objective.mode === 'min' ? -1 : 1;
  for (const c of options.comparisons) {
    const side = (groupKey: string): number[] => {
      const values = bySeed.get(groupKey) ?? new Map<number, number>();
      const used = c.design === 'paired' ? c.seeds.flatMap((s) => values.get(s) ?? []) : [...values.values()];
      return used.map((v) => sign * v);
    };
    const x = side(c.a.groupKey);
    const y = side(c.b.groupKey);
    if (x.length === 0 || y.length === 0) continue;
    c.probabilityOfImprovement = {
      value: finiteOrNull(probabilityOfImprovement({ x: [x], y: [y] })),
      ci95:
        bootstrapped(x.length) && bootstrapped(y.length)
          ? intervalOrNull(probabilityOfImprovementCi({ x: [x], y: [y], seed, resamples }))
          : null,
      nA: x.length,
      nB: y.length,
    };
  }

  // Profiles compare distributions of seeds: groups of one seed (a search's configurations) have none,
  // and past a dozen lines the chart is unreadable (and its bands cost ~0.1 s each): no profiles then.
  const profiled = options.groups.filter((g) => valuesOf(g.groupKey).length >= 2);
  if (profiled.length === 0 || profiled.length > MAX_PROFILE_GROUPS) return undefined;
  const taus = tauGrid(profiled.flatMap((g) => valuesOf(g.groupKey)));
  if (taus.length === 0) return undefined;
  const better = options.objective.mode === 'min' ? 'below' : 'above';
  const profileResamples = Math.min(resamples, PROFILE_RESAMPLES);
  return {
    better,
    taus,
    resamples: profileResamples,
    groups: profiled.map((g) => {
      const strata = [valuesOf(g.groupKey)];
      return {
        groupKey: g.groupKey,
        label: g.label,
        fractions: scoreDistribution({ strata, taus, better }),
        ci95: bootstrapped(strata[0]?.length ?? 0)
          ? scoreDistributionCi({ strata, taus, better, seed, resamples: profileResamples })
          : null,
      };
    }),
  };
}
