/** The report's data: plain JSON (no NaN: undefined quantities are null), written as the JSON format. */
import type { ModelStats, TrainSettings } from '../engine/types.js';
import type { SampleSummary } from './descriptive.js';
import type { WilcoxonMethod } from './hypothesis-tests.js';

/** Per-trial metrics summarised per group. */
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

/** Metrics compared between groups (each is its own Holm family across the sweep's comparisons). */
export const ComparedMetric = {
  finalTestAccuracy: 'finalTestAccuracy',
  generalisationGap: 'generalisationGap',
  epochsToConverge: 'epochsToConverge',
} as const;
export type ComparedMetric = (typeof ComparedMetric)[keyof typeof ComparedMetric];

/** One point of a group's learning curve: the mean over seeds and its 95 % t CI. */
export interface CurvePoint {
  epoch: number;
  /** Trials that reached this epoch. */
  n: number;
  testAccuracy: { mean: number; ci95: [number, number] | null };
  trainAccuracy: { mean: number; ci95: [number, number] | null };
}

export interface GroupReport {
  groupKey: string;
  label: string;
  factors: Record<string, number | string>;
  model: string;
  modelOptions: Record<string, number | string>;
  train: TrainSettings;
  seeds: number[];
  n: number;
  /** Parameter counts and FLOPs (identical across a group's seeds). */
  modelStats: ModelStats;
  metrics: Record<MetricName, SampleSummary>;
  curve: CurvePoint[];
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
  /** A compared metric, or `accuracyPerMillionParams` in the interpretation's parameter-efficiency claim. */
  metric: ComparedMetric | 'accuracyPerMillionParams';
  meanA: number | null;
  meanB: number | null;
  meanDifference: number | null;
  /** 95 % t CI of the (paired) mean difference; Welch CI when unpaired. */
  ci95: [number, number] | null;
  /** Seeded percentile-bootstrap 95 % CI of the mean difference. */
  bootstrapCi95: [number, number] | null;
  tTest: TTestReport;
  /** Only for paired designs. */
  wilcoxon: { statistic: number | null; p: number | null; method: WilcoxonMethod; n: number; zeros: number; ties: boolean } | null;
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
  metrics: Record<ComparedMetric, MetricComparison>;
}

export const Verdict = { supported: 'supported', notSupported: 'not supported', inconclusive: 'inconclusive' } as const;
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

export interface SweepReport {
  sweepName: string;
  sweepId: string;
  /** True when the numbers are not CIFAR-10 results (generated records or the synthetic dataset): every rendering says so. */
  synthetic: boolean;
  /** ISO time the report was built. */
  generatedAt: string;
  bootstrap: { seed: number; resamples: number; method: 'percentile' };
  convergenceFraction: number;
  trialCount: number;
  groups: GroupReport[];
  comparisons: ComparisonReport[];
  /** Notes about data problems (unmatched comparison specs, groups with one seed, …). */
  notes: string[];
  interpretation: InterpretationReport;
}
