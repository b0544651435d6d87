/**
 * Metric names of finished trials, discovered from the records themselves: a trainable reports
 * whatever it likes (`value`, `loss`, `testAccuracy`…), so nothing here assumes the study's names.
 */
import type { TrialRecord } from '../../core/domain/trial.js';

/** The metric study results are usually judged by, preferred as a default when a sweep reports it. */
export const PREFERRED_METRIC = 'testAccuracy';

/**
 * Every metric name in any epoch or final metrics of `records` (never `epoch`), in first-seen order:
 * records in the order given, each one's epochs then its final metrics.
 */
export function metricNames(records: readonly TrialRecord[]): string[] {
  const seen = new Set<string>();
  const add = (metrics: Record<string, number> | undefined): void => {
    if (!metrics) return;
    for (const key of Object.keys(metrics)) if (key !== 'epoch') seen.add(key);
  };
  for (const record of records) {
    for (const epoch of record.result.epochs) add(epoch);
    add(record.result.final);
  }
  return [...seen];
}

/** `testAccuracy` when reported, else the first metric name; undefined when there is none. */
export function defaultMetric(names: readonly string[]): string | undefined {
  return names.includes(PREFERRED_METRIC) ? PREFERRED_METRIC : names[0];
}

/** Records in a stable order for output: group label (numbers compared as numbers), seed, trial key. */
export function sortRecords(records: readonly TrialRecord[]): TrialRecord[] {
  return [...records].sort(
    (x, y) =>
      x.groupLabel.localeCompare(y.groupLabel, 'en', { numeric: true }) ||
      x.seed - y.seed ||
      x.trialKey.localeCompare(y.trialKey),
  );
}

/** A metric's value, NaN when the metrics do not have it (JSON round trips may turn NaN into null). */
export function metricValue(metrics: Record<string, number> | undefined, name: string): number {
  const v = metrics?.[name];
  return typeof v === 'number' ? v : Number.NaN;
}
