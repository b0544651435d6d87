/**
 * The state carried across continue-as-new: compact (plan indices as sets, details only where they
 * cannot be recomputed) and below Temporal's 256 KB payload warning at 100,000 trials; a state carried
 * by older workers (trial keys) is read into it, so sweeps running through an upgrade go on.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_FAILURE_REASONS_KEPT,
  MAX_FAILURES_LISTED,
  type CarriedState,
  type LegacyCarriedState,
} from '../../../../src/temporal/shared/shared.js';
import { readCarriedState } from '../../../../src/temporal/workflows/carried-state.js';
import { decodeIndexSet, encodeIndexSet } from '../../../../src/temporal/workflows/index-set.js';
import { FAILURE_NOT_KEPT, SweepState } from '../../../../src/temporal/workflows/sweep-state.js';
import { TrialPlan } from '../../../../src/temporal/workflows/trial-plan.js';
import { plannedTrial } from './fixtures.js';

/** A 64-hex trial key, as real ones are. */
const keyOf = (i: number) => i.toString(16).padStart(64, '0');
const planOf = (n: number) => TrialPlan.of(Array.from({ length: n }, (_, i) => plannedTrial(keyOf(i), i)));
const scope = { cancel: () => undefined };
const FAILURE = 'ApplicationFailure: trainTrial failed after 3 attempts: Error: out of memory at epoch 2';

/** Runs every trial of an `n`-trial plan: 1 in 100 fails, the rest finish. */
function settledSweep(n: number): SweepState {
  const sweep = new SweepState({ sweepId: 's', sweepName: 'load', plan: planOf(n) });
  sweep.startRunning();
  for (let i = 0; i < n; i++) {
    const trial = sweep.startNext(scope);
    if (i % 100 === 7) sweep.recordFailed(trial.trialKey, FAILURE);
    else sweep.recordOutcome(trial, { status: 'finished', final: { epoch: 1 }, resumedFromEpoch: 0 }, false);
    sweep.release(trial.trialKey);
  }
  return sweep;
}

/** What the older workers carried for the same sweep: every key and failure by key. */
function legacyOf(n: number): LegacyCarriedState {
  const failed: Record<string, string> = {};
  const finished: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 100 === 7) failed[keyOf(i)] = FAILURE;
    else finished.push(keyOf(i));
  }
  return {
    alreadyFinished: [],
    finished,
    failed,
    earlyStopped: {},
    metricHistory: {},
    cursor: n,
    paused: false,
    cancelRequested: false,
    continuedRuns: 3,
  };
}

const kib = (value: unknown) => JSON.stringify(value).length / 1024;

describe('index sets', () => {
  it('round-trip as ranges or as a bitmap, whichever is shorter', () => {
    expect(encodeIndexSet([])).toBe('r:');
    expect(encodeIndexSet([5, 0, 1, 2, 3, 2, 9])).toBe('b:2f02'); // 6 characters, the ranges 9
    const run = Array.from({ length: 1000 }, (_, i) => 100_000 + i);
    // Ranges 22 characters, run lengths 16: 100,000 absent, 1,000 present, 99,005 absent, 1 present.
    expect(encodeIndexSet([...run, 200_005])).toBe('l:255s,rs,24e5,1');
    expect(decodeIndexSet('l:255s,rs,24e5,1')).toEqual([...run, 200_005]);
    expect(encodeIndexSet([100_000])).toBe('r:100000'); // a tie with 'l:255s,1' keeps ranges
    expect(decodeIndexSet('r:0-3,5,9')).toEqual([0, 1, 2, 3, 5, 9]);
    const everyOther = Array.from({ length: 5000 }, (_, i) => 2 * i);
    const scattered = encodeIndexSet(everyOther);
    expect(scattered.startsWith('b:')).toBe(true);
    expect(scattered.length).toBe(2 + 2 * 1250);
    expect(decodeIndexSet(scattered)).toEqual(everyOther);
    // A long run with scattered holes: run lengths (absent, present, …) in base 36.
    const holes = Array.from({ length: 10_000 }, (_, i) => i).filter((i) => i % 100 !== 7);
    const runs = encodeIndexSet(holes);
    expect(runs.startsWith('l:')).toBe(true);
    expect(runs.slice(0, 12)).toBe('l:0,7,1,2r,1');
    expect(runs.length).toBeLessThan(600); // 100 holes; as ranges ~1,000 characters
    expect(decodeIndexSet(runs)).toEqual(holes);
    expect(() => decodeIndexSet('l:1,-2')).toThrow('not an index run');
    expect(() => decodeIndexSet('x')).toThrow('not an index set');
    expect(() => decodeIndexSet('r:4-2')).toThrow('not an index range');
  });
});

describe('the carried state', () => {
  it('stays far below 256 KB at 100,000 trials (the older shape: 6.6 MB)', () => {
    const rows: string[] = [];
    for (const n of [1_000, 10_000, 100_000]) {
      const carried = settledSweep(n).carryOver();
      const after = kib(carried);
      const before = kib(legacyOf(n));
      rows.push(`${n} trials: ${before.toFixed(1)} KiB before, ${after.toFixed(1)} KiB after`);
      expect(decodeIndexSet(carried.finished)).toHaveLength(n - n / 100);
      if (n === 100_000) expect(after).toBeLessThan(256);
    }
    console.log(`carried state, 1% failed:\n${rows.join('\n')}`);
  });

  it('carries failures by reason, at most MAX_FAILURE_REASONS_KEPT of them, and reads them back', () => {
    const n = 2000;
    const sweep = new SweepState({ sweepId: 's', sweepName: 'load', plan: planOf(n) });
    sweep.startRunning();
    for (let i = 0; i < n; i++) {
      const trial = sweep.startNext(scope);
      // Every 10th fails: half with one reason, half with a reason of its own (100 distinct).
      if (i % 10 === 0)
        sweep.recordFailed(trial.trialKey, i % 20 === 0 ? FAILURE : `Error: NaN at trial ${i}`);
      else
        sweep.recordOutcome(trial, { status: 'finished', final: { epoch: 1 }, resumedFromEpoch: 0 }, false);
      sweep.release(trial.trialKey);
    }
    const carried = JSON.parse(JSON.stringify(sweep.carryOver())) as CarriedState;
    expect(carried.failed).toEqual({});
    expect(Object.keys(carried.failedSets!)).toHaveLength(MAX_FAILURE_REASONS_KEPT + 1);
    expect(decodeIndexSet(carried.failedSets![FAILURE]!)).toHaveLength(100);
    expect(decodeIndexSet(carried.failedSets![FAILURE_NOT_KEPT]!)).toEqual([1990]);
    const next = new SweepState({ sweepId: 's', sweepName: 'load', plan: planOf(n), carried });
    expect(next.counts()).toMatchObject({ finished: 1800, failed: 200, pending: 0 });
    expect(next.trialProgressAt(20).reason).toBe(FAILURE);
    expect(next.trialProgressAt(10).reason).toBe('Error: NaN at trial 10');
    expect(next.trialProgressAt(1990).reason).toBe(FAILURE_NOT_KEPT);
    const { failures, notListed } = next.failures();
    expect(Object.keys(failures)).toHaveLength(MAX_FAILURES_LISTED);
    expect(failures[keyOf(0)]).toBe(FAILURE);
    expect(notListed).toBe(200 - MAX_FAILURES_LISTED);
  });

  it('has a size bound that does not depend on where the settled trials are (bitmap)', () => {
    const n = 100_000;
    const sweep = new SweepState({ sweepId: 's', sweepName: 'load', plan: planOf(n) });
    sweep.skipAlreadyFinished(Array.from({ length: n / 2 }, (_, i) => keyOf(2 * i))); // every other one
    sweep.startRunning();
    for (let i = 0; i < n / 2; i++) {
      const trial = sweep.startNext(scope);
      sweep.recordOutcome(trial, { status: 'finished', final: { epoch: 1 }, resumedFromEpoch: 0 }, false);
      sweep.release(trial.trialKey);
    }
    const carried = sweep.carryOver();
    expect(kib(carried)).toBeLessThan(64);
    const next = new SweepState({
      sweepId: 's',
      sweepName: 'load',
      plan: planOf(n),
      carried: JSON.parse(JSON.stringify(carried)),
    });
    expect(next.counts()).toMatchObject({ total: n, finished: n / 2, skipped: n / 2, pending: 0 });
  });

  it('reads the state older workers carried (by key) into the same sweep', () => {
    const n = 1000;
    const legacy: LegacyCarriedState = {
      ...legacyOf(n),
      alreadyFinished: [keyOf(999)],
      finished: [keyOf(0), keyOf(1), 'not-in-this-plan'],
      failed: { [keyOf(2)]: 'Error: boom' },
      earlyStopped: { [keyOf(4)]: 2, [keyOf(3)]: 1 },
      metricHistory: { [keyOf(4)]: [0.1, 0.2], [keyOf(0)]: [0.5, 0.6, 0.7], [keyOf(3)]: [0.05] },
      stopReasons: { [keyOf(4)]: 'epoch 2: below the median' },
      stopEpochs: { [keyOf(4)]: 2, [keyOf(3)]: 1 },
      cursor: 5,
      paused: true,
      adaptive: { proposals: [], draws: 0, rounds: [] },
    };
    const carried = readCarriedState(JSON.parse(JSON.stringify(legacy)) as LegacyCarriedState, planOf(n));
    expect(carried).toMatchObject({
      format: 2,
      failed: { 2: 'Error: boom' },
      earlyStopped: { 3: 1, 4: 2 },
      stopReasons: { 4: 'epoch 2: below the median' },
      stopEpochs: { 3: 1, 4: 2 },
      cursor: 5,
      paused: true,
      continuedRuns: 3,
      adaptive: { proposals: [], draws: 0, rounds: [] },
    });
    // The pruner sees settled trials in the order they settled, as it did.
    expect(carried.metricHistory.map(([i]) => i)).toEqual([4, 0, 3]);
    const sweep = new SweepState({ sweepId: 's', sweepName: 'load', plan: planOf(n), carried });
    expect(sweep.counts()).toMatchObject({
      finished: 2,
      skipped: 1,
      failed: 1,
      earlyStopped: 2,
      pending: 994,
    });
    expect(sweep.trialProgress(plannedTrial(keyOf(4)))).toMatchObject({
      state: 'early-stopped',
      epoch: 2,
      reason: 'epoch 2: below the median',
    });
    expect(sweep.failures()).toEqual({ failures: { [keyOf(2)]: 'Error: boom' }, notListed: 0 });
    // A state in the current shape is taken as it is.
    expect(readCarriedState(carried, planOf(n))).toBe(carried);
  });
});
