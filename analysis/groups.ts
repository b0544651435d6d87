/** Groups finished trials by group key and summarises each group's metrics and learning curve. */
import type { TrialRecord } from './types.js';
import { epochsToConverge } from './convergence.js';
import { mean, summarize } from './descriptive.js';
import type { CurvePoint, GroupReport, MetricName } from './report-types.js';

/** Records grouped by group key; within a group one record per seed (the last wins), sorted by seed. */
export function groupRecords(records: readonly TrialRecord[]): Map<string, TrialRecord[]> {
  const bySeed = new Map<string, Map<number, TrialRecord>>();
  for (const record of records) {
    const group = bySeed.get(record.groupKey) ?? new Map<number, TrialRecord>();
    group.set(record.seed, record);
    bySeed.set(record.groupKey, group);
  }
  const groups = new Map<string, TrialRecord[]>();
  for (const [key, seeds] of bySeed) groups.set(key, [...seeds.values()].sort((x, y) => x.seed - y.seed));
  return groups;
}

/** The per-trial value of every summarised metric. */
export function trialMetrics(options: {
  record: TrialRecord;
  /** Fraction of final test accuracy that counts as converged. @default 0.95 */
  convergenceFraction?: number;
}): Record<MetricName, number> {
  const { result } = options.record;
  const { final, epochs } = result;
  return {
    finalTestAccuracy: final.testAccuracy,
    finalTrainAccuracy: final.trainAccuracy,
    finalTestLoss: final.testLoss,
    generalisationGap: final.trainAccuracy - final.testAccuracy,
    epochsToConverge: epochsToConverge({ epochs, fraction: options.convergenceFraction }),
    epochSeconds: mean(epochs.map((e) => e.epochSeconds)),
    imagesPerSecond: mean(epochs.map((e) => e.imagesPerSecond)),
  };
}

function curveOf(records: readonly TrialRecord[]): CurvePoint[] {
  const maxEpoch = Math.max(0, ...records.map((r) => r.result.epochs.length));
  const points: CurvePoint[] = [];
  for (let epoch = 1; epoch <= maxEpoch; epoch++) {
    const at = records.flatMap((r) => r.result.epochs.filter((e) => e.epoch === epoch));
    if (at.length === 0) continue;
    const test = summarize(at.map((e) => e.testAccuracy));
    const train = summarize(at.map((e) => e.trainAccuracy));
    points.push({
      epoch,
      n: at.length,
      testAccuracy: { mean: test.mean ?? Number.NaN, ci95: test.ci95 },
      trainAccuracy: { mean: train.mean ?? Number.NaN, ci95: train.ci95 },
    });
  }
  return points;
}

/** Summary of one group's records (at least one). */
export function summarizeGroup(options: {
  /** The group's records, one per seed. */
  records: readonly TrialRecord[];
  /** Fraction of final test accuracy that counts as converged. @default 0.95 */
  convergenceFraction?: number;
}): GroupReport {
  const { records } = options;
  const first = records[0];
  if (!first) throw new RangeError('summarizeGroup needs at least one record');
  const perTrial = records.map((record) => trialMetrics({ record, convergenceFraction: options.convergenceFraction }));
  const metricNames = Object.keys(perTrial[0] ?? {}) as MetricName[];
  const metrics = Object.fromEntries(metricNames.map((m) => [m, summarize(perTrial.map((t) => t[m]))])) as GroupReport['metrics'];
  return {
    groupKey: first.groupKey,
    // A sweep with a single variant has no varying factors and so an empty label.
    label: first.groupLabel || first.config.model,
    factors: first.factors,
    model: first.config.model,
    modelOptions: first.config.modelOptions,
    train: first.config.train,
    seeds: records.map((r) => r.seed),
    n: records.length,
    modelStats: first.result.modelStats,
    metrics,
    curve: curveOf(records),
  };
}
