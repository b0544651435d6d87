/** Metric names of generic trials: what they report, and the per-trial final values the report summarises. */
import type { TrialRecord } from '../../core/domain/trial.js';

/** Key of a metric's final value in a group's `metrics`: `testAccuracy` → `finalTestAccuracy`, `value` → `finalValue`. */
export function finalMetricKey(metric: string): string {
  return `final${metric.charAt(0).toUpperCase()}${metric.slice(1)}`;
}

/** Per-epoch metric names the records report (besides `epoch`), in order of first appearance. */
export function reportedMetrics(records: readonly TrialRecord[]): string[] {
  const names = new Set<string>();
  for (const record of records) {
    for (const epoch of [...record.result.epochs, record.result.final]) {
      for (const [name, value] of Object.entries(epoch))
        if (name !== 'epoch' && typeof value === 'number') names.add(name);
    }
  }
  return [...names];
}

/** A trial's final value of `metric`: NaN when it does not report it. */
export function finalValue(record: TrialRecord, metric: string): number {
  const value = record.result.final[metric];
  return typeof value === 'number' ? value : Number.NaN;
}

/** The final value of every named metric, keyed by {@link finalMetricKey}. */
export function finalValues(record: TrialRecord, metrics: readonly string[]): Record<string, number> {
  return Object.fromEntries(metrics.map((m) => [finalMetricKey(m), finalValue(record, m)]));
}
