/**
 * The Sampler contract (src/search/types.ts), written once and run over every registered sampler:
 * valid values for every distribution, determinism, no mutation of the context, errors.
 */
import { describe, expect, it } from 'vitest';
import {
  createSampler,
  SamplerError,
  samplerNames,
  type Distribution,
  type FinishedTrial,
  type Sampler,
} from '../../../src/search/index.js';
import { seededUniform } from '../../../src/search/uniform.js';
import { EVERY_KIND, everyKindObjective, isValidDraw, optimise } from './helpers.js';

/** Enough rounds for TPE to be past its 10 startup trials; the grid of EVERY_KIND (pointsPerAxis 2) has 2⁸·4 points. */
const ROUNDS = 25;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

// NSGA-II with a small population so the rounds reach its bred generations.
const make = (name: string): Sampler =>
  createSampler(name, name === 'grid' ? { pointsPerAxis: 2 } : name === 'nsga2' ? { populationSize: 6 } : {});

describe('the sampler registry', () => {
  it('knows grid, random, tpe and nsga2', () => {
    expect(samplerNames()).toEqual(['grid', 'random', 'tpe', 'nsga2']);
  });

  it('answers an unknown name with the known ones', () => {
    expect(() => createSampler('bayes')).toThrow(SamplerError);
    expect(() => createSampler('bayes')).toThrow(
      "unknown sampler 'bayes'; known samplers: grid, random, tpe, nsga2",
    );
  });
});

describe.each(samplerNames())('the %s sampler (contract)', (name) => {
  it('carries its registry name', () => {
    expect(make(name).name).toBe(name);
  });

  it('proposes a valid value for every parameter, in the space order, over many rounds', () => {
    const trials = optimise({
      sampler: make(name),
      space: EVERY_KIND,
      objective: everyKindObjective,
      n: ROUNDS,
    });
    for (const { params } of trials) {
      expect(Object.keys(params)).toEqual(Object.keys(EVERY_KIND));
      for (const [param, d] of Object.entries(EVERY_KIND))
        expect(isValidDraw(d, params[param]!), `${param}=${params[param]}`).toBe(true);
    }
  });

  it('is deterministic: the same seed and trials give the same proposals', () => {
    const run = () =>
      optimise({ sampler: make(name), space: EVERY_KIND, objective: everyKindObjective, n: ROUNDS, seed: 7 });
    expect(run()).toEqual(run());
  });

  it('depends only on its inputs: a second instance continues a run identically', () => {
    const trials = optimise({
      sampler: make(name),
      space: EVERY_KIND,
      objective: everyKindObjective,
      n: 15,
      seed: 3,
    });
    const ask = () => {
      const uniform = seededUniform(99);
      return make(name).ask({ space: EVERY_KIND, trials, mode: 'min', uniform });
    };
    expect(ask()).toEqual(ask());
  });

  it('never mutates the context (space, trials, params, pending)', () => {
    const trials = optimise({ sampler: make(name), space: EVERY_KIND, objective: everyKindObjective, n: 15 });
    const context = deepFreeze({
      space: structuredClone(EVERY_KIND),
      trials: structuredClone(trials),
      pending: [{ params: { ...trials[0]!.params } }],
      mode: 'min' as const,
    });
    const before = structuredClone(context);
    expect(() => make(name).ask({ ...context, uniform: seededUniform(1) })).not.toThrow();
    expect(context).toEqual(before);
  });

  it('handles maximisation, failed (NaN) and infinite trials', () => {
    const trials = optimise({
      sampler: make(name),
      space: EVERY_KIND,
      objective: (p) => (p['c'] === 'adam' ? Number.NaN : p['c'] === 3 ? -Infinity : -everyKindObjective(p)),
      n: ROUNDS,
      mode: 'max',
    });
    expect(trials).toHaveLength(ROUNDS);
  });

  it('proposes {} for an empty space', () => {
    expect(make(name).ask({ space: {}, trials: [], mode: 'min', uniform: seededUniform(0) })).toEqual({});
  });

  it.each<[string, Distribution]>([
    ['low above high', { kind: 'uniform', low: 2, high: 1 }],
    ['a non-positive log bound', { kind: 'loguniform', low: 0, high: 1 }],
    ['logint below 1', { kind: 'logint', low: 0, high: 8 }],
    ['non-integer int bounds', { kind: 'int', low: 0.5, high: 3 }],
    ['a non-positive sd', { kind: 'normal', mean: 0, sd: 0 }],
    ['a non-positive q', { kind: 'uniform', low: 0, high: 1, q: -1 }],
    ['an empty choice', { kind: 'choice', values: [] }],
    ['a non-finite bound', { kind: 'uniform', low: 0, high: Infinity }],
  ])('throws SamplerError naming the parameter for %s', (_label, d) => {
    const ask = () =>
      make(name).ask({
        space: { ok: EVERY_KIND['u']!, bad: d },
        trials: [],
        mode: 'min',
        uniform: seededUniform(0),
      });
    expect(ask).toThrow(SamplerError);
    expect(ask).toThrow(/parameter 'bad'/);
  });

  it('ignores trial values that are not in the space (an older spec)', () => {
    const trials: FinishedTrial[] = Array.from({ length: 12 }, (_, i) => ({
      params: { u: i % 2 === 0 ? 'not a number' : 99, c: 'unknown' },
      value: i,
    }));
    const params = make(name).ask({ space: EVERY_KIND, trials, mode: 'min', uniform: seededUniform(0) });
    for (const [param, d] of Object.entries(EVERY_KIND)) expect(isValidDraw(d, params[param]!)).toBe(true);
  });
});
