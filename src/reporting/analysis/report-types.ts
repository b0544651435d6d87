/** The report's data: plain JSON (no NaN: undefined quantities are null), written as the JSON format. */
import type { Objective } from '../../core/domain/objective.js';
import type { ModelStats, ParamValue, TrainSettings } from '../../core/domain/trial.js';
import type { SampleSummary } from './descriptive.js';
import type { DroppedSeed } from '../../search/adaptive-seeds.js';
import type { WilcoxonMethod } from './hypothesis-tests.js';
import type { IqmReport, PerformanceProfileReport, ProbabilityOfImprovementReport } from './robust-types.js';
import type { SearchReport } from './sweep-trials.js';
import type { LeaderboardReport } from './leaderboard-types.js';
import type { ParetoSection } from './pareto-types.js';
import type { SeedVarianceReport } from './seed-variance-types.js';

/**
 * The conv-study plug-in's per-trial metrics, summarised per group. (A report without a plug-in
 * summarises `final<Metric>` for every metric the trials report, e.g. `finalValue`, `finalLoss`.)
 */
export const MetricName = {
  finalTestAccuracy: 'finalTestAccuracy',
  finalTrainAccuracy: 'finalTrainAccuracy',
  finalTestLoss: 'finalTestLoss',
  generalisationGap: 'generalisationGap',
  epochsToConverge: 'epochsToConverge',
  epochSeconds: 'epochSeconds',
  imagesPerSecond: 'imagesPerSecond',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/** Metrics the conv-study plug-in compares between groups (each is its own Holm family across the sweep's comparisons). */
export const ComparedMetric = {
  finalTestAccuracy: 'finalTestAccuracy',
  generalisationGap: 'generalisationGap',
  epochsToConverge: 'epochsToConverge',
} as const;
export type ComparedMetric = (typeof ComparedMetric)[keyof typeof ComparedMetric];

/** Mean over seeds of one metric at one epoch, and its 95 % t CI. */
export interface CurveStat {
  mean: number;
  ci95: [number, number] | null;
}

/**
 * One point of a group's learning curve: for each curve metric (the objective's, plus the plug-in's,
 * e.g. `testAccuracy` and `trainAccuracy`), the mean over seeds and its 95 % t CI. Read it with
 * {@link curveStat}.
 */
export interface CurvePoint {
  epoch: number;
  /** Trials that reached this epoch. */
  n: number;
  [metric: string]: number | CurveStat;
}

/** The statistic of `metric` at a curve point, if the curve has it. */
export function curveStat(point: CurvePoint, metric: string): CurveStat | undefined {
  const value = point[metric];
  return typeof value === 'object' && value !== null ? value : undefined;
}

/** A planned trial of a group without a finished result (stopped by a pruner, failed, cancelled, not started). */
export interface MissingSeed {
  seed: number;
  /** Why it has no result, e.g. `stopped at epoch 3 by median: …`, `failed: …`, `cancelled`. */
  reason: string;
}

/**
 * A seed of either group that a comparison leaves out, and why, e.g. `seed 3: model=cnn incomplete
 * (stopped at epoch 2 by asha: …)`, `seed 4: no model=fc trial`.
 */
export type { DroppedSeed };

export interface GroupReport {
  groupKey: string;
  label: string;
  factors: Record<string, ParamValue>;
  model: string;
  modelOptions: Record<string, ParamValue>;
  train: TrainSettings;
  /** Seeds with a finished result, ascending. */
  seeds: number[];
  /** Finished seeds: the sample size of every summary. */
  n: number;
  /** Planned seeds of the group without a finished result and why, ascending; absent when none are (or none were reported). */
  missing?: MissingSeed[];
  /** Parameter counts and FLOPs (identical across a group's seeds), for models that have them. */
  modelStats?: ModelStats;
  /**
   * Per-trial metrics summarised over the group's seeds, keyed by name: the objective's final value
   * (`final<Metric>`, e.g. `finalValue`) first, then the plug-in's metrics or, without one, the final
   * value of every other reported metric.
   */
  metrics: Record<string, SampleSummary>;
  curve: CurvePoint[];
  /** Interquartile mean of the objective's final value with its bootstrap CI (robust-report.ts); absent in earlier reports. */
  iqm?: IqmReport;
}

/** A t test as reported. */
export interface TTestReport {
  method: 'paired t' | 'Welch t';
  statistic: number | null;
  df: number | null;
  p: number | null;
  /** Holm-adjusted p across the sweep's comparisons of the same metric. */
  pHolm: number | null;
}

/** One metric compared between two groups: differences are a − b. */
export interface MetricComparison {
  /** A key of the groups' `metrics` (e.g. `finalValue`, `generalisationGap`), or a plug-in's own quantity (`accuracyPerMillionParams`). */
  metric: string;
  meanA: number | null;
  meanB: number | null;
  meanDifference: number | null;
  /** 95 % t CI of the (paired) mean difference; Welch CI when unpaired. */
  ci95: [number, number] | null;
  /** Seeded percentile-bootstrap 95 % CI of the mean difference. */
  bootstrapCi95: [number, number] | null;
  tTest: TTestReport;
  /** Only for paired designs. */
  wilcoxon: {
    statistic: number | null;
    p: number | null;
    method: WilcoxonMethod;
    n: number;
    zeros: number;
    ties: boolean;
  } | null;
  /** Hedges' g: g_av for paired designs, pooled-sd g for unpaired ones. */
  hedgesG: number | null;
  /** d_z (mean difference / sd of differences), paired designs only. */
  dz: number | null;
}

export interface ComparisonReport {
  name: string;
  /** True when the pair came from the spec; false when derived (groups differing in exactly one factor). */
  requested: boolean;
  a: { groupKey: string; label: string };
  b: { groupKey: string; label: string };
  /** Paired on the seeds both groups share (at least 2), Welch otherwise. */
  design: 'paired' | 'unpaired';
  /** Seeds used: the shared seeds when paired, every seed of a then b otherwise. */
  seeds: number[];
  nA: number;
  nB: number;
  /**
   * Seeds left out, with the reason: when paired, every seed of either group (finished or missing) that
   * is not a complete pair (both finished, with a finite objective); when unpaired, the seeds of missing
   * trials. Absent when none is.
   */
  droppedSeeds?: DroppedSeed[];
  /** The objective's final value first, then the plug-in's compared metrics. */
  metrics: Record<string, MetricComparison>;
  /** P(a better than b) on the objective's final value with its bootstrap CI (robust-report.ts); absent in earlier reports. */
  probabilityOfImprovement?: ProbabilityOfImprovementReport;
}

export const Verdict = {
  supported: 'supported',
  notSupported: 'not supported',
  inconclusive: 'inconclusive',
} as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

export interface ClaimReport {
  id: string;
  claim: string;
  verdict: Verdict;
  /** The statistic behind the verdict, in one line. */
  evidence: string;
  /** Supporting numbers (JSON-safe) for programs. */
  details: Record<string, unknown>;
}

export interface InterpretationReport {
  decisionRule: string;
  claims: ClaimReport[];
  /** Claims the sweep's groups cannot address, with the reason. */
  omitted: { id: string; claim: string; reason: string }[];
}

/** The best group and trial by the objective (ties: the first label / the smaller trial key). */
export interface BestReport {
  /** Highest (mode max) or lowest (mode min) mean final objective value; null when no group has one. */
  group: { groupKey: string; label: string; mean: number } | null;
  /** Best final objective value of a single trial. */
  trial: {
    trialKey: string;
    groupKey: string;
    label: string;
    seed: number;
    value: number;
    runId?: string;
  } | null;
}

/**
 * Layout version of {@link SweepReport} as JSON. `seedsweep report` shows the report a finished sweep
 * stored only when it has this version (else it builds one from the records): raise it when a renderer
 * starts needing a field older reports lack.
 */
export const REPORT_FORMAT = 1;

export interface SweepReport {
  /** {@link REPORT_FORMAT} of the seedsweep that built it; absent in reports of earlier versions. */
  format?: number;
  /**
   * What the trials ran on (backend label → trials), as src/reporting/results/backends.ts counts it:
   * set by the aggregation so that a stored report can say it without the records.
   */
  backends?: { backend: string; trials: number }[];
  sweepName: string;
  sweepId: string;
  /** True when the numbers are not real results (generated records or the synthetic dataset): every rendering says so. */
  synthetic: boolean;
  /** ISO time the report was built. */
  generatedAt: string;
  /** `maxSample`: larger samples get no bootstrap CI (absent in reports written before it existed). */
  bootstrap: { seed: number; resamples: number; method: 'percentile'; maxSample?: number };
  convergenceFraction: number;
  trialCount: number;
  /** What the sweep optimises: its final value is the report's primary metric. */
  objective: Objective;
  /** Key of the objective's final value in `groups[].metrics` and `comparisons[].metrics`, e.g. `finalValue`. */
  objectiveKey: string;
  /** Per-epoch metric names the trials report (besides `epoch`), in order of first appearance. */
  reportedMetrics: string[];
  /** The report plug-in that shaped the tables and the interpretation (e.g. `conv-study`), or null. */
  plugin: string | null;
  best: BestReport;
  groups: GroupReport[];
  /** Planned groups without a single finished seed (so not in `groups`), with their missing seeds; absent when none. */
  missingGroups?: { groupKey: string; label: string; missing: MissingSeed[] }[];
  comparisons: ComparisonReport[];
  /** Notes about data problems (missing seeds and why, seeds dropped from comparisons, unmatched comparison specs, groups with one seed, …). */
  notes: string[];
  /** The plug-in's claims with verdicts; null without a plug-in. */
  interpretation: InterpretationReport | null;
  /** Performance profiles of the objective's final value per group (robust-report.ts); absent in earlier reports. */
  performanceProfile?: PerformanceProfileReport;
  /**
   * Per-trial view for the search charts (history, parallel coordinates, slice, heat map, fANOVA
   * importance, intermediate values); absent when no parameter varies or in reports of earlier versions.
   */
  search?: SearchReport;
  /** A sampler sweep's configurations ranked by the objective, with how far each got and why it stopped (leaderboard.ts). */
  leaderboard?: LeaderboardReport;
  /** A multi-objective sweep's Pareto front of its groups, with hypervolume (pareto-groups.ts); absent otherwise. */
  pareto?: ParetoSection;
  /** Variance of the objective's final value by seed source, per group with `seed_sources` (seed-variance-report.ts); absent otherwise. */
  seedVariance?: SeedVarianceReport;
}
