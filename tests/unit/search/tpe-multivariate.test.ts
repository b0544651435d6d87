/**
 * Multivariate TPE (`createSampler('tpe', { multivariate: true })`, src/search/tpe-multivariate.ts):
 * its joint Parzen estimator against Optuna 5.0.0's (tests/fixtures/search/tpe-multivariate.json, made
 * by bench/optuna/tpe_reference.py), that candidates keep the good trials' correlations, how many
 * uniforms an ask consumes, the fallback to univariate TPE outside the joint space, and the sampler
 * contract of src/search/types.ts for this option (contract.test.ts runs the registry's defaults).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import {
  RandomSampler,
  SamplerError,
  TpeSampler,
  type Distribution,
  type FinishedTrial,
  type ParamValue,
} from '../../../src/search/index.js';
import { JointParzen, jointSpace } from '../../../src/search/tpe-multivariate.js';
import { parzenAxis, type ParzenAxis } from '../../../src/search/tpe-parzen.js';
import { seededUniform } from '../../../src/search/uniform.js';
import { hartmann6Value } from '../../../examples/hartmann6/hartmann6.js';
import { EVERY_KIND, everyKindObjective, isValidDraw, optimise } from './helpers.js';

interface ReferenceCase {
  name: string;
  space: Record<string, Distribution>;
  below: Record<string, ParamValue>[];
  above: Record<string, ParamValue>[];
  points: Record<string, ParamValue>[];
  logL: number[];
  logG: number[];
  /** Each parameter alone. */
  marginals: Record<string, { logL: number[]; logG: number[] }>;
}
const reference = JSON.parse(
  readFileSync(path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'search', 'tpe-multivariate.json'), 'utf8'),
) as { optuna: string; cases: ReferenceCase[] };

const OPTUNA_DEFAULTS = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false };
const asTrials = (params: Record<string, ParamValue>[]): FinishedTrial[] =>
  params.map((p) => ({ params: p, value: 0 }));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};
const multivariate = () => new TpeSampler({ multivariate: true });

describe('the joint Parzen estimator', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))(
    "gives Optuna 5's log l(x) and log g(x): %s",
    (_name, c) => {
      expect(reference.optuna).toBe('5.0.0');
      // Optuna orders tied observations by np.argsort, which is not stable (it depends on numpy's
      // build): which tied kernel gets the narrower bandwidth then changes the joint density, and a
      // parameter's own density when its kernels' weights differ (more than 25 observations).
      const tieFree = (trials: Record<string, ParamValue>[], names: string[]) =>
        names.every(
          (n) => c.space[n]!.kind === 'choice' || new Set(trials.map((t) => t[n])).size === trials.length,
        );
      const check = (names: string[], logL: number[], logG: number[]) => {
        const axes = names.map((name) => [name, parzenAxis(c.space[name]!)] as [string, ParzenAxis]);
        const internal = (p: Record<string, ParamValue>) =>
          axes.map(([name, axis]) => axis.internal(p[name])!);
        for (const [trials, expected] of [
          [c.below, logL],
          [c.above, logG],
        ] as const) {
          if (!tieFree(trials, names) && (names.length > 1 || trials.length > 25)) continue;
          const estimator = new JointParzen(axes, asTrials(trials), OPTUNA_DEFAULTS);
          c.points.forEach((p, i) => expect(estimator.logPdf(internal(p))).toBeCloseTo(expected[i]!, 9));
          compared += 1;
        }
      };
      let compared = 0;
      check(Object.keys(c.space), c.logL, c.logG);
      for (const name of Object.keys(c.space))
        check([name], c.marginals[name]!.logL, c.marginals[name]!.logG);
      expect(compared).toBeGreaterThan(Object.keys(c.space).length);
    },
  );

  it('draws each candidate from one kernel for every parameter, so it keeps the good trials’ correlations', () => {
    // Good trials on two clusters of the diagonal: a joint kernel never mixes (0.1, 0.9); independent
    // per-parameter mixtures would do so half the time.
    const unit: Distribution = { kind: 'uniform', low: 0, high: 1 };
    const axes: [string, ParzenAxis][] = [
      ['x', parzenAxis(unit)],
      ['y', parzenAxis(unit)],
    ];
    const good = Array.from({ length: 20 }, (_, i) => {
      const v = (i % 2 === 0 ? 0.1 : 0.9) + (i - 10) * 0.001;
      return { x: v, y: v };
    });
    const l = new JointParzen(axes, asTrials(good), OPTUNA_DEFAULTS);
    const uniform = seededUniform(4);
    const samples = Array.from({ length: 400 }, () => l.sample(uniform));
    const offDiagonal = samples.filter(([x, y]) => Math.abs(x! - y!) > 0.5).length / samples.length;
    expect(offDiagonal).toBeLessThan(0.05); // only the prior kernel (weight 1/21) goes there
    const mixed = samples.filter(([x, y]) => Math.abs(x! - y!) < 0.2).length / samples.length;
    expect(mixed).toBeGreaterThan(0.85);
  });
});

describe('multivariate TPE (the sampler)', () => {
  it('draws its startup trials exactly as the random sampler', () => {
    const run = (sampler: TpeSampler | RandomSampler) =>
      optimise({ sampler, space: EVERY_KIND, objective: everyKindObjective, n: 10, seed: 2 });
    expect(run(multivariate())).toEqual(run(new RandomSampler()));
  });

  it('consumes nEiCandidates × (1 + parameters) uniforms after startup when every trial has every parameter', () => {
    const trials = optimise({
      sampler: new RandomSampler(),
      space: EVERY_KIND,
      objective: everyKindObjective,
      n: 12,
    });
    const uniform = seededUniform(8);
    new TpeSampler({ multivariate: true, nEiCandidates: 5 }).ask({
      space: EVERY_KIND,
      trials,
      mode: 'min',
      uniform,
    });
    const expected = seededUniform(8);
    for (let i = 0; i < 5 * (1 + Object.keys(EVERY_KIND).length); i += 1) expected();
    expect(uniform()).toBe(expected());
  });

  it('samples a parameter some trial lacks (or has out of range) by univariate TPE, after the joint ones', () => {
    const space: Record<string, Distribution> = {
      a: { kind: 'uniform', low: 0, high: 1 },
      kernel: { kind: 'int', low: 1, high: 7 },
      b: { kind: 'choice', values: ['x', 'y'] },
    };
    const trials: FinishedTrial[] = Array.from({ length: 14 }, (_, i) => ({
      params: {
        a: i / 14,
        b: i % 2 === 0 ? 'x' : 'y',
        ...(i % 3 === 0 ? {} : { kernel: i % 7 === 0 ? 99 : (i % 7) + 1 }),
      },
      value: i,
    }));
    expect(jointSpace(space, trials)).toEqual(['a', 'b']);
    expect(jointSpace(space, [])).toEqual(['a', 'kernel', 'b']);
    const uniform = seededUniform(3);
    const params = new TpeSampler({ multivariate: true, nEiCandidates: 4 }).ask({
      space,
      trials,
      mode: 'min',
      uniform,
    });
    expect(Object.keys(params)).toEqual(['a', 'kernel', 'b']);
    for (const [name, d] of Object.entries(space)) expect(isValidDraw(d, params[name]!)).toBe(true);
    // Joint (a, b): 4 × 3 uniforms; then kernel alone: 2 × 4.
    const expected = seededUniform(3);
    for (let i = 0; i < 4 * 3 + 2 * 4; i += 1) expected();
    expect(uniform()).toBe(expected());
  });

  it('equals univariate TPE on a one-parameter space (one kernel choice and one value per candidate either way)', () => {
    const space: Record<string, Distribution> = { x: { kind: 'uniform', low: -10, high: 10 } };
    const objective = (p: Record<string, ParamValue>) => (Number(p['x']) - 3.7) ** 2;
    for (const seed of [0, 1, 2])
      expect(optimise({ sampler: multivariate(), space, objective, n: 40, seed })).toEqual(
        optimise({ sampler: new TpeSampler(), space, objective, n: 40, seed }),
      );
  });

  it('finds better Hartmann-6 values than univariate TPE in 60 trials (median of 6 seeds)', () => {
    const unit: Distribution = { kind: 'uniform', low: 0, high: 1 };
    const space = Object.fromEntries(['x1', 'x2', 'x3', 'x4', 'x5', 'x6'].map((k) => [k, unit]));
    const objective = (p: Record<string, ParamValue>) =>
      hartmann6Value(Object.keys(space).map((k) => Number(p[k])));
    const best = (sampler: () => TpeSampler) =>
      median(
        [0, 1, 2, 3, 4, 5].map((seed) =>
          Math.min(...optimise({ sampler: sampler(), space, objective, n: 60, seed }).map((t) => t.value)),
        ),
      );
    expect(best(multivariate)).toBeLessThan(best(() => new TpeSampler()) - 0.1);
  });

  it('rejects a multivariate option that is not a boolean', () => {
    expect(() => new TpeSampler({ multivariate: 'yes' as never })).toThrow(SamplerError);
    expect(() => new TpeSampler({ multivariate: 'yes' as never })).toThrow(
      /multivariate must be true or false/,
    );
    expect(new TpeSampler().options.multivariate).toBe(false);
  });
});

describe('multivariate TPE keeps the sampler contract', () => {
  const ROUNDS = 25;

  it('proposes a valid value for every parameter, in the space order, over many rounds', () => {
    const trials = optimise({
      sampler: multivariate(),
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

  it('is deterministic and stateless: a second instance continues a run identically', () => {
    const trials = optimise({
      sampler: multivariate(),
      space: EVERY_KIND,
      objective: everyKindObjective,
      n: 15,
      seed: 3,
    });
    const ask = () =>
      multivariate().ask({ space: EVERY_KIND, trials, mode: 'min', uniform: seededUniform(99) });
    expect(ask()).toEqual(ask());
  });

  it('never mutates the context', () => {
    const trials = optimise({
      sampler: multivariate(),
      space: EVERY_KIND,
      objective: everyKindObjective,
      n: 15,
    });
    const context = {
      space: structuredClone(EVERY_KIND),
      trials: structuredClone(trials),
      pending: [{ params: { ...trials[0]!.params } }],
      mode: 'min' as const,
    };
    const before = structuredClone(context);
    multivariate().ask({ ...context, uniform: seededUniform(1) });
    expect(context).toEqual(before);
  });

  it('handles maximisation, failed (NaN) and infinite trials, and values of an older spec', () => {
    const trials = optimise({
      sampler: multivariate(),
      space: EVERY_KIND,
      objective: (p) => (p['c'] === 'adam' ? Number.NaN : p['c'] === 3 ? -Infinity : -everyKindObjective(p)),
      n: ROUNDS,
      mode: 'max',
    });
    expect(trials).toHaveLength(ROUNDS);
    const older: FinishedTrial[] = Array.from({ length: 12 }, (_, i) => ({
      params: { u: i % 2 === 0 ? 'not a number' : 99, c: 'unknown' },
      value: i,
    }));
    const params = multivariate().ask({
      space: EVERY_KIND,
      trials: older,
      mode: 'min',
      uniform: seededUniform(0),
    });
    for (const [param, d] of Object.entries(EVERY_KIND)) expect(isValidDraw(d, params[param]!)).toBe(true);
    expect(multivariate().ask({ space: {}, trials: older, mode: 'min', uniform: seededUniform(0) })).toEqual(
      {},
    );
  });
});
