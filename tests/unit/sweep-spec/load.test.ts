/** Loading specs: defaults, seeds forms, overrides, file resolution, suggestions. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSweepSpec, parseSweepSpec } from '../../../src/sweep-spec/load.js';
import { closest, editDistance } from '../../../src/sweep-spec/suggest.js';

const MINIMAL = `name: minimal
dataset: {name: synthetic}
variants: {grid: {model: [cnn]}}
seeds: [0]
`;

describe('parseSweepSpec', () => {
  it('fills every default (the values docs/sweep-spec.md states)', () => {
    expect(parseSweepSpec({ text: MINIMAL, file: 'm.yaml' })).toEqual({
      name: 'minimal',
      dataset: { name: 'synthetic', sliceSeed: 0 },
      train: { epochs: 10, batchSize: 64, optimizer: 'adam', learningRate: 0.001 },
      variants: { grid: { model: ['cnn'] }, exclude: [] },
      seeds: [0],
      concurrency: 2,
      retries: { maxAttempts: 3, initialIntervalSeconds: 5, backoffCoefficient: 2 },
      timeouts: { trialMinutes: 180, heartbeatSeconds: 300 },
      queue: 'cpu',
      comparisons: [],
      controlled: false,
      objective: { metric: 'testAccuracy', mode: 'max' },
      reuse: true,
    });
  });

  it('converts every snake_case field, the seed range form and exclude scalars', () => {
    const spec = parseSweepSpec({
      text: `name: full
description: all fields
dataset: {name: cifar10, train_size: 1000, test_size: 500, slice_seed: 3, path: /tmp/cifar}
train: {epochs: 4, batch_size: 32, optimizer: sgd, learning_rate: 0.05}
variants:
  grid: {model: [fc, cnn], kernel_size: [3, 5]}
  when: {kernel_size: {model: cnn}}
  exclude: [{model: cnn, kernel_size: 5}]
  random: {samples: 2, seed: 9, params: {model: {choice: [cnn]}, learning_rate: {uniform: [0.01, 0.02]}}}
seeds: {count: 3, start: 10}
concurrency: 4
retries: {max_attempts: 5, initial_interval_seconds: 1.5, backoff_coefficient: 1}
timeouts: {trial_minutes: 30, heartbeat_seconds: 60}
queue: gpu
early_stopping: {metric: test_loss, min_epochs: 1, min_trials: 2}
comparisons: [{a: {model: cnn, learning_rate: 0.05}, b: {model: fc}}]
`,
      file: 'full.yaml',
    });
    expect(spec).toMatchObject({
      description: 'all fields',
      dataset: { name: 'cifar10', trainSize: 1000, testSize: 500, sliceSeed: 3, path: '/tmp/cifar' },
      train: { epochs: 4, batchSize: 32, optimizer: 'sgd', learningRate: 0.05 },
      seeds: [10, 11, 12],
      concurrency: 4,
      retries: { maxAttempts: 5, initialIntervalSeconds: 1.5, backoffCoefficient: 1 },
      timeouts: { trialMinutes: 30, heartbeatSeconds: 60 },
      queue: 'gpu',
      earlyStopping: { rule: 'median', metric: 'test_loss', minEpochs: 1, minTrials: 2 },
      comparisons: [
        {
          name: 'model=cnn learning_rate=0.05 vs model=fc',
          a: { model: 'cnn', learning_rate: 0.05 },
          b: { model: 'fc' },
        },
      ],
    });
    expect(spec.variants.exclude).toEqual([{ model: ['cnn'], kernel_size: [5] }]);
    expect(spec.variants.random?.params['learning_rate']).toEqual({ kind: 'uniform', low: 0.01, high: 0.02 });
  });

  it('applies --set overrides as YAML values before validation', () => {
    const spec = parseSweepSpec({
      text: MINIMAL,
      file: 'm.yaml',
      overrides: [
        'dataset.train_size=50000',
        'seeds={count: 2, start: 5}',
        'variants.grid.kernel_size=[3, 5]',
        'description=full data',
      ],
    });
    expect(spec.dataset.trainSize).toBe(50000);
    expect(spec.seeds).toEqual([5, 6]);
    expect(spec.variants.grid).toEqual({ model: ['cnn'], kernel_size: [3, 5] });
    expect(spec.description).toBe('full data');
  });

  it('rejects malformed overrides with E_BAD_ARGUMENT', () => {
    expect(() => parseSweepSpec({ text: MINIMAL, file: 'm.yaml', overrides: ['train_size'] })).toThrow(
      expect.objectContaining({ code: 'E_BAD_ARGUMENT', message: expect.stringContaining('path=value') }),
    );
    expect(() => parseSweepSpec({ text: MINIMAL, file: 'm.yaml', overrides: ['name.inner=1'] })).toThrow(
      expect.objectContaining({
        code: 'E_BAD_ARGUMENT',
        message: expect.stringContaining('cannot set name.inner'),
      }),
    );
  });

  it('an override typo is an unknown key, attributed to the --set', () => {
    expect(() =>
      parseSweepSpec({ text: MINIMAL, file: 'm.yaml', overrides: ['dataset.train_sise=5'] }),
    ).toThrow(
      /dataset\.train_sise: unknown key 'train_sise' \(did you mean 'train_size'\?\).*\(set by --set dataset\.train_sise=5\)/,
    );
  });

  it('accepts YAML anchors, aliases and comments', () => {
    const spec = parseSweepSpec({
      text: `# a comment
name: anchors
dataset: {name: synthetic}
variants:
  grid:
    model: &models [fc, cnn] # reused below
  random:
    samples: 2
    params:
      model: {choice: *models}
      learning_rate: {loguniform: [0.0001, 0.01]}
seeds: [0]
`,
      file: 'a.yaml',
    });
    expect(spec.variants.grid?.['model']).toEqual(['fc', 'cnn']);
    expect(spec.variants.random?.params['model']).toEqual({ kind: 'choice', values: ['fc', 'cnn'] });
  });
});

describe('loadSweepSpec', () => {
  it('reads a file and names it in errors', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-spec-'));
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, MINIMAL.replace('seeds: [0]', 'seeds: [0, 0]'));
    await expect(loadSweepSpec(file)).rejects.toThrow(`${file}:4:12: seeds[1]: duplicate seed 0`);
    writeFileSync(file, MINIMAL);
    expect((await loadSweepSpec(file)).name).toBe('minimal');
  });

  it('a missing file is E_SPEC_NOT_FOUND listing the shipped sweeps', async () => {
    await expect(loadSweepSpec('/nonexistent/spec.yaml')).rejects.toMatchObject({
      code: 'E_SPEC_NOT_FOUND',
      message: expect.stringContaining('cifar10-study'),
    });
  });

  // They were a TypeError from fileURLToPath, printed as "unexpected error" with a stack.
  it.each([
    [
      'trainable: file://host/x.ts#t',
      /^trainable "file:\/\/host\/x\.ts#t" is not a file this system can open \(.+\): a file URL must be local, file:\/\/\/path/,
    ],
    [
      'dataset: {module: "file:///a%2Fb.ts#d"}',
      /^dataset\.module "file:\/\/\/a%2Fb\.ts#d" is not a file this system can open \(.+encoded.+\)/,
    ],
  ])('a file URL the system cannot open (%s) is E_BAD_MODULE_REF naming the field', async (line, message) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-spec-'));
    const file = path.join(dir, 'url.yaml');
    writeFileSync(file, `name: url\n${line}\nvariants: {grid: {a: [1]}}\nseeds: [0]\n`);
    await expect(loadSweepSpec(file)).rejects.toMatchObject({ code: 'E_BAD_MODULE_REF', message });
  });
});

describe('did-you-mean suggestions', () => {
  it('measures edits, counting a transposition as one', () => {
    expect(editDistance('kernel', 'kernel')).toBe(0);
    expect(editDistance('kernal', 'kernel')).toBe(1);
    expect(editDistance('kenrel', 'kernel')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests close names, ignoring case and separators, and nothing for far ones', () => {
    expect(closest('learningRate', ['learning_rate', 'batch_size'])).toBe('learning_rate');
    expect(closest('batchsize', ['learning_rate', 'batch_size'])).toBe('batch_size');
    expect(closest('lr', ['learning_rate', 'batch_size'])).toBeUndefined();
    expect(closest('x', [])).toBeUndefined();
  });
});
