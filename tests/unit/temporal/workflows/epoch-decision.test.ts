/** The workflow's answer to a per-epoch report: validation, bookkeeping and the stop/continue decision. */
import { describe, expect, it } from 'vitest';
import type { EarlyStoppingSpec } from '../../../../src/sweep-spec/schema.js';
import type { EpochReport } from '../../../../src/temporal/shared/shared.js';
import { StopReason } from '../../../../src/temporal/shared/shared.js';
import {
  answerEpochReport,
  recordEpochReport,
  validateEpochReport,
} from '../../../../src/temporal/workflows/epoch-decision.js';
import { SweepState, type RunningTrial } from '../../../../src/temporal/workflows/sweep-state.js';
import { TrialPlan } from '../../../../src/temporal/workflows/trial-plan.js';
import { plannedTrial } from './fixtures.js';

const median: EarlyStoppingSpec = {
  rule: 'median',
  metric: 'test_accuracy',
  within: 'sweep',
  minEpochs: 1,
  minTrials: 2,
  percentile: 50,
  reductionFactor: 3,
  minResource: 1,
};
const running = (attempt = 1): RunningTrial => ({
  index: 0,
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
const finishedHistory = { x: [0.5, 0.6, 0.7], y: [0.4, 0.5, 0.6], z: [0.3, 0.45, 0.5] };
/** Puts `finishedHistory` into the sweep's metric history, by the plan indices of x, y and z. */
const withHistory = (sweep: SweepState) => {
  for (const [key, series] of Object.entries(finishedHistory))
    sweep.metricHistory.set(sweep.indexOf(key)!, series);
};

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
  /** A sweep running trial `a` (3 epochs) whose finished trials x, y, z reported `finishedHistory`. */
  const sweepWith = (
    options: { cancel?: boolean; pause?: boolean; group?: (key: string) => string } = {},
  ) => {
    const keys = ['x', 'y', 'z', 'a'];
    const trials = keys.map((k, i) => ({ ...plannedTrial(k, i, 3), groupKey: options.group?.(k) ?? 'g' }));
    const sweep = new SweepState({ sweepId: 's', sweepName: 'n', plan: TrialPlan.of(trials) });
    sweep.skipAlreadyFinished(['x', 'y', 'z']); // finished before: only `a` runs
    withHistory(sweep);
    sweep.startRunning();
    sweep.startNext({ cancel: () => undefined });
    if (options.cancel) sweep.carried.cancelRequested = true;
    if (options.pause) sweep.carried.paused = true;
    return sweep;
  };
  const answer = (sweep: SweepState, series: number[], rule: EarlyStoppingSpec | undefined = median) => {
    for (let e = 1; e < series.length; e++) answerEpochReport(sweep, report(e, 1, series[e - 1]), undefined);
    sweep.running.get('a')!.series = series.slice(0, -1);
    return answerEpochReport(sweep, report(series.length, 1, series.at(-1)), rule);
  };

  it('continues by default', () => {
    expect(answer(sweepWith(), [0.6, 0.7], undefined)).toEqual({ action: 'continue' });
  });

  it('stops for cancel before pause, and for pause before the pruning rule', () => {
    expect(answer(sweepWith({ cancel: true, pause: true }), [0.2, 0.3])).toEqual({
      action: 'stop',
      reason: StopReason.cancelled,
    });
    expect(answer(sweepWith({ pause: true }), [0.2, 0.3])).toEqual({
      action: 'stop',
      reason: StopReason.paused,
    });
    const sweep = sweepWith();
    expect(answer(sweep, [0.2, 0.3])).toEqual({ action: 'stop', reason: StopReason.earlyStopped });
    // The rule's reason is kept for progress and the report.
    expect(sweep.carried.stopReasons[3]).toMatch(/epoch 2: .*0\.3.*median/);
  });

  it('never stops at the last epoch, and compares only values up to the reported epoch', () => {
    expect(answer(sweepWith(), [0, 0, 0])).toEqual({ action: 'continue' });
    expect(answer(sweepWith(), [0.45])).toEqual({ action: 'continue' });
    expect(answer(sweepWith(), [0.2])).toEqual({ action: 'stop', reason: StopReason.earlyStopped });
  });

  it('honours an explicit higherIsBetter', () => {
    expect(answer(sweepWith(), [0.2, 0.3], { ...median, higherIsBetter: false })).toEqual({
      action: 'continue',
    });
  });

  it("compares within the trial's group only (within: group)", () => {
    // x, y, z belong to another config: a group of one has nothing to compare with.
    const sweep = sweepWith({ group: (k) => (k === 'a' ? 'mine' : 'other') });
    expect(answer(sweep, [0.2, 0.3], { ...median, within: 'group' })).toEqual({ action: 'continue' });
    const pooled = sweepWith({ group: (k) => (k === 'a' ? 'mine' : 'other') });
    expect(answer(pooled, [0.2, 0.3], { ...median, within: 'sweep' })).toEqual({
      action: 'stop',
      reason: StopReason.earlyStopped,
    });
  });

  it('ASHA stops a trial outside the top 1/η at a rung', () => {
    const asha: EarlyStoppingSpec = { ...median, rule: 'asha', reductionFactor: 3, minResource: 1 };
    expect(answer(sweepWith(), [0.2], asha)).toEqual({ action: 'stop', reason: StopReason.earlyStopped });
    expect(answer(sweepWith(), [0.9], asha)).toEqual({ action: 'continue' });
  });
});

describe('answering an epoch report', () => {
  it('tells a trial that is no longer running to stop, and records and decides for a running one', () => {
    const trials = ['a', 'x', 'y', 'z'].map((k, i) => plannedTrial(k, i, 3));
    const sweep = new SweepState({ sweepId: 's', sweepName: 'n', plan: TrialPlan.of(trials) });
    expect(answerEpochReport(sweep, report(1, 1, 0.1), median)).toEqual({
      action: 'stop',
      reason: StopReason.cancelled,
    });
    sweep.startRunning();
    sweep.startNext({ cancel: () => undefined });
    expect(answerEpochReport(sweep, report(1, 1, 0.1), median)).toEqual({ action: 'continue' });
    withHistory(sweep);
    expect(answerEpochReport(sweep, report(2, 1, 0.2), median)).toEqual({
      action: 'stop',
      reason: StopReason.earlyStopped,
    });
    expect(sweep.trialProgress(sweep.plan.trial(0))).toMatchObject({
      state: 'running',
      epoch: 2,
      metrics: { epoch: 2, testAccuracy: 0.2 },
    });
  });
});

describe('a pruning decision is the outcome', () => {
  const setup = () => {
    const trials = ['a', 'x', 'y', 'z'].map((k, i) => plannedTrial(k, i, 3));
    const sweep = new SweepState({ sweepId: 's', sweepName: 'n', plan: TrialPlan.of(trials) });
    withHistory(sweep);
    sweep.startRunning();
    sweep.startNext({ cancel: () => undefined });
    return sweep;
  };

  it('answers stop to every later report, a retried attempt included, and records the decision epoch', () => {
    const sweep = setup();
    expect(answerEpochReport(sweep, report(1, 1, 0.45), median)).toEqual({ action: 'continue' });
    expect(answerEpochReport(sweep, report(2, 1, 0.2), median)).toMatchObject({ action: 'stop' });
    expect(sweep.carried.stopEpochs).toEqual({ 0: 2 }); // by plan index: `a` is trial 0
    // The worker died; the retry resumes from epoch 2 and reports epoch 3 with a better value.
    expect(answerEpochReport(sweep, report(3, 2, 0.99), median)).toEqual({
      action: 'stop',
      reason: StopReason.earlyStopped,
    });
    // Even if that attempt ran to the end, the sweep records the stop at epoch 2.
    sweep.recordOutcome(
      sweep.plan.trial(0),
      { status: 'finished', final: { epoch: 3 }, resumedFromEpoch: 2, series: [0.45, 0.2, 0.99] },
      true,
    );
    expect(sweep.carried.earlyStopped).toEqual({ 0: 2 });
    expect(sweep.metricHistory.get(0)).toEqual([0.45, 0.2]);
    expect(sweep.stoppedKeys()).toEqual(['a']);
    sweep.release('a');
    expect(sweep.counts()).toMatchObject({ earlyStopped: 1, finished: 0 });
  });
});
