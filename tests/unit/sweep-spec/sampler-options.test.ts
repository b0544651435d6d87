/**
 * A sampler's options and a pruning rule's options are checked when the spec loads, by the search
 * layer's own rules, each problem located at `file:line:col: path`: a typo or an out-of-range value
 * must not wait for the workflow to build the sampler or pruner (a failed sweep after submission).
 */
import { describe, expect, it } from 'vitest';
import { parseSweepSpec, SpecError } from '../../../src/sweep-spec/load.js';
import type { SpecProblem } from '../../../src/sweep-spec/load.js';
import { createPruner, createSampler } from '../../../src/search/index.js';
import { prunerSpecOf } from '../../../src/sweep-spec/pruner-spec.js';

const FILE = 'sweeps/search.yaml';

/** A TPE sweep of the built-in classifier; `options` goes on line 13, the line the problems point at. */
function tpeSpec(options: string, extra = ''): string {
  return `name: t
dataset:
  name: synthetic
  train_size: 200
  test_size: 100
train:
  epochs: 3
variants:
  sampler:
    name: tpe
    trials: 4
    seed: 0
    options: ${options}
    params:
      kernel_size: {int: [2, 5]}
      learning_rate: {loguniform: [0.001, 0.03]}
seeds: [0]
${extra}`;
}

/** A two-objective NSGA-II sweep (tests/fixtures/search/tiny-pareto.yaml, shortened). */
function nsga2Spec(options: string): string {
  return `name: pareto
dataset: {name: synthetic, train_size: 200, test_size: 100}
train: {epochs: 2, batch_size: 50}
params: {model: fc}
variants:
  sampler:
    name: nsga2
    trials: 12
    options: ${options}
    params:
      learning_rate: {loguniform: [0.001, 0.1]}
      units1: {int: [8, 64]}
seeds: [0, 1]
objectives:
  - {metric: testAccuracy, mode: max}
  - {metric: epochSeconds, mode: min}
`;
}

function problemsOf(text: string): readonly SpecProblem[] {
  try {
    parseSweepSpec({ text, file: FILE });
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).problems;
  }
  throw new Error('the spec loaded, but it should have been refused');
}

function onlyProblem(text: string): SpecProblem {
  const problems = problemsOf(text);
  expect(problems.map((p) => p.path)).toHaveLength(1);
  return problems[0]!;
}

describe('sampler options at spec load', () => {
  it('refuses a misspelt TPE option, at the key, naming the option it resembles and the known ones', () => {
    const problem = onlyProblem(tpeSpec('{ multivarate: true }'));
    expect(problem).toMatchObject({ path: 'variants.sampler.options.multivarate', line: 13, column: 16 });
    expect(problem.message).toContain("unknown tpe option 'multivarate' (did you mean 'multivariate'?)");
    expect(problem.message).toContain('tpe options: nStartupTrials, nEiCandidates,');
  });

  it('writes the problem as file:line:col: path: message', () => {
    expect(() => parseSweepSpec({ text: tpeSpec('{ multivarate: true }'), file: FILE })).toThrow(
      `${FILE}:13:16: variants.sampler.options.multivarate: unknown tpe option 'multivarate'`,
    );
  });

  it('refuses an out-of-range TPE option with what the sampler accepts', () => {
    const problem = onlyProblem(tpeSpec('{ nStartupTrials: -1 }'));
    expect(problem).toMatchObject({ path: 'variants.sampler.options.nStartupTrials', line: 13, column: 32 });
    expect(problem.message).toContain('nStartupTrials must be a non-negative integer, found -1');
  });

  it('refuses a value of the wrong kind (a string where TPE takes true or false)', () => {
    const problem = onlyProblem(tpeSpec('{ multivariate: "yes" }'));
    expect(problem.path).toBe('variants.sampler.options.multivariate');
    expect(problem.message).toBe('expected true or false; found "yes"');
  });

  it('reports every bad option of the spec at once', () => {
    const problems = problemsOf(tpeSpec('{ nStartupTrials: 2.5, gammaFraction: 0, nEiCandidate: 3 }'));
    expect(problems.map((p) => p.path)).toEqual([
      'variants.sampler.options.nStartupTrials',
      'variants.sampler.options.gammaFraction',
      'variants.sampler.options.nEiCandidate',
    ]);
    expect(problems[1]!.message).toContain('gammaFraction must be in (0, 1], found 0');
    expect(problems[2]!.message).toContain("did you mean 'nEiCandidates'?");
  });

  it('refuses an NSGA-II option the sampler itself would ignore (a misspelt name)', () => {
    // Nsga2Sampler does not look at names it does not know: only the option list catches this typo.
    expect(() => createSampler('nsga2', { populationsize: 4 } as never)).not.toThrow();
    const problem = onlyProblem(nsga2Spec('{ populationsize: 4 }'));
    expect(problem).toMatchObject({ path: 'variants.sampler.options.populationsize', line: 9, column: 16 });
    expect(problem.message).toContain("(did you mean 'populationSize'?)");
    expect(problem.message).toContain(
      'nsga2 options: populationSize, crossoverProb, swappingProb, mutationProb',
    );
  });

  it('refuses an out-of-range NSGA-II option', () => {
    const problem = onlyProblem(nsga2Spec('{ populationSize: 4, mutationProb: 1.5 }'));
    expect(problem.path).toBe('variants.sampler.options.mutationProb');
    expect(problem.message).toContain('mutationProb must be in [0, 1], found 1.5');
  });

  it('refuses any option of the random sampler, which takes none', () => {
    const text = tpeSpec('{ seed: 3 }').replace('name: tpe', 'name: random');
    expect(onlyProblem(text).message).toBe(
      "unknown option 'seed': the random sampler takes no options; remove it",
    );
  });

  it('loads a valid multivariate TPE spec, with the options as written for the workflow', () => {
    const spec = parseSweepSpec({
      text: tpeSpec('{ multivariate: true, nStartupTrials: 3, gammaFraction: 0.2 }'),
      file: FILE,
    });
    const { name, options } = spec.variants.sampler!;
    expect(options).toEqual({ multivariate: true, nStartupTrials: 3, gammaFraction: 0.2 });
    expect(createSampler(name, options)).toMatchObject({ name: 'tpe', options: { multivariate: true } });
  });

  it('loads a valid NSGA-II spec', () => {
    const spec = parseSweepSpec({
      text: nsga2Spec('{ populationSize: 4, crossoverProb: 0.8, swappingProb: 0.5, mutationProb: 0.25 }'),
      file: FILE,
    });
    expect(spec.variants.sampler).toMatchObject({ name: 'nsga2', options: { populationSize: 4 } });
  });
});

describe('early_stopping options at spec load', () => {
  it('refuses an ASHA first rung past the epochs of a sampler sweep', () => {
    const problem = onlyProblem(tpeSpec('{}', 'early_stopping: { rule: asha, min_resource: 5 }\n'));
    expect(problem).toMatchObject({ path: 'early_stopping.min_resource', line: 18, column: 45 });
    expect(problem.message).toBe(
      "asha's first rung (epoch 5) is past the last epoch of trials with 3 epochs; expected min_resource ≤ 3",
    );
    // What the workflow's pruner would have thrown at the first epoch report.
    const rule = { rule: 'asha', reductionFactor: 3, minResource: 5 } as const;
    expect(() => createPruner({ ...rule, maxResource: 3 })).toThrow('maxResource');
  });

  it('checks the fewest epochs a sampler can propose', () => {
    const text = tpeSpec('{}', 'early_stopping: { rule: hyperband, min_resource: 4 }\n').replace(
      '      kernel_size: {int: [2, 5]}',
      '      kernel_size: {int: [2, 5]}\n      epochs: {int: [2, 9]}',
    );
    expect(onlyProblem(text).message).toContain('trials with 2 epochs; expected min_resource ≤ 2');
  });

  it('refuses an ASHA first rung past the epochs of a grid variant', () => {
    const text = `name: g
dataset: {name: synthetic, train_size: 200, test_size: 100}
train: {epochs: 3}
variants:
  grid:
    epochs: [2, 6]
seeds: [0]
early_stopping: {rule: asha, min_resource: 3, min_epochs: 1}
`;
    const problem = onlyProblem(text);
    expect(problem.path).toBe('early_stopping.min_resource');
    expect(problem.message).toContain('trials with 2 epochs; expected min_resource ≤ 2');
  });

  it('loads a valid ASHA sampler sweep', () => {
    const spec = parseSweepSpec({
      text: tpeSpec('{ nStartupTrials: 2 }', 'early_stopping: { rule: asha, min_resource: 1 }\n'),
      file: FILE,
    });
    expect(() => createPruner(prunerSpecOf(spec.earlyStopping!, spec.train.epochs))).not.toThrow();
  });
});
