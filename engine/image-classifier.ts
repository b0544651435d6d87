/**
 * The study's trainable: an image classifier from the architecture registry (`fc`, `cnn`) trained
 * with a custom loop (not `model.fit`), so that everything that decides the outcome is explicit and
 * seeded: weight init from the trial seed, data order from (seed, epoch) only, and a checkpoint after
 * every epoch holding weights and optimiser state. A resumed trial therefore ends bit-identical to an
 * uninterrupted one on the same backend. Written against the public trainable contract like any
 * user's trainable; its dataset is a built-in image split (CIFAR-10 or synthetic).
 */
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { UserError } from '../common/errors.js';
import { defineTrainable, type TrainableContext } from '../domain/trainable.js';
import { fillBatch } from '../datasets/batches.js';
import { PREPROCESSING } from '../datasets/preprocess.js';
import {
  IMAGE_BYTES,
  IMAGE_CHANNELS,
  IMAGE_HEIGHT,
  IMAGE_WIDTH,
  type DatasetSplit,
} from '../datasets/types.js';
import { architectureNames, canonicalModelOptions } from './architectures.js';
import type { CheckpointArray } from './checkpoint.js';
import { MODEL_MANIFEST_FORMAT, saveModelToDir } from './model-io.js';
import { computeModelStats, NUM_CLASSES } from './model-stats.js';
import { buildModel } from './models.js';
import { createOptimizer, type FusedOptimizer } from './optimizers/optimizer.js';
import { epochPermutation } from './seeding.js';
import { OptimizerName, type ImageEpochMetrics, type TrainSettings } from './types.js';

/** Images per evaluation batch (bounded memory; does not affect results). */
const EVAL_BATCH_SIZE = 256;
/** Probabilities are clipped like Keras' cross-entropy so log(0) never happens. */
const PROBABILITY_EPSILON = 1e-7;

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

/** Mean sparse categorical cross-entropy of softmax outputs. */
function crossEntropy(probs: tf.Tensor2D, labels: tf.Tensor1D, reduce: 'mean' | 'sum'): tf.Scalar {
  const clipped = tf.clipByValue(probs, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
  const perImage = tf.neg(tf.sum(tf.mul(tf.oneHot(labels, NUM_CLASSES), tf.log(clipped)), -1));
  return reduce === 'mean' ? tf.mean(perImage) : tf.sum(perImage);
}

function countCorrect(probs: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(probs, -1), labels), 'float32'));
}

function copyOf(tensor: tf.Tensor): Float32Array | Int32Array {
  // dataSync may return the backend's own storage (cpu backend): copy before the tensor changes.
  const data = tensor.dataSync();
  return data instanceof Int32Array ? Int32Array.from(data) : Float32Array.from(data as Float32Array);
}

/** Options of {@link trainStep}. */
export interface TrainStepOptions {
  model: tf.LayersModel;
  optimizer: FusedOptimizer;
  /** The model's trainable variables, in a fixed order (the optimiser's slots follow it). */
  variables: tf.Variable[];
  /** Normalised images, [B, 32, 32, 3]. */
  x: tf.Tensor4D;
  /** Class indices, [B] int32. */
  y: tf.Tensor1D;
}

/**
 * One gradient step on a batch: mean cross-entropy, gradients, optimiser update. Returns the
 * batch's mean loss and number of correct predictions (new scalars the caller disposes).
 */
export function trainStep(options: TrainStepOptions): { loss: tf.Scalar; correct: tf.Scalar } {
  const { model, optimizer, variables, x, y } = options;
  return tf.tidy(() => {
    let correct: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const probs = model.apply(x, { training: true }) as tf.Tensor2D;
      correct = tf.keep(countCorrect(probs, y)); // the forward pass runs in its own tidy scope
      return crossEntropy(probs, y, 'mean');
    }, variables);
    optimizer.applyGradients(
      variables,
      variables.map((v) => grads[v.name]!),
    );
    return { loss: value, correct: correct! };
  });
}

/** What the image classifier checkpoints after every epoch. */
interface ImageClassifierState {
  modelWeights: CheckpointArray[];
  /** Optimiser class name, e.g. `Adam`. */
  optimizer: string;
  optimizerWeights: CheckpointArray[];
}

/** Parameters: the architecture and its options (names as in `engine/architectures.ts`, e.g. `kernelSize`). */
const imageClassifierParams = z.looseObject({ model: z.string() }).transform((value, ctx) => {
  const { model, ...options } = value;
  try {
    return { model, modelOptions: canonicalModelOptions(model, options as Record<string, number | string>) };
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message, path: [] });
    return z.NEVER;
  }
});
export type ImageClassifierParams = z.output<typeof imageClassifierParams>;

/** The study's image classifier (architectures `${'fc'}` and `cnn`) on a built-in image dataset. */
export const imageClassifier = defineTrainable<ImageClassifierParams, DatasetSplit>({
  name: 'image-classifier',
  params: imageClassifierParams as unknown as z.ZodType<ImageClassifierParams>,
  metrics: ['trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy', 'epochSeconds', 'imagesPerSecond'],
  run: trainImageClassifier,
});

async function trainImageClassifier(params: ImageClassifierParams, ctx: TrainableContext<DatasetSplit>) {
  const split = ctx.dataset;
  const settings = ctx.train;
  checkTrainSettings(settings);
  if (!split || !(split.train instanceof Int32Array) || !split.store) {
    throw new UserError(
      'E_BAD_DATASET',
      `the image classifier trains on the built-in image datasets (${['cifar10', 'synthetic'].join(', ')}); models ${architectureNames().join(', ')}.`,
    );
  }
  if (split.train.length === 0 || split.test.length === 0) {
    throw new UserError(
      'E_EMPTY_DATASET',
      `dataset split has ${split.train.length} training and ${split.test.length} test images; both must be > 0.`,
    );
  }
  const { model: architecture, modelOptions } = params;
  const modelStats = computeModelStats({ model: architecture, modelOptions });
  const model = buildModel({ model: architecture, modelOptions, seed: ctx.seed });
  const optimizer = createOptimizer(settings);
  try {
    const restored = ctx.restore<ImageClassifierState>();
    if (restored) {
      const tensors = restored.modelWeights.map((w) => tf.tensor(w.data, w.shape));
      model.setWeights(tensors);
      tf.dispose(tensors);
      if (restored.optimizer !== optimizer.className) {
        throw new UserError(
          'E_CHECKPOINT_MISMATCH',
          `the checkpoint holds ${restored.optimizer} state, not ${optimizer.className}; start without resume.`,
        );
      }
      optimizer.setState(restored.optimizerWeights);
    }
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const batchSize = settings.batchSize;
    const pixels = new Float32Array(Math.max(batchSize, EVAL_BATCH_SIZE) * IMAGE_BYTES);
    const labels = new Int32Array(Math.max(batchSize, EVAL_BATCH_SIZE));
    const toTensors = (count: number) => ({
      x: tf.tensor4d(pixels.subarray(0, count * IMAGE_BYTES), [
        count,
        IMAGE_HEIGHT,
        IMAGE_WIDTH,
        IMAGE_CHANNELS,
      ]),
      y: tf.tensor1d(labels.subarray(0, count), 'int32'),
    });

    while (ctx.epoch < ctx.epochs) {
      const epoch = ctx.epoch + 1;
      const started = performance.now();
      const permutation = epochPermutation({ seed: ctx.seed, epoch, length: split.train.length });
      const order = permutation.map((i) => split.train[i]!);
      let lossSum = 0;
      let correctSum = 0;
      for (let start = 0; start < order.length; start += batchSize) {
        const count = Math.min(batchSize, order.length - start);
        fillBatch({ store: split.store, indices: order, start, count, pixels, labels });
        const { loss, correct } = tf.tidy(() => {
          const { x, y } = toTensors(count);
          return trainStep({ model, optimizer, variables, x, y });
        });
        // Weight each batch by its size: the epoch mean is over images, the last batch may be short.
        lossSum += loss.dataSync()[0]! * count;
        correctSum += correct.dataSync()[0]!;
        loss.dispose();
        correct.dispose();
      }
      const trainSeconds = (performance.now() - started) / 1000;
      let testLossSum = 0;
      let testCorrect = 0;
      for (let start = 0; start < split.test.length; start += EVAL_BATCH_SIZE) {
        const count = Math.min(EVAL_BATCH_SIZE, split.test.length - start);
        fillBatch({ store: split.store, indices: split.test, start, count, pixels, labels });
        const [l, c] = tf.tidy(() => {
          const { x, y } = toTensors(count);
          const probs = model.apply(x, { training: false }) as tf.Tensor2D;
          return [crossEntropy(probs, y, 'sum'), countCorrect(probs, y)];
        });
        testLossSum += l!.dataSync()[0]!;
        testCorrect += c!.dataSync()[0]!;
        tf.dispose([l!, c!]);
      }
      const metrics: Omit<ImageEpochMetrics, 'epoch'> = {
        trainLoss: lossSum / order.length,
        trainAccuracy: correctSum / order.length,
        testLoss: testLossSum / split.test.length,
        testAccuracy: testCorrect / split.test.length,
        epochSeconds: (performance.now() - started) / 1000,
        imagesPerSecond: order.length / trainSeconds,
      };
      ctx.checkpoint({
        modelWeights: model.getWeights().map((t, i) => ({
          name: model.weights[i]?.originalName ?? `w${i}`,
          shape: t.shape,
          data: copyOf(t),
        })),
        optimizer: optimizer.className,
        optimizerWeights: optimizer.getState(),
      } satisfies ImageClassifierState);
      await ctx.report(metrics);
    }

    if (!ctx.modelDir) return { modelStats };
    const final = ctx.history.at(-1);
    await saveModelToDir({
      model,
      dir: ctx.modelDir,
      manifest: {
        format: MODEL_MANIFEST_FORMAT,
        classNames: split.store.classNames,
        inputShape: [IMAGE_HEIGHT, IMAGE_WIDTH, IMAGE_CHANNELS],
        preprocessing: { kind: PREPROCESSING.kind, scale: PREPROCESSING.scale },
        synthetic: split.store.synthetic,
        model: architecture,
        modelOptions,
        seed: ctx.seed,
        ...(final
          ? {
              metrics: {
                trainLoss: final['trainLoss']!,
                trainAccuracy: final['trainAccuracy']!,
                testLoss: final['testLoss']!,
                testAccuracy: final['testAccuracy']!,
              },
            }
          : {}),
      },
    });
    return { modelStats, modelSaved: true };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
