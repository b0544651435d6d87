import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../src/core/common/random.js';
import {
  crossedAnova,
  jointVariance,
  mlsDifferenceCi,
} from '../../../../src/reporting/analysis/seed-variance.js';

/** Standard normal draws from a seeded uniform (Box–Muller). */
function normals(seed: number): () => number {
  const uniform = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

describe('crossedAnova', () => {
  // A 3 × 3 design (factor a fastest); reference: the textbook sums of squares and the MLS bounds
  // computed with scipy.stats (chi2.ppf, f.ppf) in .venv, same formulas.
  const values = [10.2, 11.5, 9.8, 12.1, 13.0, 11.7, 9.1, 10.4, 8.9];

  it('gives the textbook mean squares and moment estimates', () => {
    const anova = crossedAnova({ factors: ['a', 'b'], levels: 3, values });
    expect(anova.mean).toBeCloseTo(10.744444444444445, 12);
    expect(anova.factors[0]!.meanSquare).toBeCloseTo(1.8611111111111107, 10);
    expect(anova.factors[1]!.meanSquare).toBeCloseTo(6.0144444444444405, 10);
    expect(anova.residual.meanSquare).toBeCloseTo(0.01777777777777967, 10);
    expect(anova.residual.df).toBe(4);
    expect(anova.factors[0]!.estimate).toBeCloseTo(0.6144444444444437, 10);
    expect(anova.factors[1]!.estimate).toBeCloseTo(1.998888888888887, 10);
    expect(anova.dominant).toBe('b');
  });

  it('gives the MLS and chi-square bounds scipy gives', () => {
    const anova = crossedAnova({ factors: ['a', 'b'], levels: 3, values });
    const [a, b] = anova.factors;
    expect(a!.ci![0]).toBeCloseTo(0.16780047617641558, 5);
    expect(a!.ci![1]).toBeCloseTo(24.49611626067885, 4);
    expect(b!.ci![0]).toBeCloseTo(0.5444972991114976, 5);
    expect(b!.ci![1]).toBeCloseTo(79.17875073756139, 3);
    expect(anova.residual.ci![0]).toBeCloseTo(0.006381520327266986, 7);
    expect(anova.residual.ci![1]).toBeCloseTo(0.1467968352381076, 6);
  });

  it('reduces to the chi-square interval when nothing is subtracted', () => {
    const [lo, hi] = mlsDifferenceCi({ ms1: 2, df1: 2, ms2: 1, df2: 72, c1: 1, c2: 0, confidence: 0.95 });
    expect(lo).toBeCloseTo((2 * 2) / 7.377758908227871, 6);
    expect(hi).toBeCloseTo((2 * 2) / 0.05063561596857975, 3);
  });

  it('refuses an incomplete design', () => {
    expect(() => crossedAnova({ factors: ['a', 'b'], levels: 3, values: values.slice(1) })).toThrow(
      /9 finite values/,
    );
  });

  // Acceptance (issue 19, item 4): a simulated trainable, a pure function of its source seeds with known
  // variances: y = μ + Σ_k a_k(seed_k) + e(all seeds); 3 levels per source, 4 sources (81 trials).
  it('covers the true variance of every source in ≥ 90 % of 200 simulated designs', () => {
    const truth = { init: 1.0, dataOrder: 0.4, split: 0.15, dropout: 2.5, residual: 0.3 };
    const sources = ['init', 'dataOrder', 'split', 'dropout'] as const;
    const L = 3;
    const covered = { init: 0, dataOrder: 0, split: 0, dropout: 0, residual: 0 };
    const simulations = 200;
    for (let sim = 0; sim < simulations; sim++) {
      const draw = normals(1000 + sim);
      // Each source's effect per seed level: a random function of the seed, drawn once per simulation.
      const effects = sources.map((s) => Array.from({ length: L }, () => Math.sqrt(truth[s]) * draw()));
      const values = Array.from({ length: L ** 4 }, (_, cell) => {
        let y = 5;
        sources.forEach((_, k) => (y += effects[k]![Math.floor(cell / L ** k) % L]!));
        return y + Math.sqrt(truth.residual) * draw();
      });
      const anova = crossedAnova({ factors: sources, levels: L, values });
      for (const c of [...anova.factors, anova.residual]) {
        const t = truth[c.name as keyof typeof truth];
        if (c.ci && c.ci[0] <= t && t <= c.ci[1]) covered[c.name as keyof typeof covered]++;
      }
    }
    for (const [name, count] of Object.entries(covered)) {
      expect(count / simulations, name).toBeGreaterThanOrEqual(0.9);
    }
  });
});

describe('jointVariance', () => {
  it('is the sample variance with its chi-square interval', () => {
    const v = jointVariance([1, 2, 3, 4])!;
    expect(v.estimate).toBeCloseTo(5 / 3, 12);
    expect(v.ci[0]).toBeLessThan(v.estimate);
    expect(v.ci[1]).toBeGreaterThan(v.estimate);
    expect(jointVariance([1])).toBeUndefined();
  });
});
