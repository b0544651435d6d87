/**
 * The pruners (src/search/pruners.ts, median-pruner.ts, asha.ts): the factory's validation, the median
 * rule within groups (percentile, warm-up, startup, direction), ASHA's rungs and promotions, and the
 * contract every pruner keeps (pure, no mutation, errors for a bad context).
 */
import { describe, expect, it } from 'vitest';
import {
  AshaPruner,
  MedianPruner,
  PrunerError,
  ashaKeep,
  ashaLadder,
  ashaRungs,
  createPruner,
  prunerRules,
  type PrunerContext,
  type TrialReport,
} from '../../../src/search/index.js';

/** A trial with values at epochs 1, 2, … */
const trial = (key: string, group: string, series: (number | null)[]): TrialReport => ({
  key,
  group,
  values: Object.fromEntries(series.map((v, i) => [i + 1, v])),
});

const ctx = (
  trials: TrialReport[],
  key: string,
  epoch: number,
  mode: 'max' | 'min' = 'max',
): PrunerContext => ({
  trials,
  mode,
  trial: key,
  epoch,
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe('createPruner', () => {
  it('knows median, asha, hyperband and none', () => {
    expect(prunerRules()).toEqual(['median', 'asha', 'hyperband', 'none']);
    expect(createPruner({ rule: 'median' })).toBeInstanceOf(MedianPruner);
    expect(createPruner({ rule: 'asha', maxResource: 27 })).toBeInstanceOf(AshaPruner);
    expect(createPruner({ rule: 'none' }).name).toBe('none');
  });

  it.each([
    [null, 'pruner', 'pruner: must be an object with a rule, got null'],
    [{}, 'rule', 'rule: is required (one of median, asha, hyperband, none)'],
    [{ rule: 'pbt' }, 'rule', "rule: unknown rule 'pbt' (known: median, asha, hyperband, none)"],
    [{ rule: 'median', percentile: 120 }, 'percentile', 'percentile: must be a number in [0, 100], got 120'],
    [{ rule: 'median', minTrials: 0 }, 'minTrials', 'minTrials: must be an integer ≥ 1, got 0'],
    [{ rule: 'median', warmupEpochs: 1.5 }, 'warmupEpochs', 'warmupEpochs: must be an integer ≥ 0, got 1.5'],
    [{ rule: 'median', compare: 'mean' }, 'compare', "compare: must be 'best' or 'last', got 'mean'"],
    [{ rule: 'median', min_trials: 3 }, 'min_trials', 'min_trials: unknown option of the median pruner'],
    [{ rule: 'asha' }, 'maxResource', 'maxResource: is required'],
    [
      { rule: 'asha', maxResource: 27, reductionFactor: 1 },
      'reductionFactor',
      'reductionFactor: must be an integer ≥ 2, got 1',
    ],
    [
      { rule: 'asha', maxResource: 2, minResource: 3 },
      'maxResource',
      'maxResource: must be ≥ minResource (3), got 2',
    ],
    [{ rule: 'asha', maxResource: '27' }, 'maxResource', "maxResource: must be an integer ≥ 1, got '27'"],
    [
      { rule: 'none', percentile: 50 },
      'percentile',
      'percentile: unknown option: the none rule takes no options',
    ],
  ])('rejects %j naming the field', (spec, field, message) => {
    let error: unknown;
    try {
      createPruner(spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PrunerError);
    expect((error as PrunerError).field).toBe(field);
    expect((error as PrunerError).message).toContain(message);
  });
});

describe.each([
  ['median', () => createPruner({ rule: 'median', minTrials: 1 })],
  ['asha', () => createPruner({ rule: 'asha', maxResource: 9 })],
  ['none', () => createPruner({ rule: 'none' })],
])('the pruner contract: %s', (_name, make) => {
  const trials = deepFreeze([
    trial('t1', 'g', [0.5, 0.6, 0.7]),
    trial('t2', 'g', [0.4, 0.5, 0.6]),
    trial('t3', 'g', [0.3, 0.2, 0.1]),
    trial('t4', 'h', [0.9, 0.9, 0.9]),
  ]);

  it('is pure: equal contexts, equal decisions, nothing mutated (the trials are frozen)', () => {
    for (const key of ['t1', 't2', 't3'])
      for (const epoch of [1, 2, 3])
        expect(make().decide(ctx(trials, key, epoch))).toEqual(make().decide(ctx(trials, key, epoch)));
  });

  it('throws PrunerError for an unknown trial, a bad epoch, or an epoch without a value', () => {
    expect(() => make().decide(ctx(trials, 'nope', 1))).toThrow(
      "trial: no trial 'nope' in the context's trials",
    );
    expect(() => make().decide(ctx(trials, 't1', 0))).toThrow('epoch: must be a positive integer, got 0');
    expect(() => make().decide(ctx(trials, 't1', 4))).toThrow(
      "epoch: trial 't1' has reported no value at epoch 4",
    );
  });
});

describe('the median rule', () => {
  // Six other trials of group g at epoch 3: 0.40 0.42 0.44 0.46 0.48 0.50 (median 0.45).
  const others = [0.4, 0.42, 0.44, 0.46, 0.48, 0.5].map((v, i) => trial(`o${i}`, 'g', [v - 0.2, v - 0.1, v]));
  const pruner = new MedianPruner({ minTrials: 5 });

  it('stops a trial below the median of its group at the epoch, with a reason', () => {
    const d = pruner.decide(ctx([...others, trial('x', 'g', [0.3, 0.35, 0.412])], 'x', 3));
    expect(d).toEqual({
      action: 'stop',
      reason: 'epoch 3: best 0.412 below the median 0.45 of 6 trials in group g',
      cut: expect.closeTo(0.45, 12),
      compared: 6,
    });
  });

  it('lets a trial at or above the median go on', () => {
    expect(pruner.decide(ctx([...others, trial('x', 'g', [0.3, 0.35, 0.45])], 'x', 3)).action).toBe(
      'continue',
    );
    const d = pruner.decide(ctx([...others, trial('x', 'g', [0.3, 0.35, 0.47])], 'x', 3));
    expect(d.action).toBe('continue');
    expect(d.reason).toBe('epoch 3: best 0.47 not below the median 0.45 of 6 trials in group g');
  });

  it('compares only within the group: other groups change nothing', () => {
    const x = trial('x', 'g', [0.3, 0.35, 0.412]);
    const strangers = [0.1, 0.1, 0.1, 0.1].map((v, i) => trial(`s${i}`, 'other', [v, v, v]));
    expect(pruner.decide(ctx([...others, ...strangers, x], 'x', 3))).toEqual(
      pruner.decide(ctx([...others, x], 'x', 3)),
    );
    // Alone in its group, x meets the startup rule whatever the other group did.
    const alone = pruner.decide(ctx([...strangers, x], 'x', 3));
    expect(alone.action).toBe('continue');
    expect(alone.reason).toBe('epoch 3: only 0 other trials in group g reported this epoch (minTrials 5)');
  });

  it('compares only values at the same epoch', () => {
    // The others are far better at epoch 3 but have not reported epoch 2 yet beyond two of them.
    const early = [trial('a', 'g', [0.9, 0.9]), trial('b', 'g', [0.8])];
    const x = trial('x', 'g', [0.5, 0.55]);
    const d = new MedianPruner({ minTrials: 1 }).decide(ctx([...early, x], 'x', 2));
    expect(d.compared).toBe(1);
    expect(d.cut).toBe(0.9);
  });

  it('honours the percentile: the best p % go on', () => {
    const x = trial('x', 'g', [0.3, 0.35, 0.47]);
    // percentile 25: cut is the 75th percentile of the others, 0.475; 0.47 is below it.
    const top25 = new MedianPruner({ percentile: 25, minTrials: 5 }).decide(ctx([...others, x], 'x', 3));
    expect(top25.action).toBe('stop');
    expect(top25.cut).toBeCloseTo(0.475, 12);
    expect(top25.reason).toBe(
      'epoch 3: best 0.47 below the best-25 % cut (75th percentile) 0.475 of 6 trials in group g',
    );
    // percentile 90: cut is the 10th percentile, 0.41; 0.412 survives.
    const lenient = new MedianPruner({ percentile: 90, minTrials: 5 });
    expect(lenient.decide(ctx([...others, trial('y', 'g', [0, 0, 0.412])], 'y', 3)).action).toBe('continue');
    expect(lenient.decide(ctx([...others, trial('y', 'g', [0, 0, 0.405])], 'y', 3)).action).toBe('stop');
  });

  it('reverses the cut when smaller is better', () => {
    const losses = [1, 2, 3, 4, 5].map((v, i) => trial(`l${i}`, 'g', [v]));
    const p = new MedianPruner({ minTrials: 5 });
    const worse = p.decide(ctx([...losses, trial('x', 'g', [3.5])], 'x', 1, 'min'));
    expect(worse).toMatchObject({ action: 'stop', cut: 3 });
    expect(worse.reason).toBe('epoch 1: best 3.5 above the median 3 of 5 trials in group g');
    const top20 = new MedianPruner({ minTrials: 5, percentile: 20 });
    // percentile 20, smaller is better: the cut is the 20th percentile of the others, 1.8.
    const kept = top20.decide(ctx([...losses, trial('x', 'g', [1.7])], 'x', 1, 'min'));
    expect(kept.action).toBe('continue');
    expect(kept.cut).toBeCloseTo(1.8, 12);
    expect(top20.decide(ctx([...losses, trial('x', 'g', [1.9])], 'x', 1, 'min')).action).toBe('stop');
  });

  it('waits out the warm-up and the startup', () => {
    const x = trial('x', 'g', [0, 0, 0]);
    const warm = new MedianPruner({ minTrials: 1, warmupEpochs: 3 });
    expect(warm.decide(ctx([...others, x], 'x', 3))).toEqual({
      action: 'continue',
      reason: 'epoch 3: within the 3 warm-up epochs',
      compared: 0,
    });
    expect(
      new MedianPruner({ minTrials: 1, warmupEpochs: 2 }).decide(ctx([...others, x], 'x', 3)).action,
    ).toBe('stop');
    // minTrials counts the other trials of the group with a value at the epoch: 6 here.
    expect(new MedianPruner({ minTrials: 7 }).decide(ctx([...others, x], 'x', 3)).reason).toBe(
      'epoch 3: only 6 other trials in group g reported this epoch (minTrials 7)',
    );
    expect(new MedianPruner({ minTrials: 6 }).decide(ctx([...others, x], 'x', 3)).action).toBe('stop');
  });

  it("uses the trial's best value so far, or its last with compare: 'last'", () => {
    const x = trial('x', 'g', [0.2, 0.46, 0.41]); // best 0.46 ≥ median 0.45, last 0.41 < 0.45
    expect(pruner.decide(ctx([...others, x], 'x', 3)).action).toBe('continue');
    const last = new MedianPruner({ minTrials: 5, compare: 'last' }).decide(ctx([...others, x], 'x', 3));
    expect(last.action).toBe('stop');
    expect(last.reason).toBe('epoch 3: 0.41 below the median 0.45 of 6 trials in group g');
  });

  it('stops a NaN (null) value and leaves NaN values of others out', () => {
    expect(pruner.decide(ctx([...others, trial('x', 'g', [0.5, 0.5, null])], 'x', 3))).toEqual({
      action: 'stop',
      reason: 'epoch 3: the value is NaN (failed evaluation)',
      compared: 0,
    });
    const failed = [trial('f1', 'g', [0, 0, Number.NaN]), trial('f2', 'g', [0, 0, null])];
    const d = pruner.decide(ctx([...others, ...failed, trial('x', 'g', [0, 0, 0.412])], 'x', 3));
    expect(d.compared).toBe(6);
  });

  it('shows enough digits to tell the value from the cut', () => {
    const close = [0.4551, 0.4551, 0.4551, 0.4551, 0.4551].map((v, i) => trial(`c${i}`, 'g', [v]));
    const d = new MedianPruner({ minTrials: 5 }).decide(ctx([...close, trial('x', 'g', [0.4549])], 'x', 1));
    expect(d.reason).toBe('epoch 1: best 0.4549 below the median 0.4551 of 5 trials in group g');
  });
});

describe('ASHA', () => {
  it('puts rungs at r·η^k below R', () => {
    expect(ashaRungs({ reductionFactor: 3, minResource: 1, maxResource: 27 })).toEqual([1, 3, 9]);
    expect(ashaRungs({ reductionFactor: 3, minResource: 1, maxResource: 28 })).toEqual([1, 3, 9, 27]);
    expect(ashaRungs({ reductionFactor: 3, minResource: 9, maxResource: 81 })).toEqual([9, 27]);
    expect(ashaRungs({ reductionFactor: 2, minResource: 4, maxResource: 32 })).toEqual([4, 8, 16]);
    expect(ashaRungs({ reductionFactor: 4, minResource: 5, maxResource: 5 })).toEqual([]);
    expect(new AshaPruner({ maxResource: 27 }).options).toEqual({
      reductionFactor: 3,
      minResource: 1,
      maxResource: 27,
    });
  });

  it('keeps ⌊n/η⌋ of n, at least one', () => {
    expect([1, 2, 3, 5, 6, 8, 9, 27].map((n) => ashaKeep(n, 3))).toEqual([1, 1, 1, 1, 2, 2, 3, 9]);
  });

  it('promotes a trial arriving at a rung only when it is in the top 1/η so far', () => {
    const pruner = new AshaPruner({ reductionFactor: 3, minResource: 1, maxResource: 9 });
    // Arrivals at rung 0 (epoch 1), in this order: each decided against those that arrived before it.
    const arrivals = [0.5, 0.4, 0.6, 0.55, 0.3, 0.7, 0.65, 0.2, 0.62];
    const trials: TrialReport[] = [];
    const actions = arrivals.map((v, i) => {
      trials.push(trial(`t${i}`, 'g', [v]));
      return pruner.decide(ctx(trials, `t${i}`, 1)).action;
    });
    // n=1: first goes on; n=2: 0.4 < 0.5; n=3: 0.6 best; n=4: 0.55 2nd of 4 (keep 1); n=5: 0.3;
    // n=6: 0.7 best (keep 2); n=7: 0.65 2nd (keep 2); n=8: 0.2; n=9: 0.62 3rd (keep 3).
    expect(actions).toEqual([
      'continue',
      'stop',
      'continue',
      'stop',
      'stop',
      'continue',
      'continue',
      'stop',
      'continue',
    ]);
    const last = pruner.decide(ctx(trials, 't8', 1));
    expect(last.reason).toBe(
      'rung 0 (epoch 1): 0.62 ranks 3rd of 9 trials in group g; within the top 3 (1/3): on to epoch 3',
    );
    expect(last.cut).toBe(0.62);
    expect(pruner.decide(ctx(trials.slice(0, 2), 't1', 1)).reason).toBe(
      'rung 0 (epoch 1): 0.4 ranks 2nd of 2 trials in group g; only the top 1 (1/3, at least 1) go on',
    );
  });

  it('decides nothing between rungs or at R, and ranks only within the group and the epoch', () => {
    const pruner = new AshaPruner({ reductionFactor: 3, minResource: 1, maxResource: 9 });
    const trials = [
      trial('a', 'g', [0.9, 0.9, 0.9, 0.9]),
      trial('b', 'g', [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]),
      trial('z', 'h', [0.95, 0.95, 0.95]),
    ];
    expect(pruner.decide(ctx(trials, 'b', 2)).reason).toBe('epoch 2: not a rung (rungs at epochs 1, 3)');
    expect(pruner.decide(ctx(trials, 'b', 9)).reason).toBe(
      'epoch 9: the max resource (9 epochs) is reached; the trial completes',
    );
    expect(pruner.decide(ctx(trials, 'b', 3)).action).toBe('stop'); // 2nd of 2 in g
    expect(pruner.decide(ctx(trials, 'a', 3)).action).toBe('continue'); // z (group h) does not count
    expect(pruner.decide(ctx(trials, 'a', 3)).compared).toBe(1);
  });

  it('ranks smaller values first when smaller is better, and lets ties go on', () => {
    const pruner = new AshaPruner({ reductionFactor: 2, minResource: 1, maxResource: 4 });
    const losses = [trial('a', 'g', [1]), trial('b', 'g', [2]), trial('c', 'g', [3]), trial('d', 'g', [2])];
    expect(losses.map((t) => pruner.decide(ctx(losses, t.key, 1, 'min')).action)).toEqual([
      'continue',
      'continue', // tied 2nd with d: keep ⌊4/2⌋ = 2, one strictly better
      'stop',
      'continue',
    ]);
  });

  it('counts the ladder: reached, keep and continued per rung', () => {
    const options = { reductionFactor: 3, minResource: 1, maxResource: 9 };
    const trials = [
      trial('a', 'g', [0.9, 0.9, 0.9, 0.9, 0.9]),
      trial('b', 'g', [0.8, 0.8, 0.8]),
      trial('c', 'g', [0.7]),
      trial('d', 'g', [0.6]),
      trial('e', 'g', [0.5, null]),
      trial('f', 'g', [0.4]),
      trial('z', 'other', [1, 1, 1, 1]),
    ];
    expect(ashaLadder(trials, options, 'g')).toEqual([
      { rung: 0, epoch: 1, reached: 6, keep: 2, continued: 3 },
      { rung: 1, epoch: 3, reached: 2, keep: 1, continued: 1 },
    ]);
  });
});
