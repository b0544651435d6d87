/**
 * Adaptive seeds (src/search/adaptive-seeds.ts): the spec's validation, complete pairs, the decision
 * sequence and its reasons, and the acceptance simulation: 200 adaptive sweeps per noise shape with a
 * known true difference, whose final intervals must cover it ≥ 95 % of the time, while the naive
 * fixed-n t-interval looked at after every seed does not.
 */
import jStat from 'jstat';
import { describe, expect, it } from 'vitest';
import {
  AdaptiveSeedsError,
  completePairs,
  decideSeeds,
  resolveSeedsSpec,
  type AdaptiveSeedsSpec,
  type SeedOutcome,
} from '../../../src/search/index.js';
import { NOISE_KINDS, pairedSweepData, runAdaptiveSeeds } from '../../../src/search/simulate.js';

const SPEC: AdaptiveSeedsSpec = {
  min: 3,
  max: 20,
  until: { compare: ['cnn', 'fc'], metric: 'testAccuracy', ciExcludes: 0 },
};

const outcomes = (values: number[], first = 0): SeedOutcome[] =>
  values.map((value, i) => ({ seed: first + i, value }));

function errorOf(f: () => unknown): AdaptiveSeedsError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AdaptiveSeedsError);
    return e as AdaptiveSeedsError;
  }
  throw new Error('no error thrown');
}

describe('resolveSeedsSpec', () => {
  it('fills in the defaults', () => {
    expect(resolveSeedsSpec(SPEC)).toEqual({ ...SPEC, perRound: 1, alpha: 0.05, mixturePrecision: 0.5 });
  });

  it.each([
    [{ ...SPEC, min: 1 }, 'seeds.min', 'must be an integer ≥ 2, got 1'],
    [{ ...SPEC, max: 2 }, 'seeds.max', 'must be ≥ min (3), got 2'],
    [{ ...SPEC, perRound: 0 }, 'seeds.perRound', 'must be an integer ≥ 1, got 0'],
    [{ ...SPEC, alpha: 0 }, 'seeds.alpha', 'must be a number in (0, 1), got 0'],
    [
      { ...SPEC, count: 5 },
      'seeds.count',
      'unknown field (known: min, max, perRound, alpha, mixturePrecision, until)',
    ],
    [{ ...SPEC, until: undefined }, 'seeds.until', 'must be an object, got undefined'],
    [
      { ...SPEC, until: { ...SPEC.until, compare: ['cnn'] } },
      'seeds.until.compare',
      'must be two different group names',
    ],
    [
      { ...SPEC, until: { ...SPEC.until, compare: ['cnn', 'cnn'] } },
      'seeds.until.compare',
      'must be two different',
    ],
    [
      { ...SPEC, until: { ...SPEC.until, metric: '' } },
      'seeds.until.metric',
      "must be a metric name, got ''",
    ],
    [
      { ...SPEC, until: { ...SPEC.until, widthBelow: 1 } },
      'seeds.until',
      'needs exactly one of ciExcludes and widthBelow',
    ],
    [{ ...SPEC, until: { compare: ['a', 'b'], metric: 'm' } }, 'seeds.until', 'needs exactly one of'],
    [
      { ...SPEC, until: { compare: ['a', 'b'], metric: 'm', widthBelow: -1 } },
      'seeds.until.widthBelow',
      'must be a positive number',
    ],
    [
      { ...SPEC, until: { compare: ['a', 'b'], metric: 'm', ci_excludes: 0 } },
      'seeds.until.ci_excludes',
      'unknown field; did you mean ciExcludes?',
    ],
  ])('rejects %j naming %s', (spec, field, message) => {
    const error = errorOf(() => resolveSeedsSpec(spec));
    expect(error.field).toBe(field);
    expect(error.message).toContain(`${field}: ${message}`);
  });
});

describe('completePairs', () => {
  it('pairs complete seeds and drops the rest, each with its reason, in seed order', () => {
    const a: SeedOutcome[] = [
      { seed: 4, value: 0.7 },
      { seed: 0, value: 0.6 },
      { seed: 1, value: 0.62, complete: false, note: 'stopped at epoch 3 by asha' },
      { seed: 2, value: Number.NaN },
      { seed: 3, value: 0.66 },
    ];
    const b: SeedOutcome[] = [
      { seed: 0, value: 0.5 },
      { seed: 1, value: 0.52 },
      { seed: 2, value: 0.51 },
      { seed: 4, value: null },
      { seed: 5, value: 0.55 },
    ];
    const { pairs, dropped } = completePairs(a, b, ['cnn', 'fc']);
    expect(pairs).toEqual([{ seed: 0, a: 0.6, b: 0.5, diff: expect.closeTo(0.1, 12) }]);
    expect(dropped).toEqual([
      { seed: 1, reason: 'seed 1: cnn incomplete (stopped at epoch 3 by asha)' },
      { seed: 2, reason: 'seed 2: cnn has no value' },
      { seed: 3, reason: 'seed 3: no fc trial' },
      { seed: 4, reason: 'seed 4: fc has no value' },
      { seed: 5, reason: 'seed 5: no cnn trial' },
    ]);
  });

  it('rejects a seed listed twice', () => {
    const error = errorOf(() => completePairs(outcomes([1, 2]), [...outcomes([1]), ...outcomes([1])]));
    expect(error.message).toBe('b: seed 0 appears twice');
  });
});

describe('decideSeeds', () => {
  it('runs the min seeds first', () => {
    expect(decideSeeds(SPEC, [], [])).toMatchObject({
      action: 'add',
      add: 3,
      status: 'startup',
      reason: '3 seeds added: min is 3 seeds, 0 run',
    });
    expect(decideSeeds(SPEC, outcomes([1, 2]), outcomes([0, 0])).reason).toBe(
      'seed added: min is 3 seeds, 2 run',
    );
  });

  it('adds a seed while the interval is unbounded or spans 0', () => {
    const three = decideSeeds(SPEC, outcomes([1, 2, 3]), outcomes([0, 0, 0]));
    expect(three).toMatchObject({ action: 'add', add: 1, status: 'unsettled', seedsSpent: 3 });
    expect(three.reason).toBe(
      'seed added: CI still unbounded after 3 pairs (bounded from 4 pairs at alpha 0.05)',
    );
    const d = decideSeeds(SPEC, outcomes([0.5, -0.3, 1.1, 0.2, -0.6]), outcomes([0, 0, 0, 0, 0]));
    expect(d.status).toBe('unsettled');
    expect(d.reason).toMatch(/^seed added: CI still spans 0 \(-[\d.]+, [\d.]+\) after 5 pairs$/);
  });

  it('stops when the interval excludes 0, with the interval in the reason', () => {
    const diffs = [1.2, 0.8, 1.1, 0.9, 1.0, 1.3, 0.7, 1.05];
    const d = decideSeeds(SPEC, outcomes(diffs), outcomes(diffs.map(() => 0)));
    expect(d).toMatchObject({ action: 'stop', add: 0, status: 'settled', seedsSpent: 8 });
    expect(d.interval.low).toBeGreaterThan(0);
    expect(d.reason).toMatch(/^settled: CI \(0\.\d+, 1\.\d+\) excludes 0 after 8 pairs$/);
  });

  it('stops at the budget, counting every seed run (dropped ones too)', () => {
    const a = outcomes([0.5, -0.3, 1.1, 0.2, -0.6]);
    a[1] = { seed: 1, value: 0.1, complete: false, note: 'stopped at epoch 2' };
    const d = decideSeeds({ ...SPEC, max: 5 }, a, outcomes([0, 0, 0, 0, 0]));
    expect(d).toMatchObject({ action: 'stop', status: 'budget', seedsSpent: 5 });
    expect(d.interval.n).toBe(4);
    expect(d.dropped).toEqual([{ seed: 1, reason: 'seed 1: cnn incomplete (stopped at epoch 2)' }]);
    expect(d.reason).toMatch(
      /^budget spent: 5 seeds; CI still spans 0 \(.+\) after 4 pairs \(1 seed dropped\)$/,
    );
  });

  it('adds perRound seeds, never past max', () => {
    const spec = { ...SPEC, max: 6, perRound: 2 };
    const a = outcomes([0.5, -0.3, 1.1, 0.2, -0.6]);
    const b = outcomes([0, 0, 0, 0, 0]);
    expect(decideSeeds(spec, a.slice(0, 3), b.slice(0, 3))).toMatchObject({ add: 2 });
    expect(decideSeeds(spec, a, b)).toMatchObject({ add: 1, reason: expect.stringMatching(/^seed added/) });
  });

  it('settles on width with widthBelow', () => {
    const spec: AdaptiveSeedsSpec = {
      ...SPEC,
      until: { compare: ['cnn', 'fc'], metric: 'm', widthBelow: 0.5 },
    };
    const tight = [1, 1.01, 0.99, 1.02, 0.98, 1];
    const d = decideSeeds(spec, outcomes(tight), outcomes(tight.map(() => 0.5)));
    expect(d.status).toBe('settled');
    expect(d.reason).toMatch(/^settled: CI \(.+\) width 0\.\d+ below 0\.5 after 6 pairs$/);
  });
});

/** The naive design: the fixed-n 95 % t-interval looked at after every seed from 3 on, stopping once it excludes 0. */
function naiveSequentialT(diffs: readonly number[], min: number, max: number): [number, number] {
  const interval = (n: number): [number, number] => {
    const xs = diffs.slice(0, n);
    const mean = xs.reduce((s, d) => s + d, 0) / n;
    const sd = Math.sqrt(xs.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1));
    const h = (jStat.studentt.inv(0.975, n - 1) * sd) / Math.sqrt(n);
    return [mean - h, mean + h];
  };
  let n = min;
  let [low, high] = interval(n);
  while (low <= 0 && high >= 0 && n < max) [low, high] = interval((n += 1));
  return [low, high];
}

describe('coverage of adaptive sweeps (200 simulated sweeps per cell, seeded)', () => {
  const SWEEPS = 200;
  const cells = NOISE_KINDS.flatMap((noise) => [0, 1].map((effect) => ({ noise, effect })));

  it.each(cells)(
    'covers the true difference in ≥ 95 % of sweeps: $noise noise, effect $effect',
    ({ noise, effect }) => {
      let covered = 0;
      let seeds = 0;
      for (let i = 0; i < SWEEPS; i += 1) {
        const data = pairedSweepData({ effect, noise, seeds: SPEC.max, seed: 10_000 * (1 + effect) + i });
        const { final } = runAdaptiveSeeds(SPEC, data);
        expect(final.action).toBe('stop');
        seeds += final.seedsSpent;
        if (final.interval.low <= effect && effect <= final.interval.high) covered += 1;
      }
      expect(covered / SWEEPS).toBeGreaterThanOrEqual(0.95);
      // With no effect the CS rarely excludes 0, so sweeps run to the budget; a large one settles early.
      if (effect === 0) expect(seeds / SWEEPS).toBeGreaterThan(19);
      else expect(seeds / SWEEPS).toBeLessThan(15);
    },
  );

  it('the naive t-interval with repeated looks undercovers on the same sweeps (why the CS)', () => {
    for (const noise of NOISE_KINDS) {
      let covered = 0;
      for (let i = 0; i < SWEEPS; i += 1) {
        const data = pairedSweepData({ effect: 0, noise, seeds: SPEC.max, seed: 10_000 + i });
        const [low, high] = naiveSequentialT(
          data.a.map((a, s) => a - data.b[s]!),
          SPEC.min,
          SPEC.max,
        );
        if (low <= 0 && 0 <= high) covered += 1;
      }
      expect(covered / SWEEPS, noise).toBeLessThan(0.9);
    }
  });
});
