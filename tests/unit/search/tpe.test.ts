/** TPE: Optuna's defaults, valid values for every kind, random startup, and that it actually optimises. */
import { describe, expect, it } from 'vitest';
import {
  RandomSampler,
  SamplerError,
  TpeSampler,
  tpeGamma,
  tpeWeights,
  type Distribution,
  type FinishedTrial,
} from '../../../src/search/index.js';
import { seededUniform } from '../../../src/search/uniform.js';
import { EVERY_KIND, everyKindObjective, isValidDraw, optimise } from './helpers.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};

describe('TpeSampler', () => {
  it("has Optuna's defaults: 10 startup trials, 24 candidates, γ(n) = min(⌈0.1 n⌉, 25), ramped weights", () => {
    expect(new TpeSampler().options).toMatchObject({ nStartupTrials: 10, nEiCandidates: 24, priorWeight: 1 });
    expect([0, 1, 10, 11, 100, 250, 251, 1000].map((n) => tpeGamma(n))).toEqual([0, 1, 1, 2, 10, 25, 25, 25]);
    expect(tpeWeights(3)).toEqual([1, 1, 1]);
    expect(tpeWeights(25)).toEqual(Array(25).fill(1));
    const w = tpeWeights(30);
    expect(w).toHaveLength(30);
    expect(w[0]).toBeCloseTo(1 / 30, 12);
    expect(w[4]).toBeCloseTo(1, 12);
    expect(w.slice(5)).toEqual(Array(25).fill(1));
  });

  it('draws its startup trials exactly as the random sampler', () => {
    const random = optimise({
      sampler: new RandomSampler(),
      space: EVERY_KIND,
      objective: everyKindObjective,
      n: 10,
      seed: 2,
    });
    const tpe = optimise({
      sampler: new TpeSampler(),
      space: EVERY_KIND,
      objective: everyKindObjective,
      n: 10,
      seed: 2,
    });
    expect(tpe).toEqual(random);
  });

  it('consumes 2 × nEiCandidates uniforms per parameter after startup, so streams stay aligned', () => {
    const trials = optimise({
      sampler: new RandomSampler(),
      space: EVERY_KIND,
      objective: everyKindObjective,
      n: 12,
    });
    const uniform = seededUniform(8);
    new TpeSampler({ nEiCandidates: 5 }).ask({ space: EVERY_KIND, trials, mode: 'min', uniform });
    const reference = seededUniform(8);
    for (let i = 0; i < 2 * 5 * Object.keys(EVERY_KIND).length; i += 1) reference();
    expect(uniform()).toBe(reference());
  });

  it('respects bounds, q, log scales, integers and choices over 60 rounds of every kind', () => {
    const run = (sampler: TpeSampler | RandomSampler) =>
      optimise({ sampler, space: EVERY_KIND, objective: everyKindObjective, n: 60, seed: 0 });
    const trials = run(new TpeSampler());
    for (const { params } of trials)
      for (const [name, d] of Object.entries(EVERY_KIND))
        expect(isValidDraw(d, params[name]!), `${name}=${params[name]}`).toBe(true);
    // It learns every kind at once: its last 30 trials are far better than random search's.
    const lastHalf = (ts: FinishedTrial[]) => median(ts.slice(30).map((t) => t.value));
    expect(lastHalf(trials)).toBeLessThan(lastHalf(run(new RandomSampler())) / 2);
    expect(trials.slice(30).filter((t) => t.params['c'] === 'sgd').length).toBeGreaterThan(15);
  });

  it('keeps integers and quantised values on their lattice at the edges of narrow ranges', () => {
    const space: Record<string, Distribution> = {
      one: { kind: 'int', low: 5, high: 5 },
      two: { kind: 'logint', low: 1, high: 2 },
      q: { kind: 'uniform', low: 0.1, high: 0.2, q: 0.5 },
      lq: { kind: 'loguniform', low: 1, high: 4, q: 2 },
    };
    const trials = optimise({ sampler: new TpeSampler(), space, objective: (p) => -Number(p['two']), n: 30 });
    for (const { params } of trials)
      for (const [name, d] of Object.entries(space)) expect(isValidDraw(d, params[name]!)).toBe(true);
    expect(trials.slice(10).filter((t) => t.params['two'] === 2).length).toBeGreaterThan(12);
  });

  it('concentrates near the optimum of a 1-D quadratic after 30 trials (where random search does not)', () => {
    const space: Record<string, Distribution> = { x: { kind: 'uniform', low: -10, high: 10 } };
    const objective = (p: Record<string, unknown>) => (Number(p['x']) - 3.7) ** 2;
    // Trials 31–40 of five seeds, pooled: their distance to the optimum at 3.7.
    const distances = (sampler: TpeSampler | RandomSampler) =>
      [0, 1, 2, 3, 4].flatMap((seed) =>
        optimise({ sampler, space, objective, n: 40, seed })
          .slice(30)
          .map((t) => Math.abs(Number(t.params['x']) - 3.7)),
      );
    const tpe = median(distances(new TpeSampler()));
    const random = median(distances(new RandomSampler()));
    expect(tpe).toBeLessThan(2.5); // of a range of 20
    expect(tpe).toBeLessThan(random / 2);
    for (const seed of [0, 1, 2, 3, 4]) {
      const first30 = optimise({ sampler: new TpeSampler(), space, objective, n: 30, seed });
      expect(Math.min(...first30.map((t) => t.value)), `seed ${seed}`).toBeLessThan(0.1);
    }
  });

  it('works in log space: concentrates around 1e-3 on a loguniform [1e-6, 1] range', () => {
    const space: Record<string, Distribution> = { lr: { kind: 'loguniform', low: 1e-6, high: 1 } };
    const trials = optimise({
      sampler: new TpeSampler(),
      space,
      objective: (p) => Math.log10(Number(p['lr']) / 1e-3) ** 2,
      n: 40,
    });
    expect(
      median(trials.slice(30).map((t) => Math.abs(Math.log10(Number(t.params['lr'])) + 3))),
    ).toBeLessThan(0.8);
  });

  it('maximises when the mode is max', () => {
    const space: Record<string, Distribution> = { x: { kind: 'uniform', low: 0, high: 1 } };
    const trials = optimise({
      sampler: new TpeSampler(),
      space,
      objective: (p) => Number(p['x']),
      n: 40,
      mode: 'max',
    });
    expect(median(trials.slice(30).map((t) => Number(t.params['x'])))).toBeGreaterThan(0.8);
  });

  it('rejects unknown and out-of-range options', () => {
    expect(() => new TpeSampler({ nEiCandidates: 0 })).toThrow(SamplerError);
    expect(() => new TpeSampler({ gammaFraction: 2 })).toThrow(/gammaFraction/);
    expect(() => new TpeSampler({ nStartup: 3 } as never)).toThrow(/unknown option 'nStartup'/);
  });
});
