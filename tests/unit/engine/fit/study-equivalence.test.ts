/**
 * The study's image classifier rebuilt on `defineModelTrainable` (its `cnn` and `fc` from
 * `buildModel`, the image split as an indexed source) gives exactly the per-epoch metrics of today's
 * hand-written `imageClassifier` on wasm: same ops in the same order, same batches, same optimiser.
 * And its model stats are the registry's.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../../common/paths.js';
import { loadDataset } from '../../../../datasets/plugins.js';
import { z } from 'zod';
import type { DatasetSplit } from '../../../../datasets/types.js';
import type { Trial } from '../../../../domain/trial.js';
import { defineModelTrainable } from '../../../../engine/fit/define.js';
import { imageSplitData } from '../../../../engine/fit/image-source.js';
import { imageClassifier } from '../../../../engine/image-classifier.js';
import { computeModelStats } from '../../../../engine/model-stats.js';
import { buildModel } from '../../../../engine/models.js';
import { runTrainable, type RunTrainableOptions } from '../../../../engine/run-trainable.js';
import type { OptimizerName } from '../../../../engine/types.js';
import { makeSplit, useTestBackend } from '../fixtures.js';

beforeAll(async () => {
  await useTestBackend();
});

/** The study's classifier as a model trainable: what the lead rebuilds `imageClassifier` as. */
const studyOnFit = defineModelTrainable({
  name: 'image-classifier-on-fit',
  params: z.object({ model: z.string(), kernelSize: z.number().optional() }),
  build: ({ model, ...modelOptions }, { seed }) =>
    buildModel({ model, modelOptions: modelOptions as Record<string, number>, seed }),
  compile: (_params, { train }) => ({
    optimizer: { name: train.optimizer!, learningRate: train.learningRate! },
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  }),
  data: (split: DatasetSplit) => imageSplitData(split),
  batchSize: (_params, { train }) => train.batchSize!,
});

const split = makeSplit({ trainSize: 100, testSize: 300, seed: 4 });

function trial(
  modelOptions: Record<string, number | string>,
  optimizer: OptimizerName,
  trainable?: boolean,
): Trial {
  return {
    seed: 1,
    config: {
      model: trainable ? 'image-classifier-on-fit' : (modelOptions['model'] as string),
      modelOptions: trainable
        ? modelOptions
        : Object.fromEntries(Object.entries(modelOptions).filter(([k]) => k !== 'model')),
      train: { epochs: 2, batchSize: 32, optimizer, learningRate: 0.001 },
      dataset: { name: 'synthetic', trainSize: 100, testSize: 300 },
      ...(trainable ? { trainable: { module: '/tests/study.ts', export: 'studyOnFit' } } : {}),
    },
  };
}

const run = (trainable: unknown, t: Trial) =>
  runTrainable({
    trainable: trainable as RunTrainableOptions['trainable'],
    trial: t,
    dataset: split,
    datasetFingerprint: split.fingerprint,
    backend: { name: 'wasm', version: 'test' },
  });

const curves = (epochs: readonly Record<string, number>[]) =>
  epochs.map((m) => [m['trainLoss'], m['trainAccuracy'], m['testLoss'], m['testAccuracy']]);

describe('the study on defineModelTrainable', () => {
  it.each([
    ['cnn', 'adam', { model: 'cnn' }],
    ['cnn 5×5', 'rmsprop', { model: 'cnn', kernelSize: 5 }],
    ['fc', 'adam', { model: 'fc' }],
    ['fc', 'sgd', { model: 'fc' }],
  ] as const)(
    '%s with %s: the per-epoch metrics of imageClassifier, bit for bit',
    async (_name, optimizer, options) => {
      const reference = await run(imageClassifier, trial(options, optimizer));
      const rebuilt = await run(studyOnFit, trial(options, optimizer, true));
      expect(curves(rebuilt.epochs)).toEqual(curves(reference.epochs));
      expect(rebuilt.epochs[0]!['imagesPerSecond']).toBeGreaterThan(0);
      expect(rebuilt.trainingPath).toBe('eager');
      const { model, ...modelOptions } = options as Record<string, number | string>;
      const registry = computeModelStats({ model: model as string, modelOptions });
      expect(rebuilt.modelStats).toMatchObject(registry);
      expect(reference.modelStats).toEqual(registry);
    },
  );
});

const CIFAR10 = path.resolve(PACKAGE_ROOT, '..', 'shared', 'datasets', 'cifar-10-binary.tar.gz');

describe.runIf(existsSync(CIFAR10))('the study on defineModelTrainable, on CIFAR-10', () => {
  it('cnn 5×5 gives the pinned per-epoch metrics of tests/unit/examples (seedsweep train at 08cdb6a)', async () => {
    const dataset = { name: 'cifar10', path: CIFAR10, trainSize: 512, testSize: 256 } as const;
    const { value, fingerprint } = await loadDataset(dataset);
    const result = await runTrainable({
      trainable: studyOnFit as unknown as RunTrainableOptions['trainable'],
      trial: {
        seed: 1,
        config: {
          model: 'image-classifier-on-fit',
          modelOptions: { model: 'cnn', kernelSize: 5 },
          train: { epochs: 2, batchSize: 64, optimizer: 'adam', learningRate: 0.001 },
          dataset,
          trainable: { module: '/tests/study.ts', export: 'studyOnFit' },
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
