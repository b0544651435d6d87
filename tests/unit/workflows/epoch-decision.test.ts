/** The workflow's answer to a per-epoch report: validation, bookkeeping and the stop/continue decision. */
import { describe, expect, it } from 'vitest';
import type { EarlyStoppingSpec } from '../../../spec/schema.js';
import type { EpochReport } from '../../../orchestration/shared.js';
import { StopReason } from '../../../orchestration/shared.js';
import {
  answerEpochReport,
  decideEpoch,
  recordEpochReport,
  validateEpochReport,
} from '../../../workflows/epoch-decision.js';
import { SweepState, type RunningTrial } from '../../../workflows/sweep-state.js';
import { plannedTrial } from './fixtures.js';

const median: EarlyStoppingSpec = { rule: 'median', metric: 'test_accuracy', minEpochs: 1, minTrials: 2 };
const running = (attempt = 1): RunningTrial => ({
  trial: plannedTrial('a', 0, 3),
  scope: { cancel: () => undefined },
  attempt,
  epoch: 0,
  series: [],
});
const report = (epoch: number, attempt = 1, testAccuracy?: number): EpochReport => ({
  trialKey: 'a',
  attempt,
  metrics: testAccuracy === undefined ? { epoch } : { epoch, testAccuracy },
});
const flags = { cancelRequested: false, paused: false, metricHistory: {} };
const finishedHistory = { x: [0.5, 0.6, 0.7], y: [0.4, 0.5, 0.6], z: [0.3, 0.45, 0.5] };

describe('epoch report validation', () => {
  it('rejects reports for trials not running in this run and from stale attempts', () => {
    expect(() => validateEpochReport(undefined, report(1))).toThrow(
      'trial a is not running in this sweep run',
    );
    expect(() => validateEpochReport(running(2), report(1, 1))).toThrow('stale report from attempt 1');
    expect(() => validateEpochReport(running(2), report(1, 2))).not.toThrow();
    expect(() => validateEpochReport(running(2), report(1, 3))).not.toThrow();
  });
});

describe('recording an epoch report', () => {
  it('keeps attempt, epoch and metrics, and the watched metric per epoch with early stopping', () => {
    const r = running();
    recordEpochReport(r, report(1, 1, 0.4), median);
    recordEpochReport(r, report(2, 2, 0.5), median);
    expect(r).toMatchObject({ attempt: 2, epoch: 2, metrics: { epoch: 2, testAccuracy: 0.5 } });
    expect(r.series).toEqual([0.4, 0.5]);
    // A retry that reports an earlier epoch again overwrites that epoch's value.
    recordEpochReport(r, report(1, 3, 0.45), median);
    expect(r.series).toEqual([0.45, 0.5]);
  });

  it('keeps no series without early stopping or without the metric', () => {
    const r = running();
    recordEpochReport(r, report(1, 1, 0.4), undefined);
    recordEpochReport(r, report(2, 1), median);
    expect(r.series).toEqual([]);
    expect(r.epoch).toBe(2);
  });
});

describe('the epoch decision', () => {
  const decide = (over: Partial<Parameters<typeof decideEpoch>[0]>) =>
    decideEpoch({ epoch: 2, epochs: 3, series: [0.2, 0.3], sweep: flags, earlyStopping: undefined, ...over });

  it('continues by default', () => {
    expect(decide({})).toEqual({ action: 'continue' });
  });

  it('stops for cancel before pause, and for pause before the early-stopping rule', () => {
    const all = { ...flags, metricHistory: finishedHistory };
    expect(decide({ sweep: { ...all, cancelRequested: true, paused: true }, earlyStopping: median })).toEqual(
      {
        action: 'stop',
        reason: StopReason.cancelled,
      },
    );
    expect(decide({ sweep: { ...all, paused: true }, earlyStopping: median })).toEqual({
      action: 'stop',
      reason: StopReason.paused,
    });
    expect(decide({ sweep: all, earlyStopping: median })).toEqual({
      action: 'stop',
      reason: StopReason.earlyStopped,
    });
  });

  it('never stops early at the last epoch, and looks only at epochs up to the reported one', () => {
    const sweep = { ...flags, metricHistory: finishedHistory };
    expect(decide({ sweep, earlyStopping: median, epoch: 3, series: [0, 0, 0] })).toEqual({
      action: 'continue',
    });
    // After a retry the series can hold later epochs from the failed attempt: they do not count.
    expect(decide({ sweep, earlyStopping: median, epoch: 1, series: [0.45, 0.9] })).toEqual({
      action: 'continue',
    });
    expect(decide({ sweep, earlyStopping: median, epoch: 1, series: [0.2, 0.9] })).toEqual({
      action: 'stop',
      reason: StopReason.earlyStopped,
    });
  });

  it('honours an explicit higherIsBetter', () => {
    const sweep = { ...flags, metricHistory: finishedHistory };
    const lowerIsBetter = { ...median, higherIsBetter: false };
    expect(decide({ sweep, earlyStopping: lowerIsBetter, series: [0.2, 0.3] })).toEqual({
      action: 'continue',
    });
  });
});

describe('answering an epoch report', () => {
  it('tells a trial that is no longer running to stop, and records and decides for a running one', () => {
    const sweep = new SweepState({ sweepId: 's', sweepName: 'n', trials: [plannedTrial('a', 0, 3)] });
    expect(answerEpochReport(sweep, report(1, 1, 0.1), median)).toEqual({
      action: 'stop',
      reason: StopReason.cancelled,
    });
    sweep.startRunning();
    sweep.startNext({ cancel: () => undefined });
    expect(answerEpochReport(sweep, report(1, 1, 0.1), median)).toEqual({ action: 'continue' });
    Object.assign(sweep.carried.metricHistory, finishedHistory);
    expect(answerEpochReport(sweep, report(2, 1, 0.2), median)).toEqual({
      action: 'stop',
      reason: StopReason.earlyStopped,
    });
    expect(sweep.trialProgress(sweep.trials[0]!)).toMatchObject({
      state: 'running',
      epoch: 2,
      metrics: { epoch: 2, testAccuracy: 0.2 },
    });
  });
});
