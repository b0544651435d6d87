/** The sweep workflow's bookkeeping: trial states, the queue, the progress answer and carried state. */
import { describe, expect, it, vi } from 'vitest';
import type { PlannedTrial } from '../../../../src/core/domain/trial.js';
import {
  StopReason,
  SweepPhase,
  TrialState,
  type CarriedState,
} from '../../../../src/temporal/shared/shared.js';
import {
  SweepState,
  finalStatus,
  initialCarriedState,
} from '../../../../src/temporal/workflows/sweep-state.js';
import { decodeIndexSet } from '../../../../src/temporal/workflows/index-set.js';
import { TrialPlan } from '../../../../src/temporal/workflows/trial-plan.js';
import { plannedTrial } from './fixtures.js';

const trials = ['a', 'b', 'c', 'd'].map((k, i) => plannedTrial(k, i));
const scope = () => ({ cancel: vi.fn() });
const newSweep = (carried = initialCarriedState()) =>
  new SweepState({ sweepId: 'sweep-1', sweepName: 'demo', plan: TrialPlan.of(trials), carried });
/** Keys of the queued trials, in the order they would start (takes them off the queue). */
const drainQueue = (sweep: SweepState) => {
  const keys: string[] = [];
  while (sweep.queued > 0) keys.push(sweep.startNext(scope()).trialKey);
  return keys;
};

describe('sweep state', () => {
  it('starts with every trial pending, in the starting phase, with a fresh carried state', () => {
    const sweep = new SweepState({ sweepId: 'sweep-1', sweepName: 'demo', plan: TrialPlan.of(trials) });
    expect(sweep.carried).toEqual(initialCarriedState());
    const progress = sweep.progress();
    expect(progress).toMatchObject({ sweepId: 'sweep-1', sweepName: 'demo', phase: 'starting' });
    expect(progress.counts).toEqual({
      total: 4,
      pending: 4,
      running: 0,
      finished: 0,
      failed: 0,
      earlyStopped: 0,
      cancelled: 0,
      skipped: 0,
    });
    expect(progress.trials[0]).toEqual({
      trialKey: 'a',
      groupLabel: 'model=fc',
      seed: 0,
      epochs: 3,
      state: TrialState.pending,
    });
  });

  it('skips trials finished by earlier sweeps and queues the others in plan order', () => {
    const sweep = newSweep();
    sweep.skipAlreadyFinished(['c', 'not-planned', 'a']);
    expect(decodeIndexSet(sweep.carried.skipped)).toEqual([0, 2]); // plan indices of a and c
    expect(sweep.skippedKeys()).toEqual(['a', 'c']);
    sweep.startRunning();
    expect(sweep.phase).toBe(SweepPhase.running);
    expect(sweep.counts().skipped).toBe(2);
    // Without pending trials (the older callers' option) the answer leaves skipped ones out too.
    expect(sweep.progress({ pending: false }).trials).toEqual([]);
    expect(drainQueue(sweep)).toEqual(['b', 'd']);
  });

  it('starts trials from the front of the queue, keeps the cursor monotone and reports them running', () => {
    const sweep = newSweep();
    sweep.startRunning();
    expect(sweep.canStartTrial(1)).toBe(true);
    expect(sweep.startNext(scope()).trialKey).toBe('a');
    expect(sweep.carried.cursor).toBe(1);
    expect(sweep.canStartTrial(1)).toBe(false);
    expect(sweep.startNext(scope()).trialKey).toBe('b');
    expect(sweep.carried.cursor).toBe(2);
    expect(sweep.trialProgress(trials[0]!)).toMatchObject({ state: 'running', epoch: 0, attempt: 1 });
    expect(sweep.trialProgress(trials[0]!)).not.toHaveProperty('metrics');
    sweep.setPaused(true);
    expect(sweep.canStartTrial(4)).toBe(false);
    expect(sweep.currentPhase()).toBe(SweepPhase.paused);
    sweep.setPaused(false);
    expect(sweep.currentPhase()).toBe(SweepPhase.running);
  });

  it('records each outcome; a paused trial goes back to the front of the queue', () => {
    const sweep = newSweep();
    sweep.startRunning();
    const [a, b, c, d] = trials as [PlannedTrial, PlannedTrial, PlannedTrial, PlannedTrial];
    for (let i = 0; i < 4; i++) sweep.startNext(scope());
    sweep.running.get('a')!.series.push(0.5, 0.6);

    sweep.recordOutcome(a, { status: 'finished', final: { epoch: 3 }, resumedFromEpoch: 0 }, true);
    sweep.recordOutcome(b, { status: 'stopped', reason: StopReason.paused, epoch: 1 }, true);
    sweep.recordOutcome(c, { status: 'stopped', reason: StopReason.earlyStopped, epoch: 2 }, true);
    sweep.recordOutcome(d, { status: 'stopped', reason: StopReason.cancelled, epoch: 1 }, true);
    for (const k of ['a', 'b', 'c', 'd']) sweep.release(k);

    // Without a series from the activity, the one gathered from epoch reports is kept.
    expect([...sweep.metricHistory]).toEqual([[0, [0.5, 0.6]]]);
    expect(sweep.carried.earlyStopped).toEqual({ 2: 2 });
    expect(sweep.settledThisRun).toBe(4);
    expect(sweep.running.size).toBe(0);
    expect(sweep.queued).toBe(1);
    expect(sweep.progress({ pending: false }).trials.map((t) => [t.trialKey, t.state, t.reason])).toEqual([
      ['a', 'finished', undefined],
      ['c', 'early-stopped', 'early-stopped at epoch 2'],
      ['d', 'cancelled', 'cancelled after epoch 1'],
    ]);
    expect(sweep.isSettled('b')).toBe(false);
    expect(drainQueue(sweep)).toEqual(['b']);
  });

  it('keeps the metric series of finished trials only with early stopping, preferring the activity one', () => {
    const sweep = newSweep();
    sweep.startRunning();
    sweep.startNext(scope());
    sweep.startNext(scope());
    sweep.recordOutcome(
      trials[0]!,
      { status: 'finished', final: { epoch: 3 }, resumedFromEpoch: 0, series: [1, 2, 3] },
      true,
    );
    sweep.recordOutcome(trials[1]!, { status: 'finished', final: { epoch: 3 }, resumedFromEpoch: 0 }, false);
    expect([...sweep.metricHistory]).toEqual([[0, [1, 2, 3]]]);
    // Running takes precedence until the runner releases the trial.
    expect(sweep.counts()).toMatchObject({ running: 2, finished: 0 });
    sweep.release('a');
    sweep.release('b');
    expect(sweep.counts()).toMatchObject({ running: 0, finished: 2 });
  });

  it('records failures and cancellations; cancel cancels every running scope', () => {
    const sweep = newSweep();
    sweep.startRunning();
    const scopes = [scope(), scope()];
    sweep.startNext(scopes[0]!);
    sweep.startNext(scopes[1]!);
    sweep.requestCancel();
    expect(scopes.map((s) => s.cancel.mock.calls.length)).toEqual([1, 1]);
    expect(sweep.cancelRequested).toBe(true);
    expect(sweep.currentPhase()).toBe(SweepPhase.cancelling);

    sweep.recordFailed('a', 'Error: boom');
    sweep.recordCancelled('b');
    sweep.release('a');
    sweep.release('b');
    sweep.cancelQueued();
    expect(sweep.hasFailures).toBe(true);
    expect(sweep.progress().trials.map((t) => t.reason)).toEqual([
      'Error: boom',
      'cancelled',
      'not started: sweep cancelled',
      'not started: sweep cancelled',
    ]);
    expect(sweep.counts()).toMatchObject({ failed: 1, cancelled: 3, pending: 0 });
  });

  it('is idle with nothing queued and nothing running', () => {
    const sweep = newSweep();
    expect(sweep.idle).toBe(true);
    sweep.startRunning();
    expect(sweep.idle).toBe(false);
    for (let i = 0; i < 4; i++) sweep.startNext(scope());
    expect(sweep.idle).toBe(false);
    for (const t of trials) sweep.release(t.trialKey);
    expect(sweep.idle).toBe(true);
  });

  it('carries its state over continue-as-new (in place) and the next run resumes from it', () => {
    const carried = initialCarriedState();
    const first = newSweep(carried);
    first.skipAlreadyFinished(['d']);
    first.startRunning();
    first.startNext(scope());
    first.startNext(scope());
    first.recordOutcome(trials[0]!, { status: 'finished', final: { epoch: 3 }, resumedFromEpoch: 0 }, false);
    first.recordFailed('b', 'Error: boom');
    first.release('a');
    first.release('b');

    const next = first.carryOver();
    expect(next).toBe(carried);
    expect(next).toMatchObject({
      format: 2,
      failed: {},
      failedSets: { 'Error: boom': 'r:1' },
      cursor: 2,
      continuedRuns: 1,
    });
    expect(decodeIndexSet(next.finished)).toEqual([0]);
    expect(decodeIndexSet(next.skipped)).toEqual([3]);
    // The state survives a JSON round trip (it is a Temporal payload).
    const second = newSweep(JSON.parse(JSON.stringify(next)) as CarriedState);
    second.startRunning();
    expect(second.progress().continuedRuns).toBe(1);
    expect(second.counts()).toMatchObject({ finished: 1, failed: 1, skipped: 1, pending: 1 });
    expect(second.settledThisRun).toBe(0);
    expect(drainQueue(second)).toEqual(['c']);
  });
});

describe('final status', () => {
  it('reports cancelled over failures over success', () => {
    expect(finalStatus(true, true)).toEqual({ run: 'KILLED', summary: 'cancelled' });
    expect(finalStatus(false, true)).toEqual({ run: 'FAILED', summary: 'completed-with-failures' });
    expect(finalStatus(false, false)).toEqual({ run: 'FINISHED', summary: 'completed' });
  });
});
