/**
 * Multi-objective search: Pareto dominance and sorting, the exact hypervolume (checked against
 * Optuna's `compute_hypervolume`, values computed once by bench/optuna/hypervolume_reference.py),
 * and the NSGA-II sampler (first generation, elitism, inheritance, and that it beats random search).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import {
  createSampler,
  crowdingDistances,
  dominates,
  hypervolume,
  isMultiObjectiveSampler,
  nonDominatedFronts,
  Nsga2Sampler,
  paretoFront,
  RandomSampler,
  SamplerError,
  type Distribution,
  type FinishedTrial,
  type ParamValue,
  type Sampler,
} from '../../../src/search/index.js';
import { seededUniform } from '../../../src/search/uniform.js';
import { formatProblem, SpecError } from '../../../src/sweep-spec/errors.js';
import { parseSweepSpec } from '../../../src/sweep-spec/load.js';
import { compile } from 'vega-lite';
import { paretoChart, paretoSection, renderParetoMarkdown } from '../../../src/reporting/analysis/pareto.js';

interface Case {
  name: string;
  points: number[][];
  reference: number[];
  hypervolume: number;
}
const fixture = JSON.parse(
  readFileSync(path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'search', 'hypervolume.json'), 'utf8'),
) as { cases: Case[] };

describe('Pareto dominance', () => {
  it('dominates only when at least as good everywhere and better somewhere, per direction', () => {
    expect(dominates([1, 1], [2, 2], ['min', 'min'])).toBe(true);
    expect(dominates([1, 2], [1, 2], ['min', 'min'])).toBe(false);
    expect(dominates([1, 3], [2, 2], ['min', 'min'])).toBe(false);
    expect(dominates([1, 3], [2, 2], ['min', 'max'])).toBe(true);
  });

  it('sorts into fronts and leaves failed (NaN) points out', () => {
    const points = [
      [3, 3],
      [1, 2],
      [2, 1],
      [2, 2],
      [Number.NaN, 0],
      [0, 5],
    ];
    expect(nonDominatedFronts(points, ['min', 'min'])).toEqual([[1, 2, 5], [3], [0]]);
    expect(paretoFront(points, ['min', 'min'])).toEqual([1, 2, 5]);
    expect(paretoFront(points, ['max', 'max'])).toEqual([0, 5]);
  });

  it('gives the ends of a front an infinite crowding distance and inner points the neighbour gap', () => {
    const d = crowdingDistances([
      [0, 4],
      [1, 2],
      [4, 0],
    ]);
    expect(d[0]).toBe(Infinity);
    expect(d[2]).toBe(Infinity);
    expect(d[1]).toBeCloseTo(4 / 4 + 4 / 4, 12);
  });
});

describe('hypervolume', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('agrees with Optuna on %s', (_name, c) => {
    const value = hypervolume(c.points, c.reference);
    expect(Math.abs(value - c.hypervolume)).toBeLessThanOrEqual(1e-9 * Math.max(1, c.hypervolume));
  });

  it('negates maximised objectives, and counts points outside the reference box as nothing', () => {
    expect(hypervolume([[-0.5, 0.5]], [-1, 1], { modes: ['max', 'min'] })).toBeCloseTo(0.25, 12);
    expect(hypervolume([[2, 0]], [1, 1])).toBe(0);
    expect(hypervolume([], [1, 1])).toBe(0);
  });

  it('refuses a non-finite reference or a point of the wrong length', () => {
    expect(() => hypervolume([[0, 0]], [1, Infinity])).toThrow(RangeError);
    expect(() => hypervolume([[0, 0, 0]], [1, 1])).toThrow(RangeError);
  });
});

/** ZDT1 (Zitzler, Deb and Thiele 2000) on [0, 1]^n: both objectives minimised, front f2 = 1 − √f1. */
function zdt1(x: readonly number[]): [number, number] {
  const g = 1 + (9 * x.slice(1).reduce((s, v) => s + v, 0)) / (x.length - 1);
  return [x[0]!, g * (1 - Math.sqrt(x[0]! / g))];
}

function runMulti(sampler: Sampler, space: Record<string, Distribution>, n: number, seed: number) {
  const uniform = seededUniform(seed);
  const trials: FinishedTrial[] = [];
  for (let i = 0; i < n; i += 1) {
    const params = sampler.ask({ space, trials, mode: 'min', modes: ['min', 'min'], uniform });
    const values = zdt1(Object.values(params).map(Number));
    trials.push({ params, value: values[0], values });
  }
  return trials;
}

const unit: Distribution = { kind: 'uniform', low: 0, high: 1 };
const SPACE5 = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`x${i}`, unit]));

describe('the NSGA-II sampler', () => {
  it('is registered as a multi-objective sampler (as is tpe: MOTPE with several objectives)', () => {
    expect(isMultiObjectiveSampler('nsga2')).toBe(true);
    expect(isMultiObjectiveSampler('tpe')).toBe(true);
    expect(isMultiObjectiveSampler('random')).toBe(false);
    expect(isMultiObjectiveSampler('nope')).toBe(false);
    expect(createSampler('nsga2', { populationSize: 10 })).toBeInstanceOf(Nsga2Sampler);
  });

  it("uses Optuna's defaults and refuses bad options", () => {
    expect(() => new Nsga2Sampler({ populationSize: 1 })).toThrow(SamplerError);
    expect(() => new Nsga2Sampler({ crossoverProb: 1.5 })).toThrow('crossoverProb');
    const sampler = new Nsga2Sampler();
    // 49 finished trials: still the random first generation of 50.
    const trials = runMulti(new RandomSampler(), SPACE5, 49, 1);
    expect(sampler.parentPopulation(trials, ['min', 'min'])).toBeUndefined();
  });

  it('draws its first generation exactly as the random sampler does', () => {
    const space = { a: unit, b: { kind: 'choice', values: ['x', 'y'] } as Distribution };
    const nsga = new Nsga2Sampler({ populationSize: 5 });
    const u1 = seededUniform(4);
    const u2 = seededUniform(4);
    for (let i = 0; i < 5; i += 1)
      expect(nsga.ask({ space, trials: [], mode: 'min', modes: ['min', 'min'], uniform: u1 })).toEqual(
        new RandomSampler().ask({ space, trials: [], mode: 'min', uniform: u2 }),
      );
  });

  it('keeps the elite of each generation and the previous parents, skipping failed trials', () => {
    const t = (x: number, values: number[]): FinishedTrial => ({ params: { x }, value: values[0]!, values });
    const trials = [t(1, [1, 1]), t(9, [Number.NaN, 0]), t(2, [2, 2]), t(0, [0, 0]), t(3, [3, 3])];
    const sampler = new Nsga2Sampler({ populationSize: 2 });
    const parents = sampler.parentPopulation(trials, ['min', 'min'])!;
    expect(parents.map((m) => m.params['x'])).toEqual([0, 1]);
    // Maximising both, the worst become the best.
    expect(sampler.parentPopulation(trials, ['max', 'max'])!.map((m) => m.params['x'])).toEqual([3, 2]);
  });

  it('breeds children from the parents only (no mutation)', () => {
    const sampler = new Nsga2Sampler({ populationSize: 6, mutationProb: 0, crossoverProb: 1 });
    const trials = runMulti(new RandomSampler(), SPACE5, 12, 2);
    const parents = sampler.parentPopulation(trials, ['min', 'min'])!;
    const uniform = seededUniform(8);
    for (let i = 0; i < 20; i += 1) {
      const child = sampler.ask({ space: SPACE5, trials, mode: 'min', modes: ['min', 'min'], uniform });
      for (const [name, value] of Object.entries(child))
        expect(parents.map((p) => p.params[name] as ParamValue)).toContain(value);
    }
  });

  it('finds a larger hypervolume than random search on ZDT1 (5-D, 160 trials) in ≥ 3 of 4 seeds', () => {
    const volume = (trials: FinishedTrial[]) =>
      hypervolume(
        trials.map((t) => t.values!),
        [1.1, 1.1],
      );
    let wins = 0;
    for (const seed of [0, 1, 2, 3]) {
      const nsga = volume(runMulti(new Nsga2Sampler({ populationSize: 20 }), SPACE5, 160, seed));
      const random = volume(runMulti(new RandomSampler(), SPACE5, 160, seed));
      if (nsga > random) wins += 1;
    }
    expect(wins).toBeGreaterThanOrEqual(3);
  });
});

describe('multi-objective specs', () => {
  const specText = (sampler: string, extra = '') => `name: pareto
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
${extra}`;
  const problemsOf = (text: string): string[] => {
    try {
      parseSweepSpec({ text, file: 'pareto.yaml' });
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(SpecError);
      return (error as SpecError).problems.map(formatProblem);
    }
  };

  it('loads with nsga2: objectives kept, objective defaulted to the first', () => {
    const spec = parseSweepSpec({ text: specText('nsga2'), file: 'pareto.yaml' });
    expect(spec.objectives).toEqual([
      { metric: 'test_accuracy', mode: 'max' },
      { metric: 'param_count', mode: 'min' },
    ]);
    expect(spec.objective).toEqual({ metric: 'test_accuracy', mode: 'max' });
  });

  it('refuses a single-objective sampler in one line naming the field and its YAML line', () => {
    expect(problemsOf(specText('random'))).toEqual([
      "pareto.yaml:9:11: variants.sampler.name: sampler 'random' optimises one objective, but the spec has 2 objectives (test_accuracy (max), param_count (min)): use name: tpe or nsga2, or give one 'objective'",
    ]);
  });

  it('refuses a pruner on a multi-objective sweep', () => {
    const problems = problemsOf(specText('nsga2', 'early_stopping: { rule: asha }\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^pareto\.yaml:14:\d+: early_stopping: pruners rank trials on one metric/);
  });
});

describe("the report's Pareto section", () => {
  const objectives = [
    { metric: 'testAccuracy', mode: 'max' as const },
    { metric: 'paramCount', mode: 'min' as const },
  ];
  const points = [
    { label: 'small', values: [0.6, 100] },
    { label: 'big', values: [0.8, 1000] },
    { label: 'worse', values: [0.55, 1000] },
    { label: 'mid', values: [0.7, 300] },
    { label: 'failed', values: [Number.NaN, 200] },
  ];

  it('lists the front best-first with the hypervolume and its reference point', () => {
    const section = paretoSection({ objectives, points });
    expect(section.front.map((p) => p.label)).toEqual(['big', 'mid', 'small']);
    expect(section).toMatchObject({ complete: 4, missing: 1 });
    // Reference: worst accuracy 0.55 − 0.1·0.25, worst size 1000 + 0.1·900.
    expect(section.reference[0]).toBeCloseTo(0.525, 12);
    expect(section.reference[1]).toBeCloseTo(1090, 12);
    expect(section.hypervolume).toBeCloseTo(
      hypervolume(
        [
          [0.8, 1000],
          [0.7, 300],
          [0.6, 100],
        ],
        section.reference,
        { modes: ['max', 'min'] },
      ),
      12,
    );
    const md = renderParetoMarkdown(section);
    expect(md).toContain('| configuration | testAccuracy (max) | paramCount (min) |');
    expect(md).toContain('| big | 0.8000 | 1000 |');
    expect(md).toContain('3 of 4 configurations are on the front (1 without every objective left out).');
  });

  it('builds a Vega-Lite chart that compiles', () => {
    const chart = paretoChart(paretoSection({ objectives, points }));
    expect(chart.id).toBe('pareto-front');
    expect(() => compile(chart.spec)).not.toThrow();
  });
});
