/** Expansion of specs into trials: counts, merging, determinism, keys, random search. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TrialConfig } from '../../../src/training/runner/types.js';
import {
  canonicalJson,
  expandSweep,
  expandVariants,
  groupKeyOf,
  matchesSelector,
  trialKeyOf,
  trialsOfPoint,
  varyingFactors,
} from '../../../src/sweep-spec/expand.js';
import { parseSweepSpec } from '../../../src/sweep-spec/load.js';
import type { SweepSpec } from '../../../src/sweep-spec/schema.js';

const FP = 'fingerprint-0123';

function spec(yaml: string): SweepSpec {
  return parseSweepSpec({ text: yaml, file: 'test.yaml' });
}

const STUDY = `name: study
dataset: {name: cifar10, train_size: 10000, test_size: 2000}
train: {epochs: 5}
variants:
  grid:
    model: [fc, cnn]
    kernel_size: [3, 5]
  when: {kernel_size: {model: [cnn]}}
seeds: {count: 5}
`;

/** The study's CNN 3×3 in the key form its configs hash in (src/core/domain/builtin-trainable.ts). */
const CONFIG: TrialConfig = {
  model: 'cnn',
  modelOptions: { kernelSize: 3, filters1: 32, filters2: 64, padding: 'valid', denseUnits: 128 },
  train: { epochs: 5, batchSize: 64, optimizer: 'adam', learningRate: 0.001 },
  dataset: { name: 'cifar10', trainSize: 10000, testSize: 2000, sliceSeed: 0 },
};

/** The same trial as the image classifier's config: its parameters by their spec names. */
const TODAY: TrialConfig = {
  model: 'image-classifier',
  modelOptions: { model: 'cnn', kernel_size: 3 },
  train: CONFIG.train,
  dataset: CONFIG.dataset,
};

describe('expandSweep', () => {
  it('merges points that a when condition makes equal (fc appears once, not once per kernel size)', () => {
    const trials = expandSweep({ spec: spec(STUDY), datasetFingerprint: FP });
    expect(trials).toHaveLength(15);
    expect([...new Set(trials.map((t) => t.groupLabel))]).toEqual([
      'model=fc',
      'model=cnn kernel_size=3',
      'model=cnn kernel_size=5',
    ]);
    expect(new Set(trials.map((t) => t.groupKey)).size).toBe(3);
    expect(new Set(trials.map((t) => t.trialKey)).size).toBe(15);
    const fc = trials.find((t) => t.config.modelOptions['model'] === 'fc');
    expect(fc?.factors).toEqual({ model: 'fc' });
    expect(fc?.config.modelOptions).toEqual({ model: 'fc' });
    expect(fc?.config.trainable).toBeUndefined(); // the built-in, named by omission
    expect(expandVariants(spec(STUDY)).mergedGridPoints).toBe(1);
  });

  it('orders trials seed-major; configs name the image classifier and its parameters', () => {
    const trials = expandSweep({ spec: spec(STUDY), datasetFingerprint: FP });
    expect(trials.map((t) => t.seed)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
    const cnn5 = trials.find((t) => t.groupLabel === 'model=cnn kernel_size=5');
    expect(cnn5?.config).toEqual({ ...TODAY, modelOptions: { model: 'cnn', kernel_size: 5 } });
    expect(cnn5?.trialKey).toBe(
      trialKeyOf({
        config: { ...CONFIG, modelOptions: { ...CONFIG.modelOptions, kernelSize: 5 } },
        seed: cnn5!.seed,
        datasetFingerprint: FP,
      }),
    );
    expect(cnn5?.factors).toEqual({ model: 'cnn', kernel_size: 5 });
    expect(cnn5?.queue).toBe('cpu');
  });

  it('is deterministic: the same spec expands to the same trials', () => {
    const a = expandSweep({ spec: spec(STUDY), datasetFingerprint: FP });
    const b = expandSweep({ spec: spec(STUDY), datasetFingerprint: FP });
    expect(b).toEqual(a);
  });

  it('maps training parameters onto train settings and labels varying ones only', () => {
    const trials = expandSweep({
      spec: spec(`name: lr
dataset: {name: synthetic}
train: {optimizer: sgd}
variants:
  grid:
    model: [cnn]
    learning_rate: [0.01, 0.1]
    batch_size: [32]
    padding: [same]
seeds: [3]
`),
      datasetFingerprint: FP,
    });
    expect(trials.map((t) => t.groupLabel)).toEqual(['learning_rate=0.01', 'learning_rate=0.1']);
    expect(trials[0]?.config.train).toEqual({
      epochs: 10,
      batchSize: 32,
      optimizer: 'sgd',
      learningRate: 0.01,
    });
    expect(trials[0]?.config.modelOptions['padding']).toBe('same');
    expect(varyingFactors(trials)).toEqual(['learning_rate']);
  });

  it('applies exclude rules', () => {
    const trials = expandSweep({
      spec: spec(
        `${STUDY}`
          .replace('seeds: {count: 5}', 'seeds: [0]\n')
          .replace(
            '    kernel_size: [3, 5]',
            '    kernel_size: [3, 5]\n  exclude:\n    - {model: cnn, kernel_size: 5}',
          ),
      ),
      datasetFingerprint: FP,
    });
    expect(trials.map((t) => t.groupLabel)).toEqual(['model=fc', 'model=cnn']);
  });
});

describe('trial and group keys', () => {
  it('trial key is the SHA-256 of the documented canonical JSON (golden value)', () => {
    const canonical =
      '{"config":{"dataset":{"name":"cifar10","sliceSeed":0,"testSize":2000,"trainSize":10000},"model":"cnn",' +
      '"modelOptions":{"denseUnits":128,"filters1":32,"filters2":64,"kernelSize":3,"padding":"valid"},' +
      '"train":{"batchSize":64,"epochs":5,"learningRate":0.001,"optimizer":"adam"}},"dataset":"abc","kind":"trial","seed":0,"v":1}';
    const key = trialKeyOf({ config: CONFIG, seed: 0, datasetFingerprint: 'abc' });
    expect(key).toBe(createHash('sha256').update(canonical).digest('hex'));
    expect(key).toBe('44e050af79bcff116e487551d210a3b9d7db8a423a35a1525a3eb64571c27d02');
    expect(groupKeyOf({ config: CONFIG, datasetFingerprint: 'abc' })).toBe(
      '87e39c618bd886f5384c7b10105cf0b655e999306c6a75f2ddffdd6d7b8b9084',
    );
    // The image classifier's config of that trial hashes in that form: the same keys.
    expect(trialKeyOf({ config: TODAY, seed: 0, datasetFingerprint: 'abc' })).toBe(key);
    expect(groupKeyOf({ config: TODAY, datasetFingerprint: 'abc' })).toBe(
      '87e39c618bd886f5384c7b10105cf0b655e999306c6a75f2ddffdd6d7b8b9084',
    );
  });

  it('does not depend on key order', () => {
    const reordered: TrialConfig = {
      dataset: { sliceSeed: 0, testSize: 2000, trainSize: 10000, name: 'cifar10' },
      train: { learningRate: 0.001, optimizer: 'adam', batchSize: 64, epochs: 5 },
      modelOptions: { padding: 'valid', denseUnits: 128, kernelSize: 3, filters2: 64, filters1: 32 },
      model: 'cnn',
    };
    expect(trialKeyOf({ config: reordered, seed: 0, datasetFingerprint: 'abc' })).toBe(
      trialKeyOf({ config: CONFIG, seed: 0, datasetFingerprint: 'abc' }),
    );
  });

  it('depends on the seed, the config and the dataset fingerprint', () => {
    const base = trialKeyOf({ config: CONFIG, seed: 0, datasetFingerprint: 'abc' });
    expect(trialKeyOf({ config: CONFIG, seed: 1, datasetFingerprint: 'abc' })).not.toBe(base);
    expect(trialKeyOf({ config: CONFIG, seed: 0, datasetFingerprint: 'abd' })).not.toBe(base);
    const k5 = { ...CONFIG, modelOptions: { ...CONFIG.modelOptions, kernelSize: 5 } };
    expect(trialKeyOf({ config: k5, seed: 0, datasetFingerprint: 'abc' })).not.toBe(base);
    const lr = { ...CONFIG, train: { ...CONFIG.train, learningRate: 0.002 } };
    expect(trialKeyOf({ config: lr, seed: 0, datasetFingerprint: 'abc' })).not.toBe(base);
  });

  it('does not depend on dataset.path (where the bytes are is not what they are)', () => {
    const withPath = { ...CONFIG, dataset: { ...CONFIG.dataset, path: '/data/cifar-10-binary.tar.gz' } };
    expect(trialKeyOf({ config: withPath, seed: 0, datasetFingerprint: 'abc' })).toBe(
      trialKeyOf({ config: CONFIG, seed: 0, datasetFingerprint: 'abc' }),
    );
    expect(groupKeyOf({ config: withPath, datasetFingerprint: 'abc' })).toBe(
      groupKeyOf({ config: CONFIG, datasetFingerprint: 'abc' }),
    );
    const pathed = spec(STUDY.replace('test_size: 2000}', 'test_size: 2000, path: /elsewhere/cifar}'));
    expect(expandSweep({ spec: pathed, datasetFingerprint: FP }).map((t) => t.trialKey)).toEqual(
      expandSweep({ spec: spec(STUDY), datasetFingerprint: FP }).map((t) => t.trialKey),
    );
  });

  it('group keys are shared by the seeds of a group and differ from trial keys', () => {
    const trials = expandSweep({ spec: spec(STUDY), datasetFingerprint: FP });
    for (const label of new Set(trials.map((t) => t.groupLabel))) {
      const group = trials.filter((t) => t.groupLabel === label);
      expect(group).toHaveLength(5);
      expect(new Set(group.map((t) => t.groupKey)).size).toBe(1);
      expect(group.map((t) => t.trialKey)).not.toContain(group[0]?.groupKey);
    }
  });

  it('adding a seed adds only new keys; adding a variant keeps the existing keys', () => {
    const before = expandSweep({ spec: spec(STUDY), datasetFingerprint: FP }).map((t) => t.trialKey);
    const moreSeeds = expandSweep({
      spec: spec(STUDY.replace('{count: 5}', '{count: 6}')),
      datasetFingerprint: FP,
    }).map((t) => t.trialKey);
    expect(moreSeeds).toHaveLength(18);
    expect(moreSeeds.filter((k) => !before.includes(k))).toHaveLength(3);
    expect(before.every((k) => moreSeeds.includes(k))).toBe(true);
    const moreKernels = expandSweep({
      spec: spec(STUDY.replace('[3, 5]', '[3, 5, 7]')),
      datasetFingerprint: FP,
    }).map((t) => t.trialKey);
    expect(moreKernels).toHaveLength(20);
    expect(before.every((k) => moreKernels.includes(k))).toBe(true);
  });

  it('canonical JSON sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: undefined }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[1,{"f":2}]},"b":1}',
    );
  });
});

describe('random search', () => {
  const RANDOM = `name: rs
dataset: {name: synthetic, train_size: 200, test_size: 100}
variants:
  random:
    samples: 12
    seed: 42
    params:
      model: {choice: [fc, cnn]}
      learning_rate: {loguniform: [0.0001, 0.1]}
      kernel_size: {int: [2, 7]}
      batch_size: {choice: [16, 32, 64, 128]}
      units1: {int: [64, 1024]}
  when: {kernel_size: {model: [cnn]}, units1: {model: [fc]}}
seeds: [0, 1]
`;

  it('is seeded: the same seed gives the same samples, another seed others', () => {
    const a = expandSweep({ spec: spec(RANDOM), datasetFingerprint: FP });
    expect(expandSweep({ spec: spec(RANDOM), datasetFingerprint: FP })).toEqual(a);
    expect(a).toHaveLength(24);
    const b = expandSweep({ spec: spec(RANDOM.replace('seed: 42', 'seed: 43')), datasetFingerprint: FP });
    expect(b.map((t) => t.groupKey)).not.toEqual(a.map((t) => t.groupKey));
  });

  it('draws inside the distributions and only applicable parameters reach the config', () => {
    const variants = expandVariants(spec(RANDOM)).variants;
    expect(variants).toHaveLength(12);
    for (const v of variants) {
      expect(v.config.train.learningRate).toBeGreaterThanOrEqual(0.0001);
      expect(v.config.train.learningRate).toBeLessThanOrEqual(0.1);
      expect(Number(v.config.train.learningRate!.toPrecision(6))).toBe(v.config.train.learningRate);
      expect([16, 32, 64, 128]).toContain(v.config.train.batchSize);
      if (v.config.modelOptions['model'] === 'cnn') {
        expect(v.config.modelOptions['kernel_size']).toBeGreaterThanOrEqual(2);
        expect(v.config.modelOptions['kernel_size']).toBeLessThanOrEqual(7);
        expect(v.factors).not.toHaveProperty('units1');
      } else {
        expect(v.config.modelOptions).not.toHaveProperty('kernel_size');
        expect(v.factors).not.toHaveProperty('kernel_size');
      }
    }
    expect(new Set(variants.map((v) => v.config.modelOptions['model']))).toEqual(new Set(['fc', 'cnn']));
  });

  it('log-uniform draws spread over the decades (not bunched at the top)', () => {
    const many = spec(
      RANDOM.replace('samples: 12', 'samples: 400').replace(
        / {6}kernel_size.*\n {6}batch_size.*\n {6}units1.*\n {2}when.*\n/,
        '',
      ),
    );
    const rates = expandVariants(many).variants.map((v) => v.config.train.learningRate!);
    const belowMilli = rates.filter((r) => r < 0.001).length / rates.length;
    // log-uniform over 3 decades puts a third below 1e-3; uniform would put 0.9 %.
    expect(belowMilli).toBeGreaterThan(0.25);
    expect(belowMilli).toBeLessThan(0.42);
  });

  it('a grid and a random search together give their union', () => {
    const both = spec(`name: both
dataset: {name: synthetic}
variants:
  grid:
    model: [fc]
  random:
    samples: 3
    params:
      model: {choice: [cnn]}
      kernel_size: {int: [3, 9]}
      filters1: {int: [8, 64]}
seeds: [0]
`);
    const variants = expandVariants(both).variants;
    expect(variants.map((v) => v.origin.kind)).toEqual(['grid', 'random', 'random', 'random']);
  });
});

describe('a sampler proposal of the image classifier', () => {
  it('becomes a config of the built-in: its training settings in train, the rest its parameters', () => {
    const sampled = spec(`name: search
dataset: {name: synthetic}
params: {model: cnn}
variants:
  sampler:
    name: tpe
    trials: 4
    params: {kernel_size: {int: [2, 7]}, learning_rate: {loguniform: [0.0001, 0.01]}}
seeds: [0, 1]
`);
    const trials = trialsOfPoint({
      spec: sampled,
      datasetFingerprint: FP,
      point: { kernel_size: 5, learning_rate: 0.003 },
      seeds: sampled.seeds,
      reason: 'sampler tpe: configuration 1 of 4',
    });
    expect(trials.map((t) => t.seed)).toEqual([0, 1]);
    expect(trials[0]!.config).toEqual({
      model: 'image-classifier',
      modelOptions: { model: 'cnn', kernel_size: 5 },
      train: { epochs: 10, batchSize: 64, optimizer: 'adam', learningRate: 0.003 },
      dataset: { name: 'synthetic', sliceSeed: 0 },
    });
    expect(trials[0]!.groupLabel).toBe('kernel_size=5 learning_rate=0.003');
    expect(trials[0]!.factors).toEqual({ kernel_size: 5, learning_rate: 0.003 });
    expect(trials[0]!.reason).toBe('sampler tpe: configuration 1 of 4');
  });
});

describe('varyingFactors and selectors', () => {
  it('finds factors with more than one value, also on a subset of trials', () => {
    const trials = expandSweep({ spec: spec(STUDY), datasetFingerprint: FP });
    expect(varyingFactors(trials)).toEqual(['model', 'kernel_size']);
    expect(varyingFactors(trials.filter((t) => t.config.modelOptions['model'] === 'cnn'))).toEqual([
      'kernel_size',
    ]);
    expect(varyingFactors(trials.filter((t) => t.groupLabel !== 'model=cnn kernel_size=5'))).toEqual([
      'model',
    ]);
    expect(varyingFactors([])).toEqual([]);
  });

  it('matchesSelector requires every named factor, comparing 3 and "3" as equal', () => {
    expect(matchesSelector({ model: 'cnn' }, { model: 'cnn', kernel_size: 3 })).toBe(true);
    expect(matchesSelector({ kernel_size: '3' }, { model: 'cnn', kernel_size: 3 })).toBe(true);
    expect(matchesSelector({ model: 'cnn', kernel_size: 5 }, { model: 'cnn', kernel_size: 3 })).toBe(false);
    expect(matchesSelector({ kernel_size: 3 }, { model: 'fc' })).toBe(false);
  });
});
