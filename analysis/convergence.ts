/** Convergence speed of one trial: how soon it gets close to where it ends. */
import type { EpochMetrics } from '../engine/types.js';

/** Default fraction of the final test accuracy that counts as converged. */
export const DEFAULT_CONVERGENCE_FRACTION = 0.95;

/**
 * First epoch (1-based) whose test accuracy reaches `fraction` × the trial's final test accuracy; NaN
 * when there are no epochs. Always defined otherwise (the last epoch reaches 100 % of itself).
 */
export function epochsToConverge(options: {
  /** Per-epoch metrics in epoch order. */
  epochs: readonly EpochMetrics[];
  /** Fraction of the final test accuracy to reach. @default 0.95 */
  fraction?: number;
}): number {
  const { epochs } = options;
  const fraction = options.fraction ?? DEFAULT_CONVERGENCE_FRACTION;
  const last = epochs.at(-1);
  if (!last) return Number.NaN;
  const target = fraction * last.testAccuracy;
  return epochs.find((e) => e.testAccuracy >= target)?.epoch ?? last.epoch;
}
