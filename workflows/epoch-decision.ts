/**
 * The workflow's answer to a training activity's per-epoch report (the `reportEpoch` update): check
 * the report, record it on the running trial, and decide whether the trial goes on or stops at this
 * epoch boundary (cancel, pause, or the early-stopping rule). Pure: unit-tested without Temporal.
 */
import type { EarlyStoppingSpec } from '../spec/schema.js';
import {
  StopReason,
  type CarriedState,
  type EpochDecision,
  type EpochReport,
} from '../orchestration/shared.js';
import { metricValue, shouldStopEarly } from './early-stopping.js';
import type { RunningTrial, SweepState } from './sweep-state.js';

/**
 * The update's validator: rejects (throws) a report for a trial this run is not running, or from an
 * attempt older than the last one seen. A rejected update never enters history.
 */
export function validateEpochReport(running: RunningTrial | undefined, report: EpochReport): void {
  if (!running) throw new Error(`trial ${report.trialKey} is not running in this sweep run`);
  if (report.attempt < running.attempt) throw new Error(`stale report from attempt ${report.attempt}`);
}

/**
 * Records the report on the running trial: attempt, epoch, metrics, and (with early stopping) the
 * watched metric at this epoch, when the report has it.
 */
export function recordEpochReport(
  running: RunningTrial,
  report: EpochReport,
  earlyStopping: EarlyStoppingSpec | undefined,
): void {
  running.attempt = report.attempt;
  running.epoch = report.metrics.epoch;
  running.metrics = report.metrics;
  if (earlyStopping) {
    const value = metricValue(report.metrics, earlyStopping.metric);
    if (value !== undefined) running.series[report.metrics.epoch - 1] = value;
  }
}

/** What {@link decideEpoch} looks at. */
export interface EpochDecisionInput {
  /** 1-based epoch just reported. */
  epoch: number;
  /** Epochs the trial trains for. */
  epochs: number;
  /** The running trial's early-stopping metric per epoch (may run past `epoch` after a retry). */
  series: number[];
  /** The sweep's pause/cancel flags and finished trials' metric history. */
  sweep: Pick<CarriedState, 'cancelRequested' | 'paused' | 'metricHistory'>;
  /** The spec's early-stopping rule, if any. */
  earlyStopping: EarlyStoppingSpec | undefined;
}

/**
 * Stop when the sweep is cancelling or paused (in that order), or when the early-stopping rule says
 * so before the trial's last epoch; otherwise continue.
 */
export function decideEpoch(input: EpochDecisionInput): EpochDecision {
  const { epoch, earlyStopping, sweep } = input;
  if (sweep.cancelRequested) return { action: 'stop', reason: StopReason.cancelled };
  if (sweep.paused) return { action: 'stop', reason: StopReason.paused };
  if (
    earlyStopping &&
    epoch < input.epochs &&
    shouldStopEarly({
      metric: earlyStopping.metric,
      ...(earlyStopping.higherIsBetter !== undefined ? { higherIsBetter: earlyStopping.higherIsBetter } : {}),
      minEpochs: earlyStopping.minEpochs,
      minTrials: earlyStopping.minTrials,
      current: input.series.slice(0, epoch),
      finished: Object.values(sweep.metricHistory),
    })
  ) {
    return { action: 'stop', reason: StopReason.earlyStopped };
  }
  return { action: 'continue' };
}

/**
 * The `reportEpoch` update's handler body: record the report on its running trial, then decide. A
 * trial that settled meanwhile (the validator let the report in before that) is told to stop.
 */
export function answerEpochReport(
  sweep: SweepState,
  report: EpochReport,
  earlyStopping: EarlyStoppingSpec | undefined,
): EpochDecision {
  const running = sweep.running.get(report.trialKey);
  if (!running) return { action: 'stop', reason: StopReason.cancelled };
  recordEpochReport(running, report, earlyStopping);
  return decideEpoch({
    epoch: report.metrics.epoch,
    epochs: running.trial.config.train.epochs,
    series: running.series,
    sweep: sweep.carried,
    earlyStopping,
  });
}
