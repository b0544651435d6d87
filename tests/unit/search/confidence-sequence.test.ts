/**
 * The t confidence sequence (src/search/confidence-sequence.ts): its closed form agrees with the
 * mixture martingale it inverts, its documented widths, and its time-uniform coverage on Gaussian
 * data (checked by simulation, so a wrong formula would fail).
 */
import jStat from 'jstat';
import { describe, expect, it } from 'vitest';
import { firstBoundedN, tConfidenceSequence, tMixtureLogRatio } from '../../../src/search/index.js';
import { gaussian } from '../../../src/search/simulate.js';
import { seededUniform } from '../../../src/search/uniform.js';

/** n values with sample sd exactly 1 and mean 0. */
function unitSample(n: number): number[] {
  const u = seededUniform(n);
  const raw = Array.from({ length: n }, () => gaussian(u));
  const mean = raw.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(raw.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  return raw.map((v) => (v - mean) / sd);
}

describe('tConfidenceSequence', () => {
  it('is the set where the mixture martingale stays below 1/alpha', () => {
    const values = [0.3, 1.2, -0.4, 0.9, 2.1, 0.2, 0.8];
    for (const alpha of [0.05, 0.1, 0.2]) {
      const cs = tConfidenceSequence(values, { alpha });
      const atEnd = (m: number) => tMixtureLogRatio(values, m);
      expect(atEnd(cs.low)).toBeCloseTo(Math.log(1 / alpha), 9);
      expect(atEnd(cs.high)).toBeCloseTo(Math.log(1 / alpha), 9);
      expect(atEnd(cs.mean)).toBeLessThan(Math.log(1 / alpha));
      expect(atEnd(cs.low - 0.01)).toBeGreaterThan(Math.log(1 / alpha));
    }
  });

  it('starts the martingale at 1 (L₁ = 1 for any value and candidate mean)', () => {
    for (const [x, m] of [
      [0.3, 0],
      [-2, 5],
      [7, 7.5],
    ] as const)
      expect(tMixtureLogRatio([x], m)).toBeCloseTo(0, 12);
  });

  it('is unbounded for the first few n, bounded from n = 4 at alpha 0.05 and c = 0.5', () => {
    expect(firstBoundedN()).toBe(4);
    expect(firstBoundedN({ mixturePrecision: 1 })).toBe(5);
    expect(tConfidenceSequence([1, 2, 3])).toMatchObject({ n: 3, mean: 2, low: -Infinity, high: Infinity });
    expect(tConfidenceSequence([])).toMatchObject({ n: 0, low: -Infinity, high: Infinity });
    expect(Number.isFinite(tConfidenceSequence([1, 2, 3, 4]).low)).toBe(true);
  });

  it('has the half-widths the docs state (in sample sds), wider than the fixed-n t-interval', () => {
    const half = (n: number) => {
      const cs = tConfidenceSequence(unitSample(n));
      return (cs.high - cs.low) / 2;
    };
    expect(half(5)).toBeCloseTo(2.61, 2);
    expect(half(10)).toBeCloseTo(1.22, 2);
    expect(half(20)).toBeCloseTo(0.79, 2);
    for (const n of [5, 10, 20])
      expect(half(n)).toBeGreaterThan(jStat.studentt.inv(0.975, n - 1) / Math.sqrt(n));
  });

  it('rejects non-finite values and bad options, naming them', () => {
    expect(() => tConfidenceSequence([1, Number.NaN])).toThrow('values: NaN is not a finite number');
    expect(() => tConfidenceSequence([1], { alpha: 1 })).toThrow('alpha: must be in (0, 1), got 1');
    expect(() => tConfidenceSequence([1], { mixturePrecision: 0 })).toThrow(
      'mixturePrecision: must be a positive number, got 0',
    );
  });

  it('covers the mean at every n at once in ≥ 95 % of Gaussian runs (time-uniform, 1,000 runs to n = 100)', () => {
    const u = seededUniform(20240);
    let everMissed = 0;
    let missedAt20 = 0;
    const runs = 1000;
    for (let r = 0; r < runs; r += 1) {
      const mu = 3 * gaussian(u);
      const sigma = Math.exp(gaussian(u));
      const xs: number[] = [];
      let missed = false;
      for (let n = 1; n <= 100; n += 1) {
        xs.push(mu + sigma * gaussian(u));
        const cs = tConfidenceSequence(xs);
        if (!(cs.low <= mu && mu <= cs.high)) {
          missed = true;
          if (n === 20) missedAt20 += 1;
        }
      }
      if (missed) everMissed += 1;
    }
    expect(everMissed / runs).toBeLessThanOrEqual(0.05);
    expect(missedAt20 / runs).toBeLessThan(0.02); // at one fixed n it is far more conservative
  });
});
