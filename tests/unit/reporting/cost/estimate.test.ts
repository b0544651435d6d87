/** The cost estimate: quantile ranges, which earlier trials a group matches, and the concurrency. */
import { describe, expect, it } from 'vitest';
import {
  CostMatch,
  effectiveConcurrency,
  estimateCost,
  quantile,
  type CostSample,
  type CostTrial,
} from '../../../../src/reporting/cost/estimate.js';

const trial = (groupKey: string, over: Partial<CostTrial> = {}): CostTrial => ({
  groupKey,
  groupLabel: `group ${groupKey}`,
  model: 'cnn',
  backend: 'wasm',
  epochs: 10,
  ...over,
});

const sample = (groupKey: string, epochSeconds: number[], over: Partial<CostSample> = {}): CostSample => ({
  groupKey,
  model: 'cnn',
  backend: 'wasm',
  epochSeconds,
  ...over,
});

const estimate = (trials: CostTrial[], samples: CostSample[], concurrency = 1) =>
  estimateCost({ trials, samples, concurrency, concurrencyFrom: 'test' });

describe('quantile', () => {
  it('interpolates between order statistics as numpy does by default', () => {
    // numpy.quantile([4, 1, 3, 2], [0.1, 0.5, 0.9]) == [1.3, 2.5, 3.7]
    expect(quantile([4, 1, 3, 2], 0.1)).toBeCloseTo(1.3, 12);
    expect(quantile([4, 1, 3, 2], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantile([4, 1, 3, 2], 0.9)).toBeCloseTo(3.7, 12);
    expect(quantile([7], 0.9)).toBe(7);
    expect(() => quantile([], 0.5)).toThrow();
  });
});

describe('estimateCost', () => {
  it('sums the 10th–90th percentile of seconds per epoch × epochs over the trials of a matching group', () => {
    // Epochs of 1..10 s: p10 = 1.9, p90 = 9.1; 3 trials × 10 epochs.
    const times = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const e = estimate(
      [trial('a'), trial('a'), trial('a')],
      [sample('a', times.slice(0, 5)), sample('a', times.slice(5))],
    );
    expect(e.groups).toHaveLength(1);
    expect(e.groups[0]).toMatchObject({
      match: CostMatch.sameConfig,
      samples: 2,
      measurements: 10,
      trials: 3,
    });
    expect(e.groups[0]!.secondsPerEpoch!.low).toBeCloseTo(1.9, 9);
    expect(e.groups[0]!.secondsPerEpoch!.high).toBeCloseTo(9.1, 9);
    expect(e.trialSeconds!.low).toBeCloseTo(3 * 10 * 1.9, 9);
    expect(e.trialSeconds!.high).toBeCloseTo(3 * 10 * 9.1, 9);
    expect(e.estimatedTrials).toBe(3);
  });

  it('divides by the concurrency but never goes below the longest trial', () => {
    const samples = [sample('a', [2, 2]), sample('b', [10, 10])];
    // 4 trials of a (20 s each) and 1 of b (100 s): 180 s of trials.
    const trials = [trial('a'), trial('a'), trial('a'), trial('a'), trial('b')];
    expect(estimate(trials, samples, 1).wallSeconds).toEqual({ low: 180, high: 180 });
    expect(estimate(trials, samples, 2).wallSeconds).toEqual({ low: 100, high: 100 }); // 90 < the 100 s trial
    expect(estimate(trials, samples, 2).trialSeconds).toEqual({ low: 180, high: 180 });
    const many = Array.from({ length: 20 }, () => trial('a'));
    expect(estimate(many, samples, 4).wallSeconds).toEqual({ low: 100, high: 100 }); // 400 s / 4
  });

  it('falls back to the same trainable and backend with other parameters, and says so', () => {
    const e = estimate(
      [
        trial('new'),
        trial('other-backend', { backend: 'tensorflow' }),
        trial('other-model', { model: 'fc' }),
      ],
      [sample('old', [3, 3, 3])],
    );
    const byKey = Object.fromEntries(e.groups.map((g) => [g.groupKey, g]));
    expect(byKey['new']).toMatchObject({ match: CostMatch.sameTrainable, samples: 1 });
    expect(byKey['new']!.secondsPerEpoch).toEqual({ low: 3, high: 3 });
    // Another backend or another trainable is no basis.
    expect(byKey['other-backend']).toMatchObject({ match: CostMatch.none });
    expect(byKey['other-model']).toMatchObject({ match: CostMatch.none });
    expect(e.estimatedTrials).toBe(1);
    expect(e.trialSeconds).toEqual({ low: 30, high: 30 });
  });

  it('prefers the same configuration over the same trainable', () => {
    const e = estimate([trial('a')], [sample('a', [1]), sample('b', [100])]);
    expect(e.groups[0]).toMatchObject({ match: CostMatch.sameConfig, samples: 1 });
    expect(e.trialSeconds).toEqual({ low: 10, high: 10 });
  });

  it('uses a probe only where no earlier trial matches', () => {
    const probes = new Map([
      ['a', { secondsPerEpoch: 50, timed: 'x' }],
      ['c', { secondsPerEpoch: 4, timed: '2 batch(es)' }],
    ]);
    const e = estimateCost({
      trials: [trial('a'), trial('c', { model: 'fc' })],
      samples: [sample('a', [1])],
      probes,
      concurrency: 1,
      concurrencyFrom: 'test',
    });
    expect(e.groups.map((g) => g.match)).toEqual([CostMatch.sameConfig, CostMatch.probe]);
    expect(e.groups[1]!.probed).toBe('2 batch(es)');
    expect(e.trialSeconds).toEqual({ low: 10 + 40, high: 10 + 40 });
  });

  it('lets the probes of a trainable stand for its groups that were not probed', () => {
    const e = estimateCost({
      trials: [trial('p1'), trial('p2'), trial('p3'), trial('q', { backend: 'tensorflow' })],
      samples: [],
      probes: new Map([
        ['p1', { secondsPerEpoch: 1, timed: 'x' }],
        ['p2', { secondsPerEpoch: 3, timed: 'x' }],
      ]),
      concurrency: 1,
      concurrencyFrom: 'test',
    });
    const p3 = e.groups.find((g) => g.groupKey === 'p3')!;
    expect(p3).toMatchObject({ match: CostMatch.probe, secondsPerEpoch: { low: 1.2, high: 2.8 } });
    expect(p3.probed).toContain('the probes of 2 other configuration(s)');
    // Another backend's groups are not stood for.
    expect(e.groups.find((g) => g.groupKey === 'q')!.match).toBe(CostMatch.none);
    expect(e.trialSeconds!.low).toBeCloseTo(10 + 30 + 12, 9);
  });

  it('estimates nothing without a basis, and ignores epoch times that are not positive', () => {
    const e = estimate([trial('a')], [sample('a', [0, -1, Number.NaN])]);
    expect(e.groups[0]!.match).toBe(CostMatch.none);
    expect(e.trialSeconds).toBeUndefined();
    expect(e.wallSeconds).toBeUndefined();
    expect(e.estimatedTrials).toBe(0);
  });

  it('counts a group once per trial and takes its largest epoch budget', () => {
    const e = estimate([trial('a', { epochs: 2 }), trial('a', { epochs: 4 })], [sample('a', [1])]);
    expect(e.groups[0]).toMatchObject({ trials: 2, epochs: 4 });
    expect(e.trialSeconds).toEqual({ low: 6, high: 6 });
  });
});

describe('effectiveConcurrency', () => {
  it('is the least of the spec concurrency, the worker threads and the trials', () => {
    expect(effectiveConcurrency({ specConcurrency: 2, threads: 8, trials: 10 }).concurrency).toBe(2);
    expect(effectiveConcurrency({ specConcurrency: 16, threads: 4, trials: 10 }).concurrency).toBe(4);
    expect(effectiveConcurrency({ specConcurrency: 16, threads: 8, trials: 3 }).concurrency).toBe(3);
    expect(effectiveConcurrency({ specConcurrency: 2, threads: 4, trials: 0 }).concurrency).toBe(1);
    expect(effectiveConcurrency({ specConcurrency: 2, threads: 4, trials: 9 }).from).toBe(
      'spec concurrency 2, 4 worker thread(s)',
    );
  });
});
