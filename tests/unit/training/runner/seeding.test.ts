import { describe, expect, it } from 'vitest';
import { createRandom, deriveSeed, epochPermutation } from '../../../../src/training/runner/seeding.js';

describe('seeding', () => {
  it('derives stable, distinct 32-bit seeds from labels', () => {
    expect(deriveSeed(7, 'layer', 0)).toBe(deriveSeed(7, 'layer', 0));
    const seeds = new Set(
      [0, 1, 2, 3].flatMap((i) => [
        deriveSeed(7, 'layer', i),
        deriveSeed(8, 'layer', i),
        deriveSeed(7, 'shuffle', i),
      ]),
    );
    expect(seeds.size).toBe(12);
    for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s <= 0xffffffff).toBe(true);
  });

  it('draws uniform-looking floats in [0, 1)', () => {
    const random = createRandom(42);
    const draws = Array.from({ length: 10_000 }, random);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01); // sd of the mean ≈ 0.0029
  });

  it('shuffles by (seed, epoch) only: a permutation, reproducible, different per epoch and seed', () => {
    const p = epochPermutation({ seed: 3, epoch: 1, length: 1000 });
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(epochPermutation({ seed: 3, epoch: 1, length: 1000 })).toEqual(p);
    expect(epochPermutation({ seed: 3, epoch: 2, length: 1000 })).not.toEqual(p);
    expect(epochPermutation({ seed: 4, epoch: 1, length: 1000 })).not.toEqual(p);
  });
});
