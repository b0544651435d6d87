/** Groups finished trials by group key and summarises each group's metrics and learning curve. */
import type { TrialRecord } from '../../core/domain/trial.js';
import { summarize } from './descriptive.js';
import type { CurvePoint, GroupReport, MissingSeed } from './report-types.js';

/** Records grouped by group key; within a group one record per seed (the last wins), sorted by seed. */
export function groupRecords(records: readonly TrialRecord[]): Map<string, TrialRecord[]> {
  const bySeed = new Map<string, Map<number, TrialRecord>>();
  for (const record of records) {
    const group = bySeed.get(record.groupKey) ?? new Map<number, TrialRecord>();
    group.set(record.seed, record);
    bySeed.set(record.groupKey, group);
  }
  const groups = new Map<string, TrialRecord[]>();
  for (const [key, seeds] of bySeed)
    groups.set(
      key,
      [...seeds.values()].sort((x, y) => x.seed - y.seed),
    );
  return groups;
}

/** Per-trial values of the metrics a report summarises, keyed by name. */
export type TrialMetrics = (record: TrialRecord) => Record<string, number>;

function curveOf(records: readonly TrialRecord[], metrics: readonly string[]): CurvePoint[] {
  const maxEpoch = Math.max(0, ...records.map((r) => r.result.epochs.length));
  const points: CurvePoint[] = [];
  for (let epoch = 1; epoch <= maxEpoch; epoch++) {
    const at = records.flatMap((r) => r.result.epochs.filter((e) => e.epoch === epoch));
    if (at.length === 0) continue;
    const point: CurvePoint = { epoch, n: at.length };
    for (const metric of metrics) {
      const s = summarize(at.map((e) => e[metric] ?? Number.NaN));
      point[metric] = { mean: s.mean ?? Number.NaN, ci95: s.ci95 };
    }
    points.push(point);
  }
  return points;
}

/** Summary of one group's records (at least one). */
export function summarizeGroup(options: {
  /** The group's records, one per seed. */
  records: readonly TrialRecord[];
  /** The per-trial metrics to summarise. */
  trialMetrics: TrialMetrics;
  /** Per-epoch metrics whose learning curves to summarise. */
  curveMetrics: readonly string[];
  /** Planned seeds of the group without a finished result; kept only when there are some. */
  missing?: readonly MissingSeed[];
}): GroupReport {
  const { records } = options;
  const first = records[0];
  if (!first) throw new RangeError('summarizeGroup needs at least one record');
  const perTrial = records.map((record) => options.trialMetrics(record));
  const metricNames = Object.keys(perTrial[0] ?? {});
  const metrics = Object.fromEntries(
    metricNames.map((m) => [m, summarize(perTrial.map((t) => t[m] ?? Number.NaN))]),
  );
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
    ...(options.missing && options.missing.length > 0 ? { missing: [...options.missing] } : {}),
    ...(first.result.modelStats ? { modelStats: first.result.modelStats } : {}),
    metrics,
    curve: curveOf(records, options.curveMetrics),
  };
}
