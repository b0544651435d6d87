/**
 * MOTPE: the `tpe` sampler given several objectives (src/search/motpe.ts). Its split of the finished
 * trials is Optuna 5.0.0's, checked on worked examples whose expected below sets were computed with
 * Optuna's own `_split_complete_trials_multi_objective` in the bench's venv (script in the test
 * below's comment); it is deterministic, stays in the space, beats random search on ZDT1, and a spec
 * with `objectives` and `sampler: { name: tpe }` loads and plans through the multi-objective path.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import type { ParamValue } from '../../../src/core/domain/trial.js';
import {
  createSampler,
  hypervolume,
  hypervolumeWeights,
  isMultiObjectiveSampler,
  motpeGamma,
  motpeReferencePoint,
  motpeSplit,
  solveHssp,
  type Distribution,
  type FinishedTrial,
  type ObjectiveMode,
  type Sampler,
} from '../../../src/search/index.js';
import { outsideDistribution } from '../../../src/search/space-contains.js';
import { seededUniform } from '../../../src/search/uniform.js';
import { loadSweepSpec, parseSweepSpec, SpecError } from '../../../src/sweep-spec/load.js';
import { formatProblem } from '../../../src/sweep-spec/errors.js';
import type { AdaptiveCarried } from '../../../src/temporal/shared/shared.js';
import { AdaptivePlan } from '../../../src/temporal/workflows/adaptive-plan.js';
import { EVERY_KIND } from './helpers.js';

const below = (mask: boolean[]) => mask.flatMap((b, i) => (b ? [i] : []));

/*
 * Expected below sets: Optuna 5.0.0, `optuna.samplers._tpe.sampler._split_complete_trials_multi_objective`
 * on a study with these directions and one COMPLETE trial per vector (create_trial + add_trial), run
 * with ~/.cache/seedsweep/optuna-bench-venv/bin/python. The 2-D points are
 * np.round(np.random.RandomState(7).rand(16, 2), 3), the 3-D ones the next rand(14, 3).
 */
const TWO_D = [
  [0.076, 0.78], [0.438, 0.723], [0.978, 0.538], [0.501, 0.072], [0.268, 0.5], [0.679, 0.804],
  [0.381, 0.066], [0.288, 0.91], [0.213, 0.452], [0.931, 0.025], [0.601, 0.95], [0.23, 0.548],
  [0.909, 0.133], [0.523, 0.75], [0.669, 0.468], [0.205, 0.491],
]; // prettier-ignore
const THREE_D = [
  [0.372, 0.477, 0.366], [0.838, 0.769, 0.314], [0.573, 0.276, 0.453], [0.353, 0.657, 0.37],
  [0.459, 0.719, 0.413], [0.906, 0.18, 0.741], [0.422, 0.426, 0.634], [0.523, 0.415, 0.001],
  [0.092, 0.709, 0.524], [0.696, 0.955, 0.683], [0.053, 0.309, 0.593], [0.235, 0.965, 0.945],
  [0.848, 0.472, 0.841], [0.131, 0.309, 0.463],
]; // prettier-ignore

describe("MOTPE's split matches Optuna 5.0.0", () => {
  it.each([
    [2, ['min', 'min'], [6, 8]],
    [3, ['min', 'min'], [0, 6, 8]],
    [5, ['min', 'min'], [0, 6, 8, 9, 15]],
    [8, ['min', 'min'], [0, 3, 4, 6, 8, 9, 11, 15]],
    [2, ['min', 'max'], [0, 7]],
    [3, ['min', 'max'], [0, 7, 10]],
    [5, ['min', 'max'], [0, 1, 7, 10, 11]],
    [8, ['min', 'max'], [0, 1, 5, 7, 10, 11, 13, 15]],
  ] as [number, ObjectiveMode[], number[]][])('2-D, %i below, %j', (nBelow, modes, expected) => {
    expect(below(motpeSplit(TWO_D, modes, nBelow))).toEqual(expected);
  });

  it.each([
    [2, [10, 11]],
    [4, [6, 10, 11, 12]],
    [6, [2, 5, 6, 10, 11, 12]],
  ])('3-D (min, min, max), %i below: the greedy hypervolume subset', (nBelow, expected) => {
    expect(below(motpeSplit(THREE_D, ['min', 'min', 'max'], nBelow))).toEqual(expected);
  });

  it('counts duplicates once on the tie-break front, and fills with them only when short', () => {
    const dup = [[0.1, 0.9], [0.5, 0.5], [0.5, 0.5], [0.9, 0.1], [0.2, 0.95], [0.6, 0.6], [0.6, 0.6], [0.95, 0.2]]; // prettier-ignore
    expect(below(motpeSplit(dup, ['min', 'min'], 4))).toEqual([0, 1, 2, 3]);
    expect(below(motpeSplit(dup, ['min', 'min'], 5))).toEqual([0, 1, 2, 3, 5]);
    expect(below(motpeSplit(dup, ['min', 'min'], 6))).toEqual([0, 1, 2, 3, 4, 5]);
    const short = [[0.1, 0.9], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.9, 0.1], [0.9, 0.9]]; // prettier-ignore
    expect(below(motpeSplit(short, ['min', 'min'], 4))).toEqual([0, 1, 2, 4]);
  });

  it("uses Optuna's reference point, γ and edge cases", () => {
    expect(motpeReferencePoint([[1, -2], [0.5, 0]])).toEqual([1.1, 1e-12]); // prettier-ignore
    expect(motpeGamma(10)).toBe(1);
    expect(motpeGamma(300)).toBe(30); // no cap of 25 with several objectives
    expect(below(motpeSplit(TWO_D, ['min', 'min'], 0))).toEqual([]);
    expect(below(motpeSplit(TWO_D.slice(0, 3), ['min', 'min'], 5))).toEqual([0, 1, 2]);
    // A non-finite reference takes the first points in lexicographic order.
    expect(solveHssp([[2, Number.NEGATIVE_INFINITY], [1, 3], [0, 4]], 2, [2.2, Infinity])).toEqual([2, 1]); // prettier-ignore
  });
});

describe("the hypervolumeWeights option: Optuna 4.x's below weights", () => {
  // Expected: Optuna 4.x's `_calculate_weights_below_for_multi_objective` (no constraints), restated
  // from its source on Optuna 5.0.0's own `compute_hypervolume`, `_is_pareto_front` and
  // `_get_reference_point`, in the bench's venv.
  it('gives each point its hypervolume contribution over the largest, EPS off the front', () => {
    const a = [[0.076, 0.78], [0.438, 0.723], [0.268, 0.5], [0.381, 0.066], [0.213, 0.452], [0.931, 0.025], [0.23, 0.548], [0.205, 0.491]]; // prettier-ignore
    const expected2d = [0.047395195478097084, 1e-12, 1e-12, 1.0, 0.03086198775317998, 0.017979745642958154, 1e-12, 0.010890249646726758]; // prettier-ignore
    hypervolumeWeights(a, ['min', 'min']).forEach((w, i) => expect(w).toBeCloseTo(expected2d[i]!, 14));
    expect(hypervolumeWeights(a, ['min', 'max'])).toEqual([1, ...Array.from({ length: 7 }, () => 1e-12)]);
    const b = [[0.372, 0.477, 0.366], [0.573, 0.276, 0.453], [0.422, 0.426, 0.634], [0.523, 0.415, 0.001], [0.053, 0.309, 0.593], [0.131, 0.309, 0.463]]; // prettier-ignore
    const expected3d = [1e-12, 0.014606671939805076, 0.014402519959095183, 1e-12, 1.0, 1e-12];
    hypervolumeWeights(b, ['min', 'min', 'max']).forEach((w, i) => expect(w).toBeCloseTo(expected3d[i]!, 14));
    expect(hypervolumeWeights([[1, 2]], ['min', 'min'])).toEqual([1]);
  });

  it('changes the proposals, and is refused with the multivariate TPE', () => {
    const hv = runZdt1(createSampler('tpe', { hypervolumeWeights: true }), 3, 25).map((t) => t.params);
    const plain = runZdt1(createSampler('tpe'), 3, 25).map((t) => t.params);
    expect(hv.slice(0, 10)).toEqual(plain.slice(0, 10)); // the random startup
    expect(hv.slice(10)).not.toEqual(plain.slice(10));
    expect(() => createSampler('tpe', { hypervolumeWeights: true, multivariate: true })).toThrow(
      /hypervolumeWeights works with the univariate TPE only/,
    );
  });
});

const unit: Distribution = { kind: 'uniform', low: 0, high: 1 };

/** ZDT1 on [0, 1]^d (front f2 = 1 − √f1). */
function zdt1(x: readonly number[]): [number, number] {
  const g = 1 + (9 * x.slice(1).reduce((s, v) => s + v, 0)) / (x.length - 1);
  return [x[0]!, g * (1 - Math.sqrt(x[0]! / g))];
}

/** `n` ask/tell rounds of a sampler on ZDT1 in `dims` dimensions; every trial. */
function runZdt1(sampler: Sampler, seed: number, n: number, dims = 5): FinishedTrial[] {
  const space = Object.fromEntries(Array.from({ length: dims }, (_, j) => [`x${j}`, unit]));
  const uniform = seededUniform(seed);
  const trials: FinishedTrial[] = [];
  for (let i = 0; i < n; i += 1) {
    const params = sampler.ask({ space, trials, mode: 'min', modes: ['min', 'min'], uniform });
    const values = zdt1(Object.keys(space).map((k) => Number(params[k])));
    trials.push({ params, value: values[0], values });
  }
  return trials;
}

describe('the tpe sampler with several objectives (MOTPE)', () => {
  it('is registered as multi-objective', () => {
    expect(isMultiObjectiveSampler('tpe')).toBe(true);
  });

  it('is deterministic for a seed, and another seed proposes otherwise', () => {
    const a = runZdt1(createSampler('tpe'), 3, 25).map((t) => t.params);
    const b = runZdt1(createSampler('tpe'), 3, 25).map((t) => t.params);
    const c = runZdt1(createSampler('tpe'), 4, 25).map((t) => t.params);
    expect(b).toEqual(a);
    expect(c.slice(10)).not.toEqual(a.slice(10));
  });

  it('proposes inside a space of every distribution kind, ignoring failed trials', () => {
    const sampler = createSampler('tpe', { nStartupTrials: 5 });
    const uniform = seededUniform(11);
    const trials: FinishedTrial[] = [];
    for (let i = 0; i < 30; i += 1) {
      const params = sampler.ask({ space: EVERY_KIND, trials, mode: 'max', modes: ['max', 'min'], uniform });
      expect(Object.keys(params)).toEqual(Object.keys(EVERY_KIND));
      for (const [name, d] of Object.entries(EVERY_KIND))
        expect(outsideDistribution(d, params[name]!), name).toBeUndefined();
      const u = Number(params['u']);
      const values = i % 7 === 3 ? [u, Number.NaN] : [u, (u - 1) ** 2 + Number(params['i'])];
      trials.push({ params, value: values[0]!, values });
    }
  });

  it('beats random search on ZDT1 (5-D, 40 trials) in hypervolume on at least 8 of 10 seeds', () => {
    // Measured: 9/10. A TPE that ranks by the first objective only (this sampler before MOTPE, which
    // ignored `modes`) wins 5/10, and random search against itself 0/10, so both would fail here.
    const hv = (trials: FinishedTrial[]) =>
      hypervolume(
        trials.map((t) => t.values!),
        [1.1, 11],
      );
    const wins = Array.from(
      { length: 10 },
      (_, seed) =>
        hv(runZdt1(createSampler('tpe'), seed, 40)) > hv(runZdt1(createSampler('random'), seed, 40)),
    );
    expect(wins.filter(Boolean).length).toBeGreaterThanOrEqual(8);
  });

  it('with one objective (modes absent or of length 1) proposes exactly as the single-objective TPE', () => {
    const space = { x: unit, y: unit };
    const trials: FinishedTrial[] = Array.from({ length: 15 }, (_, i) => {
      const params = { x: ((i * 7) % 15) / 15, y: ((i * 4) % 15) / 15 };
      const value = (params.x - 0.3) ** 2 + params.y;
      return { params, value, values: [value, -value] };
    });
    const ask = (modes?: ObjectiveMode[]) =>
      createSampler('tpe').ask({ space, trials, mode: 'min', modes, uniform: seededUniform(1) });
    expect(ask(['min'])).toEqual(ask());
    expect(ask(['min', 'min'])).not.toEqual(ask());
  });
});

describe('a two-objective spec with the tpe sampler', () => {
  const specText = (sampler: string) => `name: pareto
dataset: { name: synthetic, train_size: 20, test_size: 10 }
train: { epochs: 2 }
objectives:
  - { metric: test_accuracy, mode: max }
  - { metric: param_count, mode: min }
variants:
  sampler:
    name: ${sampler}
    trials: 4
    params:
      learning_rate: { loguniform: [0.0001, 0.1] }
seeds: [0]
`;

  it('loads, and a single-objective sampler is refused with a line naming tpe and nsga2', () => {
    expect(parseSweepSpec({ text: specText('tpe'), file: 'pareto.yaml' }).variants.sampler!.name).toBe('tpe');
    try {
      parseSweepSpec({ text: specText('random'), file: 'pareto.yaml' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SpecError);
      expect((error as SpecError).problems.map(formatProblem)).toEqual([
        "pareto.yaml:9:11: variants.sampler.name: sampler 'random' optimises one objective, but the spec has 2 objectives (test_accuracy (max), param_count (min)): use name: tpe or nsga2, or give one 'objective'",
      ]);
    }
  });

  it('plans through the multi-objective path: proposals from the Pareto front of the means', async () => {
    // tests/fixtures/search/tiny-pareto.yaml with `tpe` (as tests/unit/temporal/workflows/multi-objective-plan.test.ts
    // does for NSGA-II): 8 finished configurations, A–D the front of (accuracy max, seconds min).
    const pareto = await loadSweepSpec(
      path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'search', 'tiny-pareto.yaml'),
    );
    const spec = {
      ...pareto,
      variants: {
        ...pareto.variants,
        sampler: {
          ...pareto.variants.sampler!,
          name: 'tpe' as const,
          trials: 20,
          options: { nStartupTrials: 4, gammaFraction: 0.5 },
        },
      },
    };
    const configs = [
      [0.9, 10, 0], [0.89, 11, 0.06], [0.8, 6, 0], [0.79, 7, 0.06],
      [0.6, 3, 0], [0.59, 4, 0.06], [0.4, 1, 0], [0.39, 2, 0.06],
    ]; // prettier-ignore
    const pointOf = (i: number): Record<string, ParamValue> => ({
      learning_rate: 0.002 * (i + 1),
      units1: 10 + 5 * i,
    });
    const grow = () => {
      const state: AdaptiveCarried = {
        proposals: configs.map((_, i) => ({ values: pointOf(i), reason: `given ${i}` })),
        draws: 0,
        rounds: [],
      };
      const plan = new AdaptivePlan(spec, 'pinned-fingerprint', state);
      const planned = plan.plannedTrials().trials();
      const vectors = new Map<string, number[]>();
      for (const t of planned) {
        const i = configs.findIndex((_, j) => pointOf(j).learning_rate === t.factors.learning_rate);
        const [accuracy, seconds, spread] = configs[i]!;
        vectors.set(t.trialKey, [accuracy! + (t.seed === 0 ? spread! : -spread!), seconds!]);
      }
      const all = [...planned];
      for (let i = 0; i < 6; i++)
        all.push(
          ...plan.grow(all, {
            value: (key) => vectors.get(key)?.[0],
            values: (key) => vectors.get(key),
            missing: () => undefined,
            lastReported: () => undefined,
          }),
        );
      return plan.state.proposals.slice(configs.length).map((p) => p.values);
    };
    const proposals = grow();
    expect(proposals).toHaveLength(6);
    expect(grow()).toEqual(proposals);
    for (const p of proposals) {
      expect(
        outsideDistribution({ kind: 'loguniform', low: 0.001, high: 0.1 }, p['learning_rate']!),
      ).toBeUndefined();
      expect(outsideDistribution({ kind: 'int', low: 8, high: 64 }, p['units1']!)).toBeUndefined();
    }
  });
});
