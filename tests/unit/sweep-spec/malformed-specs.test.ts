/**
 * A table of malformed specs: each must fail with a SpecError whose problem names the file, the
 * line (and column), the field path, what was found and what was expected.
 */
import { describe, expect, it } from 'vitest';
import { parseSweepSpec, SpecError } from '../../../src/sweep-spec/load.js';
import type { SpecProblem } from '../../../src/sweep-spec/load.js';

const FILE = 'sweeps/bad.yaml';

/** `1, 2, …, n` for long YAML lists. */
function range(from: number, to: number): string {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i).join(', ');
}

/** A valid spec, line by line, that the cases below vary. */
const VALID = `name: t
dataset:
  name: synthetic
  train_size: 200
  test_size: 100
train:
  epochs: 2
variants:
  grid:
    model: [fc, cnn]
seeds: [0, 1]
`;

interface Case {
  kind: string;
  yaml: string;
  overrides?: string[];
  expected: { path: string; line?: number; column?: number; includes: string[] };
}

const CASES: Case[] = [
  {
    kind: 'bad YAML syntax (unclosed flow list)',
    yaml: VALID.replace('model: [fc, cnn]', 'model: [fc, cnn\n    kernel_size: 3'),
    expected: { path: '', line: 11, includes: ['invalid YAML', 'Flow sequence'] },
  },
  {
    kind: 'duplicate key',
    yaml: VALID.replace('  epochs: 2\n', '  epochs: 2\n  epochs: 3\n'),
    expected: { path: '', line: 8, column: 3, includes: ['invalid YAML', 'unique'] },
  },
  { kind: 'empty file', yaml: '', expected: { path: '', includes: ['the spec is empty'] } },
  {
    kind: 'top level is a list',
    yaml: '- 1\n- 2\n',
    expected: { path: '', line: 1, column: 1, includes: ['expected a mapping', 'found a list'] },
  },
  {
    kind: 'unknown top-level key (typo)',
    yaml: `${VALID}controled: true\n`,
    expected: {
      path: 'controled',
      line: 12,
      column: 1,
      includes: ["unknown key 'controled'", "did you mean 'controlled'?"],
    },
  },
  {
    kind: 'unknown nested key (typo)',
    yaml: VALID.replace('  train_size: 200', '  train_sise: 200'),
    expected: {
      path: 'dataset.train_sise',
      line: 4,
      column: 3,
      includes: ["unknown key 'train_sise'", "did you mean 'train_size'?", 'known keys here'],
    },
  },
  {
    kind: 'wrong type (string for an integer)',
    yaml: VALID.replace('epochs: 2', 'epochs: three'),
    expected: { path: 'train.epochs', line: 7, column: 11, includes: ['expected a number', 'found "three"'] },
  },
  {
    kind: 'wrong type (boolean for a number)',
    yaml: VALID.replace('  epochs: 2\n', '  epochs: 2\n  learning_rate: true\n'),
    expected: {
      path: 'train.learning_rate',
      line: 8,
      column: 18,
      includes: ['expected a number', 'found boolean true'],
    },
  },
  {
    kind: 'fractional integer',
    yaml: VALID.replace('train_size: 200', 'train_size: 200.5'),
    expected: {
      path: 'dataset.train_size',
      line: 4,
      column: 15,
      includes: ['expected an integer', 'found number 200.5'],
    },
  },
  {
    kind: 'missing required field',
    yaml: VALID.replace('name: t\n', ''),
    expected: { path: 'name', line: 1, includes: ['missing required field', 'a string'] },
  },
  {
    kind: 'unknown dataset name',
    yaml: VALID.replace('name: synthetic', 'name: cifar100'),
    expected: {
      path: 'dataset.name',
      line: 3,
      column: 9,
      includes: ['expected one of cifar10, synthetic', 'found "cifar100"', "did you mean 'cifar10'?"],
    },
  },
  {
    kind: 'unknown optimizer (typo)',
    yaml: VALID.replace('  epochs: 2\n', '  epochs: 2\n  optimizer: adma\n'),
    expected: {
      path: 'train.optimizer',
      line: 8,
      column: 14,
      includes: ['expected one of adam, sgd, rmsprop', "did you mean 'adam'?"],
    },
  },
  {
    kind: 'empty grid',
    yaml: VALID.replace('  grid:\n    model: [fc, cnn]', '  grid: {}'),
    expected: {
      path: 'variants.grid',
      line: 9,
      column: 9,
      includes: ['empty grid', 'expected at least one parameter'],
    },
  },
  {
    kind: 'empty grid list',
    yaml: VALID.replace('model: [fc, cnn]', 'model: [fc, cnn]\n    kernel_size: []'),
    expected: {
      path: 'variants.grid.kernel_size',
      line: 11,
      column: 18,
      includes: ['expected at least 1 item', 'empty list'],
    },
  },
  {
    kind: 'grid values not a list',
    yaml: VALID.replace('model: [fc, cnn]', 'model: cnn'),
    expected: {
      path: 'variants.grid.model',
      line: 10,
      column: 12,
      includes: ['expected a list of values', 'found "cnn"'],
    },
  },
  {
    kind: 'unknown grid parameter (typo)',
    yaml: VALID.replace('model: [fc, cnn]', 'model: [fc, cnn]\n    kernal_size: [3, 5]'),
    expected: {
      path: 'variants.grid.kernal_size',
      line: 11,
      column: 5,
      includes: ["'kernal_size' is not a parameter of the image classifier", "did you mean 'kernel_size'?"],
    },
  },
  {
    kind: 'unknown model',
    yaml: VALID.replace('model: [fc, cnn]', 'model: [fc, resnet]'),
    expected: {
      path: 'variants.grid.model[1]',
      line: 10,
      column: 17,
      includes: ['unknown model "resnet"', 'known models: fc, cnn'],
    },
  },
  {
    kind: 'option value out of range',
    yaml: VALID.replace('model: [fc, cnn]', 'model: [cnn]\n    kernel_size: [3, 13]'),
    expected: {
      path: 'variants.grid.kernel_size[1]',
      line: 11,
      column: 22,
      includes: ['image-classifier rejects kernel_size = 13', 'expected an integer from 1 to 11; got 13'],
    },
  },
  {
    kind: 'choice option typo',
    yaml: VALID.replace('model: [fc, cnn]', 'model: [cnn]\n    padding: [same, vaild]'),
    expected: {
      path: 'variants.grid.padding[1]',
      line: 11,
      column: 21,
      includes: ['expected one of valid, same', 'got "vaild"', "did you mean 'valid'?"],
    },
  },
  {
    kind: 'parameter that applies to no model in the grid',
    yaml: VALID.replace('model: [fc, cnn]', 'model: [fc]\n    kernel_size: [3, 5]'),
    expected: {
      path: 'variants.grid.kernel_size',
      line: 11,
      column: 5,
      includes: ["'kernel_size' is a parameter of model cnn, not of fc", 'fc takes units1, units2'],
    },
  },
  {
    kind: 'parameter of another model without a when condition',
    yaml: VALID.replace('model: [fc, cnn]', 'model: [fc, cnn]\n    kernel_size: [3, 5]'),
    expected: {
      path: 'variants.grid.kernel_size',
      line: 11,
      column: 5,
      includes: [
        "'kernel_size' is a parameter of model cnn, not of fc",
        'add variants.when: { kernel_size: { model: [cnn] } }',
      ],
    },
  },
  {
    kind: 'duplicate grid value (duplicate variants)',
    yaml: VALID.replace('model: [fc, cnn]', 'model: [cnn]\n    kernel_size: [3, 5, 3]'),
    expected: {
      path: 'variants.grid.kernel_size[2]',
      line: 11,
      column: 25,
      includes: ['duplicate value 3', 'already at index 0'],
    },
  },
  {
    kind: 'negative seed',
    yaml: VALID.replace('seeds: [0, 1]', 'seeds: [0, -1]'),
    expected: {
      path: 'seeds[1]',
      line: 11,
      column: 12,
      includes: ['expected a number ≥ 0', 'found number -1'],
    },
  },
  {
    kind: 'duplicate seed',
    yaml: VALID.replace('seeds: [0, 1]', 'seeds: [0, 1, 0]'),
    expected: {
      path: 'seeds[2]',
      line: 11,
      column: 15,
      includes: ['duplicate seed 0', 'already at seeds[0]'],
    },
  },
  {
    kind: 'seeds of the wrong type',
    yaml: VALID.replace('seeds: [0, 1]', 'seeds: five'),
    expected: {
      path: 'seeds',
      line: 11,
      column: 8,
      includes: ['expected a list of seeds', '{count: 5, start: 0}', 'found "five"'],
    },
  },
  {
    kind: 'seed count below one, typo in start',
    yaml: VALID.replace('seeds: [0, 1]', 'seeds: {count: 0, strat: 1}'),
    expected: {
      path: 'seeds.count',
      line: 11,
      column: 16,
      includes: ['expected a number ≥ 1', 'found number 0'],
    },
  },
  {
    kind: 'seeds beyond 32 bits',
    yaml: VALID.replace('seeds: [0, 1]', 'seeds: {count: 3, start: 4294967294}'),
    expected: {
      path: 'seeds',
      line: 11,
      column: 8,
      includes: ['seeds run up to 4294967296', 'the largest seed is 4294967295'],
    },
  },
  {
    kind: 'concurrency below one',
    yaml: `${VALID}concurrency: 0\n`,
    expected: {
      path: 'concurrency',
      line: 12,
      column: 14,
      includes: ['expected a number ≥ 1', 'found number 0'],
    },
  },
  {
    kind: 'unknown queue',
    yaml: `${VALID}queue: tpu\n`,
    expected: { path: 'queue', line: 12, column: 8, includes: ['expected one of cpu, gpu', 'found "tpu"'] },
  },
  {
    kind: 'controlled: true with two varying factors',
    yaml: `${VALID.replace('model: [fc, cnn]', 'model: [fc, cnn]\n    kernel_size: [3, 5]')}controlled: true\n`,
    expected: {
      path: 'controlled',
      line: 13,
      column: 13,
      includes: ['exactly one varying factor', '2 vary: model, kernel_size'],
    },
  },
  {
    kind: 'controlled: true with nothing varying',
    yaml: `${VALID.replace('model: [fc, cnn]', 'model: [cnn]')}controlled: true\n`,
    expected: { path: 'controlled', line: 12, includes: ['exactly one varying factor', 'none varies'] },
  },
  {
    kind: 'comparison naming a factor that does not vary',
    yaml: `${VALID.replace('model: [fc, cnn]', 'model: [cnn]\n    kernel_size: [3, 5]')}comparisons:\n  - a: {model: cnn}\n    b: {kernel_size: 3}\n`,
    expected: {
      path: 'comparisons[0].a.model',
      line: 14,
      column: 9,
      includes: ["'model' is not a factor that varies", 'varying factors: kernel_size'],
    },
  },
  {
    kind: 'comparison value that selects no group',
    yaml: `${VALID.replace('model: [fc, cnn]', 'model: [cnn]\n    kernel_size: [3, 5]')}comparisons:\n  - a: {kernel_size: 7}\n    b: {kernel_size: 3}\n`,
    expected: {
      path: 'comparisons[0].a.kernel_size',
      line: 14,
      column: 22,
      includes: ['no group has kernel_size=7', 'values in this sweep: 3, 5'],
    },
  },
  {
    kind: 'comparison combination that selects no group',
    yaml: `${VALID.replace('model: [fc, cnn]', 'model: [fc, cnn]\n    kernel_size: [3, 5]\n  when: {kernel_size: {model: [cnn]}}')}comparisons:\n  - a: {model: fc, kernel_size: 3}\n    b: {model: cnn}\n`,
    expected: { path: 'comparisons[0].a', line: 15, column: 8, includes: ['selects no group', 'model=fc'] },
  },
  {
    kind: 'comparison side that selects several groups',
    yaml: `${VALID.replace('model: [fc, cnn]', 'model: [fc, cnn]\n    kernel_size: [3, 5]')}comparisons:\n  - a: {model: cnn}\n    b: {model: fc}\n`,
    expected: {
      path: 'comparisons[0].a',
      line: 14,
      column: 8,
      includes: ['selects 2 groups', 'model=cnn kernel_size=3; model=cnn kernel_size=5', 'add factors'],
    },
  },
  {
    kind: 'comparison of a group with itself',
    yaml: `${VALID}comparisons:\n  - a: {model: cnn}\n    b: {model: cnn}\n`,
    expected: { path: 'comparisons[0]', line: 13, includes: ["a and b both select 'model=cnn'"] },
  },
  {
    kind: 'exclude rule naming a parameter the variants lack',
    yaml: VALID.replace(
      'model: [fc, cnn]',
      'model: [fc, cnn]\n  exclude:\n    - {model: cnn, kernel_size: 5}',
    ),
    expected: {
      path: 'variants.exclude[0].kernel_size',
      line: 12,
      column: 20,
      includes: ["'kernel_size' is not a parameter of this sweep's variants"],
    },
  },
  {
    kind: 'exclude rule whose values match no variant',
    yaml: VALID.replace(
      'model: [fc, cnn]',
      'model: [fc, cnn]\n    kernel_size: [3, 5]\n  when: {kernel_size: {model: [cnn]}}\n  exclude:\n    - {model: fc, kernel_size: 5}',
    ),
    expected: {
      path: 'variants.exclude[0]',
      line: 14,
      column: 7,
      includes: ['matches no grid point or random sample'],
    },
  },
  {
    kind: 'every variant excluded',
    yaml: VALID.replace('model: [fc, cnn]', 'model: [fc, cnn]\n  exclude:\n    - {model: [fc, cnn]}'),
    expected: { path: 'variants', line: 9, includes: ['every variant is excluded'] },
  },
  {
    kind: 'neither grid nor random',
    yaml: VALID.replace('  grid:\n    model: [fc, cnn]', '  exclude: []'),
    expected: {
      path: 'variants',
      line: 9,
      includes: ["expected a 'grid' and/or 'random' search, or a 'sampler'; found none"],
    },
  },
  {
    kind: 'unknown distribution (typo)',
    yaml: VALID.replace(
      '  grid:\n    model: [fc, cnn]',
      '  random:\n    samples: 3\n    params:\n      model: {choice: [fc, cnn]}\n      learning_rate: {log_uniform: [0.0001, 0.01]}',
    ),
    expected: {
      path: 'variants.random.params.learning_rate.log_uniform',
      line: 13,
      column: 23,
      includes: ["unknown key 'log_uniform'", "did you mean 'loguniform'?"],
    },
  },
  {
    kind: 'real-valued distribution for an integer parameter',
    yaml: VALID.replace(
      '  grid:\n    model: [fc, cnn]',
      '  random:\n    samples: 3\n    params:\n      model: {choice: [cnn]}\n      kernel_size: {uniform: [3, 7]}',
    ),
    expected: {
      path: 'variants.random.params.kernel_size.uniform',
      line: 13,
      column: 21,
      includes: ['(drawn from {uniform: [3, 7]})', 'expected an integer from 1 to 11'],
    },
  },
  {
    kind: 'log-uniform range starting at zero',
    yaml: VALID.replace(
      '  grid:\n    model: [fc, cnn]',
      '  random:\n    samples: 3\n    params:\n      model: {choice: [cnn]}\n      learning_rate: {loguniform: [0, 0.01]}',
    ),
    expected: {
      path: 'variants.random.params.learning_rate.loguniform[0]',
      line: 13,
      column: 36,
      includes: ['loguniform needs low > 0', 'found 0'],
    },
  },
  {
    kind: 'sampler range the trainable refuses',
    yaml: VALID.replace(
      '  grid:\n    model: [fc, cnn]',
      '  sampler:\n    name: tpe\n    trials: 4\n    params:\n      kernel_size: {int: [3, 13]}\n      learning_rate: {loguniform: [0.0001, 0.01]}',
    ),
    expected: {
      path: 'variants.sampler.params.kernel_size.int',
      line: 13,
      column: 21,
      includes: [
        'image-classifier rejects kernel_size = 13, which {int: [3, 13]} can propose',
        'from 1 to 11',
      ],
    },
  },
  {
    kind: 'sampler range of a training setting out of bounds',
    yaml: VALID.replace(
      '  grid:\n    model: [fc, cnn]',
      '  sampler:\n    name: tpe\n    trials: 4\n    params:\n      batch_size: {int: [0, 64]}',
    ),
    expected: {
      path: 'variants.sampler.params.batch_size.int',
      line: 13,
      column: 20,
      includes: ['batch_size = 0, which {int: [0, 64]} can propose', 'expected a number ≥ 1'],
    },
  },
  {
    kind: 'duplicate random samples (duplicate variants)',
    yaml: VALID.replace(
      '  grid:\n    model: [fc, cnn]',
      '  random:\n    samples: 5\n    seed: 1\n    params:\n      model: {choice: [fc, cnn]}',
    ),
    expected: {
      path: 'variants.random.samples',
      line: 10,
      column: 14,
      includes: ['random sample(s) repeat an earlier variant', 'use fewer samples'],
    },
  },
  {
    kind: 'dataset path on generated data',
    yaml: VALID.replace('  test_size: 100', '  test_size: 100\n  path: /data/cifar.tar.gz'),
    expected: {
      path: 'dataset.path',
      line: 6,
      column: 3,
      includes: ["'path' applies only to dataset cifar10"],
    },
  },
  {
    kind: 'slice larger than CIFAR-10',
    yaml: VALID.replace('name: synthetic', 'name: cifar10').replace('train_size: 200', 'train_size: 60000'),
    expected: {
      path: 'dataset.train_size',
      line: 4,
      column: 15,
      includes: ['CIFAR-10 has 50000 training images', 'found 60000'],
    },
  },
  {
    kind: 'early stopping that can never fire',
    yaml: `${VALID}early_stopping:\n  min_epochs: 2\n`,
    expected: {
      path: 'early_stopping.min_epochs',
      line: 13,
      column: 15,
      includes: ["fewer than the trials' 2 epochs", 'found 2'],
    },
  },
  {
    kind: 'sweep name with a space',
    yaml: VALID.replace('name: t\n', 'name: my sweep\n'),
    expected: { path: 'name', line: 1, column: 7, includes: ['letters, digits', 'found "my sweep"'] },
  },
  {
    kind: 'negative learning rate in the grid',
    yaml: VALID.replace('model: [fc, cnn]', 'model: [fc, cnn]\n    learning_rate: [0.001, -0.1]'),
    expected: {
      path: 'variants.grid.learning_rate[1]',
      line: 11,
      column: 28,
      includes: ['expected a number > 0', 'found number -0.1'],
    },
  },
  {
    kind: 'grid too large',
    yaml: VALID.replace(
      'model: [fc, cnn]',
      `model: [cnn]\n    filters1: [${range(1, 20)}]\n    filters2: [${range(1, 20)}]\n    dense_units: [${range(1, 20)}]\n    kernel_size: [${range(1, 11)}]\n    padding: [valid, same]`,
    ),
    expected: {
      path: 'variants.grid',
      line: 10,
      column: 5,
      includes: ['the grid has 176000 points', 'at most 100000'],
    },
  },
  {
    kind: 'too many trials',
    yaml: VALID.replace('model: [fc, cnn]', `model: [cnn]\n    kernel_size: [${range(1, 11)}]`).replace(
      'seeds: [0, 1]',
      'seeds: {count: 10000}',
    ),
    expected: { path: 'seeds', line: 12, column: 8, includes: ['11 variants × 10000 seeds = 110000 trials'] },
  },
  {
    kind: 'bad --set override',
    yaml: VALID,
    overrides: ['train.epochs=0'],
    expected: {
      path: 'train.epochs',
      includes: ['expected a number ≥ 1', 'found number 0', '(set by --set train.epochs=0)'],
    },
  },
];

function problemsOf(yaml: string, overrides: string[] = []): SpecProblem[] {
  try {
    parseSweepSpec({ text: yaml, file: FILE, overrides });
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    const specError = error as SpecError;
    expect(specError.code).toBe('E_SPEC_INVALID');
    expect(specError.file).toBe(FILE);
    return [...specError.problems];
  }
  throw new Error('expected the spec to be rejected');
}

describe('malformed sweep specs', () => {
  it('the valid base spec is accepted', () => {
    expect(parseSweepSpec({ text: VALID, file: FILE }).name).toBe('t');
  });

  it('covers at least 20 kinds of malformed spec', () => {
    expect(new Set(CASES.map((c) => c.kind)).size).toBeGreaterThanOrEqual(20);
  });

  it.each(CASES)('$kind', ({ yaml, overrides, expected }) => {
    const problems = problemsOf(yaml, overrides);
    const problem = problems.find((p) => p.path === expected.path);
    expect(
      problem,
      `problems were:\n${problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`,
    ).toBeDefined();
    if (!problem) return;
    expect(problem.file).toBe(FILE);
    if (expected.line !== undefined) expect(problem.line).toBe(expected.line);
    if (expected.column !== undefined) expect(problem.column).toBe(expected.column);
    for (const part of expected.includes) expect(problem.message).toContain(part);
  });

  it('reports every problem at once, in document order, each with file:line:column in the message', () => {
    const yaml = `name: t
dataset:
  name: cifar100
train:
  epochs: 0
  optimiser: adam
variants:
  grid:
    model: [fc, cnn, resnet]
    kernel_size: [3, 5, 3]
seeds: [0, 1, 1]
concurrency: 0
`;
    let error: SpecError | undefined;
    try {
      parseSweepSpec({ text: yaml, file: FILE });
    } catch (e) {
      error = e as SpecError;
    }
    expect(error).toBeInstanceOf(SpecError);
    const paths = error?.problems.map((p) => p.path);
    expect(paths).toEqual([
      'dataset.name',
      'train.epochs',
      'train.optimiser',
      'variants.grid.model[2]',
      'variants.grid.kernel_size',
      'variants.grid.kernel_size[2]',
      'seeds[2]',
      'concurrency',
    ]);
    expect(error?.message).toContain('(8 problems)');
    expect(error?.message).toContain('add variants.when: { kernel_size: { model: [cnn] } }');
    expect(error?.message).toContain(
      `${FILE}:6:3: train.optimiser: unknown key 'optimiser' (did you mean 'optimizer'?)`,
    );
    expect(error?.message).toContain(`${FILE}:10:25: variants.grid.kernel_size[2]: duplicate value 3`);
  });
});

describe('a value that contains itself through a YAML alias', () => {
  it('is one located SpecError, not a TypeError from writing it out', () => {
    const yaml = VALID.replace(/^name: .*$/m, 'name: &a [*a, *a]');
    expect(yaml).not.toBe(VALID);
    let thrown: unknown;
    try {
      parseSweepSpec({ text: yaml, file: FILE });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SpecError);
    expect((thrown as SpecError).message).toMatch(/name.*a list that contains itself/s);
  });
});
