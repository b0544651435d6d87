/** The numerics of TPE against reference values (Python's math.erfc, scipy.stats.norm). */
import { describe, expect, it } from 'vitest';
import { erfc, logSumExp, normalCdf, normalMass, normalQuantile } from '../../../src/search/math.js';

describe('samplers/math', () => {
  it.each([
    [0.5, 0.4795001221869535],
    [1.5, 0.033894853524689274],
    [2.5, 0.0004069520174449589],
    [2.99, 2.3525603080640195e-5],
    [3.01, 2.073896363713263e-5],
    [5, 1.5374597944280351e-12],
    [10, 2.088487583762545e-45],
    [-1.2, 1.9103139782296354],
  ])('erfc(%d) to 2e-11 relative', (x, expected) => {
    expect(Math.abs(erfc(x) - expected) / expected).toBeLessThan(2e-11);
  });

  it('Φ and its inverse', () => {
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 14);
    expect(normalCdf(-10) / 7.61985302416047e-24).toBeCloseTo(1, 10);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    for (const p of [1e-12, 1e-5, 0.02, 0.3, 0.5, 0.8, 0.99999])
      expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 10);
    expect(normalMass(30, 31)).toBeGreaterThan(0);
    expect(normalMass(-1, 1)).toBeCloseTo(0.6826894921370859, 14);
  });

  it('log-sum-exp is stable', () => {
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.LN2, 12);
    expect(logSumExp([])).toBe(-Infinity);
  });
});
