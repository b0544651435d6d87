/**
 * The percentile early-stopping rule (Optuna's PercentilePruner; the median rule is percentile 50),
 * evaluated inside the workflow, so it is pure and deterministic: its inputs are what the workflow has
 * recorded in history (finished trials' per-epoch metric, the running trial's metrics so far).
 */
import { metricField } from '../orchestration/metrics.js';

/** Shared with the training activity (its per-epoch series), so they live in orchestration/. */
export { metricField, metricValue } from '../orchestration/metrics.js';

/** Metrics the rule can watch, and whether larger is better. */
const HIGHER_IS_BETTER: Record<string, boolean> = {
  testAccuracy: true,
  trainAccuracy: true,
  testLoss: false,
  trainLoss: false,
};

export interface PercentileRuleOptions {
  /** Metric, e.g. `test_accuracy` / `testAccuracy` (higher is better) or `test_loss` (lower is better). */
  metric: string;
  /** Whether larger values are better (the spec's objective says so). @default from the study's metric names, else true */
  higherIsBetter?: boolean;
  /** Percentile of finished trials' values below which a trial stops; 50 is the median rule. @default 50 */
  percentile?: number;
  /** Never stop before this epoch (1-based). */
  minEpochs: number;
  /** Decide only once this many finished trials have a value at the epoch. */
  minTrials: number;
  /** The running trial's metric per epoch, epoch 1..n. */
  current: number[];
  /** Finished trials' metric per epoch. */
  finished: number[][];
}

/**
 * True when the trial should stop: its best value so far is worse than the given percentile of
 * finished trials' values at the same epoch.
 */
export function shouldStopEarly(options: PercentileRuleOptions): boolean {
  const epoch = options.current.length;
  if (epoch === 0 || epoch < options.minEpochs) return false;
  const higherIsBetter = options.higherIsBetter ?? HIGHER_IS_BETTER[metricField(options.metric)] ?? true;
  const atEpoch = options.finished
    .map((series) => series[epoch - 1])
    .filter((v): v is number => v !== undefined);
  if (atEpoch.length === 0 || atEpoch.length < options.minTrials) return false;
  const best = higherIsBetter ? Math.max(...options.current) : Math.min(...options.current);
  // Percentile of "goodness": for higher-is-better the cut is the (100 - p)th value from the top.
  const p = options.percentile ?? 50;
  const cut = percentile(atEpoch, higherIsBetter ? 100 - p : p);
  return higherIsBetter ? best < cut : best > cut;
}

/** Linear-interpolated percentile (numpy's default), p in [0, 100]. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const low = sorted[lo] as number;
  const high = sorted[hi] as number;
  return low + (high - low) * (rank - lo);
}
