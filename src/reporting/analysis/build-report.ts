/** Builds the sweep report's data from finished trial records: groups, comparisons, best, interpretation. */
import { UserError } from '../../core/common/errors.js';
import { DEFAULT_OBJECTIVE, isBetter, type Objective } from '../../core/domain/objective.js';
import type { TrialRecord } from '../../core/domain/trial.js';
import type { ComparisonSpec } from '../../sweep-spec/types.js';
import {
  adjustHolm,
  compareGroups,
  comparisonName,
  comparisonNote,
  defaultComparisonPairs,
  resolveComparisonSpecs,
} from './comparisons.js';
import { BOOTSTRAP_MAX_SAMPLE } from './bootstrap.js';
import { DEFAULT_CONVERGENCE_FRACTION } from './convergence.js';
import { groupRecords, summarizeGroup, type TrialMetrics } from './groups.js';
import { finalMetricKey, finalValue, finalValues, reportedMetrics } from './metrics.js';
import type { ReportPlugin } from './report-plugin.js';
import { reportPlugin } from './report-plugins.js';
import { addRobustStatistics } from './robust-report.js';
import { seedVarianceReport } from './seed-variance-report.js';
import { searchReport, type SearchInput } from './sweep-trials.js';
import { groupsPareto } from './pareto-groups.js';
import {
  buildLeaderboard,
  isPrunedReason,
  leaderboardCountText,
  type LeaderboardInput,
} from './leaderboard.js';
import {
  REPORT_FORMAT,
  type BestReport,
  type GroupReport,
  type MissingSeed,
  type SweepReport,
} from './report-types.js';

/** Bootstrap resamples per comparison. */
export const BOOTSTRAP_RESAMPLES = 10_000;

/**
 * A planned trial of the sweep without a finished result, and why (the aggregation activity's
 * `MissingTrial`): stopped by a pruner, failed, cancelled, not started.
 */
export interface MissingTrial {
  trialKey?: string;
  groupKey: string;
  /** The group's label (used when no seed of the group finished). */
  groupLabel: string;
  seed: number;
  /** Short reason, read after `seed <n> `: `stopped at epoch 3 by median: …`, `failed: …`, `cancelled`. */
  reason: string;
}

/** Options of {@link buildReport}. */
export interface BuildReportOptions {
  /** Sweep name (the spec's `name`), shown as the report's title. */
  sweepName: string;
  /** Sweep id (workflow id). */
  sweepId: string;
  /** Finished trials; several sweeps' records may be mixed, grouped by group key. */
  records: TrialRecord[];
  /** Comparisons to make; when absent or empty, every pair of groups that differs in exactly one factor. */
  comparisons?: ComparisonSpec[];
  /** The spec's `objective`: its final value is the primary metric (summaries, comparisons, best). @default DEFAULT_OBJECTIVE */
  objective?: Objective;
  /** The spec's `interpretation`: a report plug-in's name (e.g. `conv-study`); none ⇒ the generic report. */
  interpretation?: string;
  /** Bootstrap PRNG seed: the same records and seed give the same report. @default 0 */
  seed?: number;
  /**
   * The numbers are not real results (generated records, or trials trained on the synthetic dataset):
   * every rendering labels the data as synthetic. @default true when any record's dataset is `synthetic`
   */
  synthetic?: boolean;
  /** Fraction of a trial's final test accuracy that counts as converged (conv-study). @default 0.95 */
  convergenceFraction?: number;
  /**
   * Planned trials without a finished result: each group states how many seeds it misses and why, and
   * comparisons say which seeds they drop. A trial that has a record anyway (reused) is not missing.
   */
  missing?: readonly MissingTrial[];
  /** For the search charts: trial keys in plan order (trial numbers) and the curves of trials a pruner stopped. */
  search?: SearchInput;
  /**
   * A sampler sweep's sampler and pruning rule (`leaderboardInputOf(spec)`): the report gets a
   * leaderboard of its configurations, and trials a pruner stopped count as pruned, not as missing seeds.
   */
  leaderboard?: LeaderboardInput;
  /** A multi-objective sweep's `objectives` (two or more): the report gets the Pareto front of its groups. */
  objectives?: Objective[];
}

/** Missing seeds by group key, ascending, one per seed (the first reason given), leaving out seeds that have a record. */
function missingByGroup(
  missing: readonly MissingTrial[],
  recordsByGroup: ReadonlyMap<string, readonly TrialRecord[]>,
): Map<string, { label: string; missing: MissingSeed[] }> {
  const byGroup = new Map<string, { label: string; missing: MissingSeed[] }>();
  for (const m of missing) {
    if (recordsByGroup.get(m.groupKey)?.some((r) => r.seed === m.seed)) continue;
    const group = byGroup.get(m.groupKey) ?? { label: m.groupLabel || m.groupKey, missing: [] };
    if (!group.missing.some((s) => s.seed === m.seed)) group.missing.push({ seed: m.seed, reason: m.reason });
    byGroup.set(m.groupKey, group);
  }
  for (const group of byGroup.values()) group.missing.sort((x, y) => x.seed - y.seed);
  return byGroup;
}

/** `seed 3 stopped at epoch 2 by asha: …; seeds 4, 5 not started`: seeds sharing a reason together, in seed order. */
export function describeMissing(missing: readonly MissingSeed[]): string {
  const byReason = new Map<string, number[]>();
  for (const m of missing) byReason.set(m.reason, [...(byReason.get(m.reason) ?? []), m.seed]);
  return [...byReason]
    .map(([reason, seeds]) => `${seeds.length === 1 ? 'seed' : 'seeds'} ${seeds.join(', ')} ${reason}`)
    .join('; ');
}

const seedCount = (n: number): string => `${n} ${n === 1 ? 'seed' : 'seeds'}`;

/** The best group (by mean) and the best trial by the objective's final value. */
export function bestOf(options: {
  objective: Objective;
  groups: readonly GroupReport[];
  records: readonly TrialRecord[];
}): BestReport {
  const { objective } = options;
  const key = finalMetricKey(objective.metric);
  let group: BestReport['group'] = null;
  for (const g of options.groups) {
    const mean = g.metrics[key]?.mean;
    if (mean === null || mean === undefined) continue;
    if (!group || isBetter(objective, mean, group.mean))
      group = { groupKey: g.groupKey, label: g.label, mean };
  }
  const trial = bestTrial({ objective, records: options.records });
  return {
    group,
    trial: trial
      ? {
          trialKey: trial.trialKey,
          groupKey: trial.groupKey,
          label: trial.groupLabel || trial.config.model,
          seed: trial.seed,
          value: finalValue(trial, objective.metric),
          ...(trial.runId ? { runId: trial.runId } : {}),
        }
      : null,
  };
}

/** The record with the best final objective value (ties: the smaller trial key); undefined when none has one. */
export function bestTrial<R extends TrialRecord>(options: {
  objective: Objective;
  records: readonly R[];
}): R | undefined {
  let best: R | undefined;
  for (const r of options.records) {
    const v = finalValue(r, options.objective.metric);
    if (!Number.isFinite(v)) continue;
    const b = best ? finalValue(best, options.objective.metric) : Number.NaN;
    if (!best || isBetter(options.objective, v, b) || (v === b && r.trialKey < best.trialKey)) best = r;
  }
  return best;
}

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

/** Summarises, compares and interprets a sweep's finished trials. Pure data, JSON-serialisable. */
export function buildReport(options: BuildReportOptions): SweepReport {
  if (options.records.length === 0) {
    throw new UserError(
      'E_REPORT_NO_TRIALS',
      `sweep "${options.sweepName}" (${options.sweepId}) has no finished trials to report on; run or resume it first`,
    );
  }
  const seed = options.seed ?? 0;
  const convergenceFraction = options.convergenceFraction ?? DEFAULT_CONVERGENCE_FRACTION;
  const objective = options.objective ?? DEFAULT_OBJECTIVE;
  const objectiveKey = finalMetricKey(objective.metric);
  const metricNames = reportedMetrics(options.records);
  const notes: string[] = [];
  if (!metricNames.includes(objective.metric)) {
    throw new UserError(
      'E_REPORT_OBJECTIVE',
      `sweep "${options.sweepName}" (${options.sweepId}): no trial reports the objective metric "${objective.metric}" ` +
        `(they report ${metricNames.length > 0 ? metricNames.join(', ') : 'no metrics'}); set the spec's objective.metric to one of those`,
    );
  }
  const valueless = options.records.filter((r) => !Number.isFinite(finalValue(r, objective.metric))).length;
  if (valueless > 0)
    notes.push(
      `${valueless} of ${options.records.length} trials have no finite final ${objective.metric}; summaries and tests leave them out`,
    );

  let plugin: ReportPlugin | undefined =
    options.interpretation === undefined ? undefined : reportPlugin(options.interpretation);
  const why = plugin?.unsupported(options.records);
  if (plugin && why !== undefined) {
    notes.push(`report plug-in ${plugin.name} not applied: ${why}; this is the generic report`);
    plugin = undefined;
  }

  let trialMetrics: TrialMetrics;
  let compared: string[];
  let curves: string[];
  if (plugin) {
    const own = plugin.metrics({ convergenceFraction });
    trialMetrics = (r) => ({ [objectiveKey]: finalValue(r, objective.metric), ...own.perTrial(r) });
    compared = unique([objectiveKey, ...own.compared]);
    curves = unique([objective.metric, ...own.curves]);
  } else {
    const others = metricNames.filter((m) => m !== objective.metric);
    trialMetrics = (r) => ({ [objectiveKey]: finalValue(r, objective.metric), ...finalValues(r, others) });
    compared = [objectiveKey];
    curves = [objective.metric];
  }
  // Once per trial, not once per comparison it takes part in (large sweeps: tens of comparisons).
  const computed = new WeakMap<TrialRecord, ReturnType<TrialMetrics>>();
  const uncached = trialMetrics;
  trialMetrics = (r) => {
    let values = computed.get(r);
    if (values === undefined) computed.set(r, (values = uncached(r)));
    return values;
  };

  const recordsByGroup = groupRecords(options.records);
  // A search's pruned trials are the leaderboard's, not missing seeds of their groups.
  const missing = missingByGroup(
    (options.missing ?? []).filter((m) => !options.leaderboard || !isPrunedReason(m.reason)),
    recordsByGroup,
  );
  const byLabel = (x: { label: string }, y: { label: string }): number =>
    x.label.localeCompare(y.label, 'en', { numeric: true });
  const groups = [...recordsByGroup]
    .map(([groupKey, records]) =>
      summarizeGroup({
        records,
        trialMetrics,
        curveMetrics: curves,
        missing: missing.get(groupKey)?.missing,
      }),
    )
    .sort(byLabel);
  for (const g of groups) {
    const absent = g.missing ?? [];
    if (absent.length > 0) {
      notes.push(
        `group ${g.label}: ${seedCount(absent.length)} missing (n = ${g.n} finished) — ${describeMissing(absent)}`,
      );
    }
    if (g.n < 2 && !options.leaderboard)
      notes.push(`group ${g.label} has ${g.n} finished seed: no spread, CI or test for it`);
    const records = recordsByGroup.get(g.groupKey) ?? [];
    if (
      g.modelStats &&
      records.some((r) => JSON.stringify(r.result.modelStats) !== JSON.stringify(g.modelStats))
    ) {
      notes.push(`group ${g.label}: parameter counts differ between seeds; the first seed's are shown`);
    }
  }
  const missingGroups = [...missing]
    .filter(([groupKey]) => !recordsByGroup.has(groupKey))
    .map(([groupKey, g]) => ({ groupKey, label: g.label, missing: g.missing }))
    .sort(byLabel);
  for (const g of missingGroups)
    notes.push(
      `group ${g.label}: no finished seed (not in the tables or comparisons), ${seedCount(g.missing.length)} missing — ${describeMissing(g.missing)}`,
    );
  const missingSeeds = new Map([...missing].map(([groupKey, g]) => [groupKey, g.missing]));
  const requested = options.comparisons ?? [];
  let pairs: { name: string; a: GroupReport; b: GroupReport; requested: boolean }[];
  if (requested.length > 0) {
    const resolved = resolveComparisonSpecs({ specs: requested, groups });
    notes.push(...resolved.notes);
    pairs = resolved.pairs.map((p) => ({ ...p, requested: true }));
  } else {
    pairs = defaultComparisonPairs(groups).map((p) => ({
      name: comparisonName(p.a, p.b),
      a: p.a,
      b: p.b,
      requested: false,
    }));
  }
  const comparisons = pairs.map((p) =>
    compareGroups({
      ...p,
      recordsByGroup,
      missing: missingSeeds,
      trialMetrics,
      compared,
      seed,
      resamples: BOOTSTRAP_RESAMPLES,
    }),
  );
  for (const c of comparisons) {
    const note = comparisonNote(c);
    if (note !== undefined) notes.push(note);
  }
  const unbootstrapped = comparisons.filter((c) => Math.max(c.nA, c.nB) > BOOTSTRAP_MAX_SAMPLE).length;
  if (unbootstrapped > 0)
    notes.push(
      `${unbootstrapped} of ${comparisons.length} comparisons have more than ${BOOTSTRAP_MAX_SAMPLE} seeds a side: ` +
        `they give the t interval only (no bootstrap CI), which agrees with the bootstrap at that size`,
    );
  adjustHolm(comparisons);
  // IQM per group, P(a better) per comparison (added in place), performance profiles: rliable's statistics.
  const performanceProfile = addRobustStatistics({
    groups,
    comparisons,
    recordsByGroup,
    trialMetrics,
    objective,
    objectiveKey,
    seed,
    resamples: BOOTSTRAP_RESAMPLES,
    notes,
  });
  // Variance by seed source, for groups planned with `seed_sources` (none: no section).
  const seedVariance = seedVarianceReport({
    groups,
    recordsByGroup,
    trialMetrics,
    objectiveKey,
    metric: objective.metric,
  });
  const interpretation = plugin
    ? plugin.interpret({ groups, recordsByGroup, seed, convergenceFraction, resamples: BOOTSTRAP_RESAMPLES })
    : null;
  return {
    format: REPORT_FORMAT,
    sweepName: options.sweepName,
    sweepId: options.sweepId,
    synthetic: options.synthetic ?? options.records.some((r) => r.config.dataset?.name === 'synthetic'),
    generatedAt: new Date().toISOString(),
    bootstrap: {
      seed,
      resamples: BOOTSTRAP_RESAMPLES,
      method: 'percentile',
      maxSample: BOOTSTRAP_MAX_SAMPLE,
    },
    convergenceFraction,
    trialCount: groups.reduce((s, g) => s + g.n, 0),
    objective: { metric: objective.metric, mode: objective.mode },
    objectiveKey,
    reportedMetrics: metricNames,
    plugin: plugin?.name ?? null,
    best: bestOf({ objective, groups, records: groups.flatMap((g) => recordsByGroup.get(g.groupKey) ?? []) }),
    groups,
    ...(missingGroups.length > 0 ? { missingGroups } : {}),
    comparisons,
    notes,
    interpretation,
    ...(performanceProfile ? { performanceProfile } : {}),
    ...(seedVariance ? { seedVariance } : {}),
    ...optionalSearch(options, objective, seed),
    ...optionalLeaderboard(options, objective, groups, notes),
    ...groupsPareto({ objectives: options.objectives, groups, recordsByGroup }),
  };
}

/** The report's `search` view, when a parameter varies (see sweep-trials.ts). */
function optionalSearch(
  options: BuildReportOptions,
  objective: Objective,
  seed: number,
): { search?: NonNullable<ReturnType<typeof searchReport>> } {
  const search = searchReport({
    records: options.records,
    objective,
    seed,
    ...(options.search ? { input: options.search } : {}),
  });
  return search ? { search } : {};
}

/** The report's leaderboard for a sampler sweep, with its notes (appended to `notes`). */
function optionalLeaderboard(
  options: BuildReportOptions,
  objective: Objective,
  groups: readonly GroupReport[],
  notes: string[],
): { leaderboard?: ReturnType<typeof buildLeaderboard> } {
  if (!options.leaderboard) return {};
  const leaderboard = buildLeaderboard({
    input: options.leaderboard,
    objective,
    records: options.records,
    ...(options.missing ? { missing: options.missing } : {}),
  });
  notes.push(
    `search: ${leaderboardCountText(leaderboard)}; the leaderboard ranks them, and pruned configurations are counted as pruned, not as missing seeds`,
  );
  const single = groups.filter((g) => g.n < 2).length;
  if (single > 0)
    notes.push(
      `${single} of ${groups.length} configurations have one finished seed: no spread, CI or test for them (the group table lists those with several)`,
    );
  return { leaderboard };
}
