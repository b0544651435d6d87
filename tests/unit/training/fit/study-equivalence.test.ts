/**
 * The study's image classifier, now a `defineModelTrainable` (src/models/image-classifier/trainable.ts), gives
 * exactly the per-epoch metrics of the hand-written classifier it replaced, on wasm: same ops in the
 * same order, same batches, same optimiser. The figures were recorded from that classifier at commit
 * 54a45c9 (this test's former reference run), so any drift fails here.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import { loadDataset } from '../../../../src/datasets/plugins.js';
import type { Trial } from '../../../../src/core/domain/trial.js';
import { imageClassifier } from '../../../../src/models/image-classifier/trainable.js';
import { runTrainable, type RunTrainableOptions } from '../../../../src/training/runner/run-trainable.js';
import type { OptimizerName } from '../../../../src/training/runner/types.js';
import { makeSplit, useTestBackend } from '../fixtures.js';

beforeAll(async () => {
  await useTestBackend();
});

const split = makeSplit({ trainSize: 100, testSize: 300, seed: 4 });

function trial(modelOptions: Record<string, number | string>, optimizer: OptimizerName): Trial {
  return {
    seed: 1,
    config: {
      model: 'image-classifier',
      modelOptions,
      train: { epochs: 2, batchSize: 32, optimizer, learningRate: 0.001 },
      dataset: { name: 'synthetic', trainSize: 100, testSize: 300 },
    },
  };
}

const run = (t: Trial) =>
  runTrainable({
    trainable: imageClassifier as unknown as RunTrainableOptions['trainable'],
    trial: t,
    dataset: split,
    datasetFingerprint: split.fingerprint,
    backend: { name: 'wasm', version: 'test' },
  });

const curves = (epochs: readonly Record<string, number>[]) =>
  epochs.map((m) => [m['trainLoss'], m['trainAccuracy'], m['testLoss'], m['testAccuracy']]);

describe('the study on defineModelTrainable', () => {
  // [trainLoss, trainAccuracy, testLoss, testAccuracy] per epoch of the hand-written classifier (54a45c9).
  it.each([
    [
      'cnn',
      'adam',
      { model: 'cnn' },
      [
        [2.3356432247161867, 0.11, 2.2733191426595054, 0.1],
        [2.2708706569671633, 0.08, 2.253055903116862, 0.19333333333333333],
      ],
      315_722,
    ],
    [
      'cnn 5×5',
      'rmsprop',
      { model: 'cnn', kernel_size: 5 },
      [
        [2.3868894004821777, 0.08, 2.3143657938639324, 0.1],
        [2.3143110275268555, 0.07, 2.29744509379069, 0.10333333333333333],
      ],
      259_914,
    ],
    [
      'fc',
      'adam',
      { model: 'fc' },
      [
        [2.7863660621643067, 0.09, 3.604269561767578, 0.12],
        [3.372928333282471, 0.1, 2.909364725748698, 0.1],
      ],
      1_707_274,
    ],
    [
      'fc',
      'sgd',
      { model: 'fc' },
      [
        [2.3981315898895263, 0.1, 2.3847772216796876, 0.11666666666666667],
        [2.352780065536499, 0.12, 2.344608332316081, 0.14],
      ],
      1_707_274,
    ],
  ] as const)(
    '%s with %s: the per-epoch metrics of the hand-written classifier, bit for bit',
    async (_name, optimizer, options, pinned, totalParams) => {
      const result = await run(trial(options, optimizer));
      expect(curves(result.epochs)).toEqual(pinned);
      expect(result.epochs[0]!['imagesPerSecond']).toBeGreaterThan(0);
      expect(result.trainingPath).toBe('eager');
      expect(result.modelStats?.totalParams).toBe(totalParams);
    },
  );
});

const CIFAR10 = path.resolve(PACKAGE_ROOT, '..', 'shared', 'datasets', 'cifar-10-binary.tar.gz');

describe.runIf(existsSync(CIFAR10))('the study on defineModelTrainable, on CIFAR-10', () => {
  it('cnn 5×5 gives the pinned per-epoch metrics of tests/unit/examples (seedsweep train at 08cdb6a)', async () => {
    const dataset = { name: 'cifar10', path: CIFAR10, trainSize: 512, testSize: 256 } as const;
    const { value, fingerprint } = await loadDataset(dataset);
    const result = await runTrainable({
      trainable: imageClassifier as unknown as RunTrainableOptions['trainable'],
      trial: {
        seed: 1,
        config: {
          model: 'image-classifier',
          modelOptions: { model: 'cnn', kernel_size: 5 },
          train: { epochs: 2, batchSize: 64, optimizer: 'adam', learningRate: 0.001 },
          dataset,
        },
      },
      dataset: value,
      datasetFingerprint: fingerprint,
      backend: { name: 'wasm', version: 'test' },
    });
    expect(curves(result.epochs)).toEqual([
      [2.3146513402462006, 0.08984375, 2.2832324504852295, 0.109375],
      [2.262749969959259, 0.1796875, 2.2363295555114746, 0.18359375],
    ]);
  });
});
