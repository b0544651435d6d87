/**
 * The `progress` query answers a summary and one page: bounded however large the plan (a whole-plan
 * answer of 25,771 finished trials once passed 4 MB and Temporal terminated the sweep). The state is
 * built directly, without Temporal, at 100,000 planned trials.
 */
import { describe, expect, it } from 'vitest';
import { PROGRESS_PAGE_SIZE, type ProgressQueryOptions } from '../../../../src/temporal/shared/shared.js';
import { SweepState } from '../../../../src/temporal/workflows/sweep-state.js';
import { TrialPlan } from '../../../../src/temporal/workflows/trial-plan.js';
import { plannedTrial } from './fixtures.js';

const keyOf = (i: number) => i.toString(16).padStart(64, '0');
const scope = { cancel: () => undefined };
const METRICS = {
  epoch: 2,
  trainLoss: 0.6931471805599453,
  trainAccuracy: 0.5123456789,
  testLoss: 0.7012345678,
  testAccuracy: 0.4987654321,
};

/**
 * `n` planned trials with long labels: the first `settled` settled (1 in 50 failed with a long reason,
 * the others finished), the next `running` running at epoch 2 with metrics, the rest pending.
 */
function sweepOf(n: number, settled: number, running: number): SweepState {
  const trials = Array.from({ length: n }, (_, i) => ({
    ...plannedTrial(keyOf(i), i % 1000, 3),
    groupLabel: `model=cnn kernel_size=5 learning_rate=0.00${i % 10} optimizer=adam`,
  }));
  const sweep = new SweepState({
    sweepId: 'load-0123abcd-20250101T000000Z',
    sweepName: 'load',
    plan: TrialPlan.of(trials),
  });
  sweep.startRunning();
  for (let i = 0; i < settled + running; i++) {
    const t = sweep.startNext(scope);
    if (i >= settled) {
      Object.assign(sweep.running.get(t.trialKey)!, { epoch: 2, metrics: METRICS });
      continue;
    }
    if (i % 50 === 3)
      sweep.recordFailed(
        t.trialKey,
        `ApplicationFailure: trainTrial failed after 3 attempts: Error: ${'x'.repeat(200)}`,
      );
    else sweep.recordOutcome(t, { status: 'finished', final: { epoch: 3 }, resumedFromEpoch: 0 }, false);
    sweep.release(t.trialKey);
  }
  return sweep;
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe('the progress query at 100,000 planned trials', () => {
  const sweep = sweepOf(100_000, 50_000, 300);

  it.each<[string, ProgressQueryOptions | undefined]>([
    ['no options', undefined],
    ['the older callers’ { pending: true }', { pending: true }],
    ['the older callers’ { pending: false }', { pending: false }],
    ['the largest page', { pageSize: PROGRESS_PAGE_SIZE.max }],
    ['a page size past the largest', { pageSize: 1_000_000 }],
    ['failed trials', { states: ['failed'], pageSize: PROGRESS_PAGE_SIZE.max }],
    [
      'running trials and what settled',
      { states: ['running'], pageSize: PROGRESS_PAGE_SIZE.max, settledSince: 0 },
    ],
  ])('answers %s in less than 128 KiB (half the 256 KB warning)', (_, options) => {
    const answer = sweep.progress(options);
    expect(answer.counts).toMatchObject({
      total: 100_000,
      finished: 49_000,
      failed: 1_000,
      running: 300,
      pending: 49_700,
    });
    expect(answer.trials.length).toBeLessThanOrEqual(PROGRESS_PAGE_SIZE.max);
    expect(bytes(answer)).toBeLessThan(128 * 1024);
  });

  it('pages through a state: counts, the last partial page, past the end', () => {
    const running = sweep.progress({ states: ['running'], pageSize: 200 });
    expect(running.page).toEqual({ number: 1, size: 200, pages: 2, matching: 300, states: ['running'] });
    expect(running.trials.every((t) => t.state === 'running' && t.epoch === 2)).toBe(true);
    const last = sweep.progress({ states: ['running'], pageSize: 200, page: 2 });
    expect(last.trials.map((t) => t.trialKey)).toEqual(
      Array.from({ length: 100 }, (_, i) => keyOf(50_200 + i)),
    );
    const past = sweep.progress({ states: ['running'], pageSize: 200, page: 3 });
    expect(past.trials).toEqual([]);
    expect(past.page).toMatchObject({ number: 3, pages: 2 });
    const failed = sweep.progress({ states: ['failed'], pageSize: 7, page: 2 });
    expect(failed.page).toMatchObject({ pages: Math.ceil(1000 / 7), matching: 1000 });
    expect(failed.trials.map((t) => t.trialKey)).toEqual(
      [7, 8, 9, 10, 11, 12, 13].map((k) => keyOf(50 * k + 3)),
    );
    expect(failed.trials[0]!.reason).toMatch(/^ApplicationFailure: trainTrial failed/);
  });

  it('serves sizes within bounds and an empty selection as one empty page', () => {
    expect(sweep.progress().page).toMatchObject({ number: 1, size: PROGRESS_PAGE_SIZE.default, pages: 2000 });
    expect(sweep.progress({ pageSize: 0 }).page.size).toBe(1);
    expect(sweep.progress({ pageSize: 10_000 }).page.size).toBe(PROGRESS_PAGE_SIZE.max);
    expect(sweep.progress({ page: Number.NaN, pageSize: 2.7 }).page).toMatchObject({ number: 1, size: 2 });
    const none = sweep.progress({ states: ['cancelled'] });
    expect(none.trials).toEqual([]);
    expect(none.page).toMatchObject({ number: 1, pages: 1, matching: 0 });
    // { pending: false }: every state but pending and skipped, as before pages.
    expect(sweep.progress({ pending: false }).page.matching).toBe(50_300);
  });
});

describe('trials settled since a position of the run’s settle log', () => {
  it('hands each settled trial out once, a page at a time, in the order they settled', () => {
    const sweep = sweepOf(10, 0, 0);
    const started = Array.from({ length: 4 }, () => sweep.startNext(scope));
    expect(sweep.progress({ settledSince: 0 }).settled).toEqual({ next: 0, trials: [] });
    for (const i of [2, 0, 3]) {
      sweep.recordOutcome(
        started[i]!,
        { status: 'finished', final: { epoch: 3 }, resumedFromEpoch: 0 },
        false,
      );
      sweep.release(started[i]!.trialKey);
    }
    const first = sweep.progress({ settledSince: 0, pageSize: 2 }).settled!;
    expect(first.trials.map((t) => [t.trialKey, t.state])).toEqual([
      [keyOf(2), 'finished'],
      [keyOf(0), 'finished'],
    ]);
    const second = sweep.progress({ settledSince: first.next, pageSize: 2 }).settled!;
    expect(second).toMatchObject({ next: 3, trials: [{ trialKey: keyOf(3) }] });
    // A paused trial goes back to the queue: not settled.
    sweep.recordOutcome(started[1]!, { status: 'stopped', reason: 'paused', epoch: 1 }, false);
    sweep.release(started[1]!.trialKey);
    expect(sweep.progress({ settledSince: 3 }).settled).toEqual({ next: 3, trials: [] });
    expect(sweep.progress({ settledSince: 99 }).settled).toEqual({ next: 3, trials: [] });
    expect(sweep.progress().settled).toBeUndefined();
  });
});
