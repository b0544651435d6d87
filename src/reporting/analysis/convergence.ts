/** Convergence speed of one trial: how soon it gets close to where it ends. */
import type { EpochMetrics } from '../../core/domain/trial.js';

/** Default fraction of the final test accuracy that counts as converged. */
export const DEFAULT_CONVERGENCE_FRACTION = 0.95;

/**
 * First epoch (1-based) whose `metric` (test accuracy by default; a higher-is-better metric) reaches
 * `fraction` × the trial's final value; NaN when there are no epochs or no final value. Always defined
 * otherwise (the last epoch reaches 100 % of itself).
 */
export function epochsToConverge(options: {
  /** Per-epoch metrics in epoch order. */
  epochs: readonly EpochMetrics[];
  /** Fraction of the final value to reach. @default 0.95 */
  fraction?: number;
  /** @default 'testAccuracy' */
  metric?: string;
}): number {
  const { epochs } = options;
  const fraction = options.fraction ?? DEFAULT_CONVERGENCE_FRACTION;
  const metric = options.metric ?? 'testAccuracy';
  const last = epochs.at(-1);
  const final = last?.[metric];
  if (!last || final === undefined || Number.isNaN(final)) return Number.NaN;
  const target = fraction * final;
  return epochs.find((e) => (e[metric] ?? Number.NaN) >= target)?.epoch ?? last.epoch;
}
