/**
 * The workflow's answer to a training activity's per-epoch report (the `reportEpoch` update): check
 * the report, record it on the running trial, and decide whether the trial goes on or stops at this
 * epoch boundary (cancel, pause, or the pruning rule). Pure: unit-tested without Temporal.
 */
import type { EarlyStoppingSpec, PruneWithin } from '../../sweep-spec/schema.js';
import { StopReason, type EpochDecision, type EpochReport } from '../shared/shared.js';
import { createPruner, type PruneDecision, type Pruner, type TrialReport } from '../../search/index.js';
import type { PlannedTrial } from '../../sweep-spec/types.js';
import { prunerSpecOf } from '../../sweep-spec/pruner-spec.js';
import { metricValue } from '../shared/metrics.js';
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

/**
 * The spec's pruning rule as a {@link Pruner} (src/search/): median keeps Optuna's semantics (a trial's
 * best value so far against the percentile of the comparable trials' values at the same epoch, no
 * stop before `minEpochs`); ASHA stops at its rungs; Hyperband at the rungs of each trial's bracket.
 */
export function prunerOf(rule: EarlyStoppingSpec, epochs: number): Pruner {
  return createPruner(prunerSpecOf(rule, epochs));
}

/** The pool a trial is compared within (`within`): its config, its seed, or the whole sweep. */
export function pruneGroup(trial: Pick<PlannedTrial, 'groupKey' | 'seed'>, within: PruneWithin): string {
  return within === 'group' ? trial.groupKey : within === 'seed' ? `seed ${trial.seed}` : 'sweep';
}

const asValues = (series: readonly number[]): Record<number, number> =>
  Object.fromEntries(series.flatMap((v, i) => (v === undefined ? [] : [[i + 1, v]])));

/**
 * Whether the rule stops `running` after `epoch`: every trial of the sweep with a reported series
 * (running ones, finished and stopped ones) is in the pruner's context, grouped by `within`.
 */
export function pruneDecision(
  sweep: SweepState,
  running: RunningTrial,
  epoch: number,
  rule: EarlyStoppingSpec,
): PruneDecision {
  const reports: TrialReport[] = [];
  for (const r of sweep.running.values()) {
    reports.push({
      key: r.trial.trialKey,
      group: pruneGroup(r.trial, rule.within),
      config: r.trial.groupKey,
      values: asValues(r.series),
    });
  }
  // Settled trials in the order they settled; the key is only an identity to the pruner, so the plan
  // index stands in for it (hashing every settled trial's key per report would not scale).
  for (const [index, series] of sweep.metricHistory) {
    if (index >= sweep.plan.size || sweep.stateAt(index) === 'running') continue;
    const trial = sweep.plan.groupAndSeed(index);
    reports.push({
      key: `#${index}`,
      group: pruneGroup(trial, rule.within),
      config: trial.groupKey,
      values: asValues(series),
    });
  }
  return prunerOf(rule, running.trial.config.train.epochs).decide({
    trials: reports,
    mode: rule.higherIsBetter === false ? 'min' : 'max',
    trial: running.trial.trialKey,
    epoch,
  });
}

/**
 * The `reportEpoch` update's handler body: record the report on its running trial, then decide: stop
 * when the sweep is cancelling or paused (in that order), or when the pruning rule says so before the
 * trial's last epoch (its reason is kept for progress and the report); otherwise continue. A trial
 * that settled meanwhile (the validator let the report in before that) is told to stop.
 */
export function answerEpochReport(
  sweep: SweepState,
  report: EpochReport,
  earlyStopping: EarlyStoppingSpec | undefined,
): EpochDecision {
  const running = sweep.running.get(report.trialKey);
  if (!running) return { action: 'stop', reason: StopReason.cancelled };
  recordEpochReport(running, report, earlyStopping);
  if (sweep.carried.cancelRequested) return { action: 'stop', reason: StopReason.cancelled };
  // Decided once, answered to every later report (a retried attempt included).
  if (sweep.stopEpochOf(running.index) !== undefined)
    return { action: 'stop', reason: StopReason.earlyStopped };
  if (sweep.carried.paused) return { action: 'stop', reason: StopReason.paused };
  const epoch = report.metrics.epoch;
  if (earlyStopping && epoch < running.trial.config.train.epochs && running.series[epoch - 1] !== undefined) {
    const decision = pruneDecision(sweep, running, epoch, earlyStopping);
    if (decision.action === 'stop') {
      sweep.recordStopDecision(running.index, epoch, decision.reason);
      return { action: 'stop', reason: StopReason.earlyStopped };
    }
  }
  return { action: 'continue' };
}
