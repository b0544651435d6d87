/**
 * Reading a metric out of an epoch's metrics by name, as the early-stopping rule (workflow) and the
 * training activity (its per-epoch series) both do. Pure and deterministic: workflow code imports it.
 */
import { metricField } from '../../core/domain/objective.js';
import type { EpochMetrics } from '../../core/domain/trial.js';

export { metricField };

/** The metric's value (spec or field spelling) in an epoch's metrics, or undefined when it is unknown. */
export function metricValue(metrics: EpochMetrics, metric: string): number | undefined {
  // The trainable's own name first (`val_loss`), then the spec spelling of a study metric (`test_accuracy`).
  const value =
    metric in metrics
      ? metrics[metric]
      : (metrics as unknown as Record<string, unknown>)[metricField(metric)];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
