/** Behaviour of the statistics beyond the scipy reference values: edge cases, bootstrap, convergence. */
import { describe, expect, it } from 'vitest';
import { bootstrapMeanDifferenceCi, seededRandom } from '../../../../src/reporting/analysis/bootstrap.js';
import { epochsToConverge } from '../../../../src/reporting/analysis/convergence.js';
import { summarize } from '../../../../src/reporting/analysis/descriptive.js';
import { pairedTTest, wilcoxonSignedRank } from '../../../../src/reporting/analysis/hypothesis-tests.js';
import { holmAdjust } from '../../../../src/reporting/analysis/multiple-comparisons.js';
import type { EpochMetrics } from '../../../../src/training/runner/types.js';

function normalSample(random: () => number, n: number, mean: number, sd: number): number[] {
  return Array.from(
    { length: n },
    () => mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()),
  );
}

describe('summaries', () => {
  it('give no spread or CI for one observation and nothing for none', () => {
    expect(summarize([0.7])).toEqual({
      n: 1,
      mean: 0.7,
      sd: null,
      ci95: null,
      median: 0.7,
      min: 0.7,
      max: 0.7,
    });
    expect(summarize([]).mean).toBeNull();
  });
  it('drop non-finite values', () => {
    expect(summarize([1, Number.NaN, 3]).n).toBe(2);
  });
});

describe('tests on degenerate data', () => {
  it('Wilcoxon with all differences zero has no p-value', () => {
    const w = wilcoxonSignedRank({ a: [1, 2, 3], b: [1, 2, 3] });
    expect(w.n).toBe(0);
    expect(w.zeros).toBe(3);
    expect(Number.isNaN(w.p)).toBe(true);
  });
  it('exact Wilcoxon of three positive differences is 2/8', () => {
    expect(wilcoxonSignedRank({ a: [3, 4, 5], b: [1, 1, 1] })).toMatchObject({
      statistic: 0,
      p: 0.25,
      method: 'exact',
    });
  });
  it('paired tests refuse samples of different lengths', () => {
    expect(() => pairedTTest({ a: [1, 2], b: [1] })).toThrow(RangeError);
  });
  it('Holm leaves incomputable tests out of the family', () => {
    const adjusted = holmAdjust([0.01, Number.NaN, 0.04]);
    expect(adjusted[0]).toBeCloseTo(0.02, 15);
    expect(Number.isNaN(adjusted[1])).toBe(true);
    expect(adjusted[2]).toBeCloseTo(0.04, 15);
  });
});

/** Recorded once from this implementation: guards the PRNG and resampling order against silent changes. */
const RECORDED_CI = [0.1602, 0.1614];

describe('seeded percentile bootstrap', () => {
  const a = [0.681, 0.693, 0.675, 0.689, 0.67];
  const b = [0.52, 0.531, 0.515, 0.528, 0.51];

  it('is deterministic for a seed and changes with it', () => {
    const random = seededRandom(3);
    const x = normalSample(random, 20, 0.7, 0.02);
    const y = normalSample(random, 20, 0.5, 0.02);
    for (const paired of [true, false]) {
      const first = bootstrapMeanDifferenceCi({ a: x, b: y, paired, seed: 7 });
      expect(bootstrapMeanDifferenceCi({ a: x, b: y, paired, seed: 7 })).toEqual(first);
      expect(bootstrapMeanDifferenceCi({ a: x, b: y, paired, seed: 8 })).not.toEqual(first);
    }
  });

  it('gives the same interval as recorded for fixed data and seed (stable across machines)', () => {
    const [lo, hi] = bootstrapMeanDifferenceCi({ a, b, paired: true, seed: 0, resamples: 2000 });
    expect([lo, hi].map((v) => Number(v.toFixed(6)))).toEqual(RECORDED_CI);
  });

  it('brackets the observed mean difference and lies within the range of the differences', () => {
    const d = a.map((x, i) => x - (b[i] ?? 0));
    const [lo, hi] = bootstrapMeanDifferenceCi({ a, b, paired: true });
    const observed = d.reduce((s, x) => s + x, 0) / d.length;
    expect(lo).toBeLessThan(observed);
    expect(hi).toBeGreaterThan(observed);
    expect(lo).toBeGreaterThanOrEqual(Math.min(...d));
    expect(hi).toBeLessThanOrEqual(Math.max(...d));
  });

  it('covers the true difference about 95 % of the time (paired and unpaired, n = 12)', () => {
    const random = seededRandom(2024);
    const trials = 300;
    let pairedHits = 0;
    let unpairedHits = 0;
    for (let k = 0; k < trials; k++) {
      const shared = normalSample(random, 12, 0, 1);
      const x = shared.map((s) => s + 0.5 + normalSample(random, 1, 0, 0.3)[0]!);
      const y = shared.map((s) => s + normalSample(random, 1, 0, 0.3)[0]!);
      const [plo, phi] = bootstrapMeanDifferenceCi({ a: x, b: y, paired: true, seed: k, resamples: 1000 });
      if (plo <= 0.5 && 0.5 <= phi) pairedHits++;
      const u = normalSample(random, 12, 0.5, 1);
      const v = normalSample(random, 12, 0, 2);
      const [ulo, uhi] = bootstrapMeanDifferenceCi({ a: u, b: v, paired: false, seed: k, resamples: 1000 });
      if (ulo <= 0.5 && 0.5 <= uhi) unpairedHits++;
    }
    // Percentile intervals undercover a little at n = 12 (≈ 0.92); far outside this band means a bug.
    for (const hits of [pairedHits, unpairedHits]) {
      expect(hits / trials).toBeGreaterThan(0.86);
      expect(hits / trials).toBeLessThan(0.99);
    }
  });

  it('the PRNG is uniform enough: mean ≈ 0.5, values in [0, 1)', () => {
    const random = seededRandom(1);
    const xs = Array.from({ length: 20_000 }, random);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 2);
  });
});

describe('convergence', () => {
  const epochs = [0.3, 0.5, 0.62, 0.66, 0.68, 0.69].map((testAccuracy, i): EpochMetrics => ({
    epoch: i + 1,
    testAccuracy,
    trainAccuracy: testAccuracy,
    trainLoss: 1,
    testLoss: 1,
    epochSeconds: 1,
    imagesPerSecond: 1,
  }));
  it('is the first epoch reaching the fraction of the final test accuracy', () => {
    expect(epochsToConverge({ epochs })).toBe(4); // 0.95 × 0.69 = 0.6555
    expect(epochsToConverge({ epochs, fraction: 0.89 })).toBe(3); // 0.6141
    expect(epochsToConverge({ epochs, fraction: 1 })).toBe(6);
  });
  it('is undefined without epochs', () => {
    expect(Number.isNaN(epochsToConverge({ epochs: [] }))).toBe(true);
  });
});
