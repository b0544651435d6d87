/**
 * The study's trainable: the image classifier (`fc` or `cnn`, src/models/image-classifier/params.ts) on
 * a built-in image split (CIFAR-10 or synthetic), made with `defineModelTrainable` like any user's
 * model trainable. The fit loop owns what decides the outcome and makes it explicit and seeded: weight
 * init from the trial seed (each layer's Glorot kernel seeded from it), data order from (seed, epoch)
 * only, and a checkpoint after every epoch holding weights and optimiser state, so a resumed trial
 * ends bit-identical to an uninterrupted one on the same backend. Batch size, optimiser and learning
 * rate come from the trial's `train` settings (defaults: batch 64, Adam, 0.001).
 */
import { UserError } from '../../core/common/errors.js';
import { BUILTIN_TRAIN_DEFAULTS, BUILTIN_TRAINABLE_NAME } from '../../core/domain/builtin-trainable.js';
import type { TrainableContext } from '../../core/domain/trainable.js';
import { OptimizerName, type TrainSettings } from '../../core/domain/trial.js';
import type { DatasetSplit } from '../../datasets/types.js';
import { defineModelTrainable, type ModelTrainable } from '../../training/fit/define.js';
import type { ModelTrainableDefinition } from '../../training/fit/definition.js';
import { runFit } from '../../training/fit/fit-loop.js';
import { imageSplitData } from '../../training/fit/image-source.js';
import { imageClassifierParams, type ImageClassifierParams } from './params.js';
import { buildImageClassifier } from './architectures.js';

/** Training settings the image classifier needs, all present. */
export type ImageTrainSettings = Required<TrainSettings>;

/** Checks training settings; a bad or missing value is a {@link UserError} naming the field. */
export function checkTrainSettings(settings: TrainSettings): asserts settings is ImageTrainSettings {
  const bad = (field: string, expected: string, value: unknown) =>
    new UserError(
      'E_BAD_TRAIN_SETTING',
      `training setting '${field}' must be ${expected}; got ${JSON.stringify(value)}.`,
    );
  if (!Number.isInteger(settings.epochs) || settings.epochs < 1)
    throw bad('epochs', 'an integer ≥ 1', settings.epochs);
  if (!Number.isInteger(settings.batchSize) || settings.batchSize! < 1)
    throw bad('batch_size', 'an integer ≥ 1', settings.batchSize);
  if (!Number.isFinite(settings.learningRate) || settings.learningRate! <= 0)
    throw bad('learning_rate', 'a number > 0', settings.learningRate);
  if (!Object.values(OptimizerName).includes(settings.optimizer!))
    throw bad('optimizer', `one of ${Object.values(OptimizerName).join(', ')}`, settings.optimizer);
}

/** The split, checked to be a built-in image split. */
function imageSplit(dataset: unknown): DatasetSplit {
  const split = dataset as Partial<DatasetSplit> | undefined;
  if (!split || !(split.train instanceof Int32Array) || !(split.test instanceof Int32Array) || !split.store) {
    throw new UserError(
      'E_BAD_DATASET',
      'the image classifier trains on the built-in image datasets (cifar10, synthetic): give dataset: { name: synthetic } or { name: cifar10 }.',
    );
  }
  return split as DatasetSplit;
}

const definition: ModelTrainableDefinition<ImageClassifierParams, DatasetSplit> = {
  name: BUILTIN_TRAINABLE_NAME,
  params: imageClassifierParams,
  trainDefaults: BUILTIN_TRAIN_DEFAULTS,
  metrics: [
    'trainLoss',
    'trainAccuracy',
    'testLoss',
    'testAccuracy',
    'epochSeconds',
    'examplesPerSecond',
    'imagesPerSecond',
  ],
  build: (params, { seed, seeds }) => buildImageClassifier(params, seeds?.init ?? seed),
  compile: (_params, { train }) => {
    checkTrainSettings(train);
    return {
      optimizer: { name: train.optimizer, learningRate: train.learningRate },
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    };
  },
  data: (dataset) => imageSplitData(imageSplit(dataset)),
  batchSize: (_params, { train }) => train.batchSize!,
};

/**
 * The study's image classifier (`fc` or `cnn`) on a built-in image dataset. Its `run` is the fit loop
 * itself, imported here: `defineModelTrainable` imports the loop lazily (so that importing `seedsweep`
 * loads no TF.js), which a training thread running from the TypeScript sources cannot do (tsx reaches
 * worker threads through its require hook only, where a relative dynamic import does not resolve);
 * engine code loads TF.js anyway.
 */
export const imageClassifier: ModelTrainable<ImageClassifierParams, DatasetSplit> = Object.freeze({
  ...defineModelTrainable(definition),
  run: (params: ImageClassifierParams, ctx: TrainableContext<DatasetSplit>) =>
    runFit(definition, params, ctx),
});
