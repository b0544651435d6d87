/**
 * The study's trainable: an image classifier from the architecture registry (`fc`, `cnn`) trained
 * with a custom loop (not `model.fit`), so that everything that decides the outcome is explicit and
 * seeded: weight init from the trial seed, data order from (seed, epoch) only, and a checkpoint after
 * every epoch holding weights and optimiser state. A resumed trial therefore ends bit-identical to an
 * uninterrupted one on the same backend. Written against the public trainable contract like any
 * user's trainable; its dataset is a built-in image split (CIFAR-10 or synthetic).
 */
import { performance } from 'node:perf_hooks';
import * as tf from './tfjs.js';
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
import { GraphTrainer, sessionThreads } from './graph/graph-trainer.js';
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
  const batchSize = settings.batchSize;
  const pixels = new Float32Array(Math.max(batchSize, EVAL_BATCH_SIZE) * IMAGE_BYTES);
  const labels = new Int32Array(Math.max(batchSize, EVAL_BATCH_SIZE));
  const runner = createStepRunner(model, settings, pixels, labels);
  try {
    const restored = ctx.restore<ImageClassifierState>();
    if (restored) {
      if (restored.optimizer !== runner.optimizer) {
        throw new UserError(
          'E_CHECKPOINT_MISMATCH',
          `the checkpoint holds ${restored.optimizer} state, not ${runner.optimizer}; start without resume.`,
        );
      }
      runner.restore(restored);
    }

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
        const batch = runner.train(count);
        lossSum += batch.lossSum;
        correctSum += batch.correct;
      }
      const trainSeconds = (performance.now() - started) / 1000;
      let testLossSum = 0;
      let testCorrect = 0;
      for (let start = 0; start < split.test.length; start += EVAL_BATCH_SIZE) {
        const count = Math.min(EVAL_BATCH_SIZE, split.test.length - start);
        fillBatch({ store: split.store, indices: split.test, start, count, pixels, labels });
        const batch = runner.evaluate(count);
        testLossSum += batch.lossSum;
        testCorrect += batch.correct;
      }
      const metrics: Omit<ImageEpochMetrics, 'epoch'> = {
        trainLoss: lossSum / order.length,
        trainAccuracy: correctSum / order.length,
        testLoss: testLossSum / split.test.length,
        testAccuracy: testCorrect / split.test.length,
        epochSeconds: (performance.now() - started) / 1000,
        imagesPerSecond: order.length / trainSeconds,
      };
      runner.syncModel();
      ctx.checkpoint({
        modelWeights: model.getWeights().map((t, i) => ({
          name: model.weights[i]?.originalName ?? `w${i}`,
          shape: t.shape,
          data: copyOf(t),
        })),
        optimizer: runner.optimizer,
        optimizerWeights: runner.optimizerState(),
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
    runner.dispose();
    model.dispose();
  }
}

/** Summed loss and number of correct predictions of one batch. */
interface BatchOutcome {
  lossSum: number;
  correct: number;
}

/**
 * How batches are trained: op by op through TF.js (any backend), or as one TensorFlow graph step
 * per batch (native backend with the graph addon built; see engine/graph/). Both read the batch
 * from the shared `pixels` / `labels` buffers.
 */
interface StepRunner {
  /** `graph` or `eager`. */
  readonly mode: 'graph' | 'eager';
  /** Optimiser class name stored in checkpoints (`Adam`, ...). */
  readonly optimizer: string;
  train(count: number): BatchOutcome;
  evaluate(count: number): BatchOutcome;
  /** Makes the TF.js model hold the current weights (before a checkpoint or saving). */
  syncModel(): void;
  optimizerState(): CheckpointArray[];
  restore(state: ImageClassifierState): void;
  dispose(): void;
}

/** Set `SEEDSWEEP_GRAPH=0` to train op by op on the native backend too (for comparisons). */
const GRAPH_ENV = 'SEEDSWEEP_GRAPH';

function createStepRunner(
  model: tf.LayersModel,
  settings: ImageTrainSettings,
  pixels: Float32Array,
  labels: Int32Array,
): StepRunner {
  if (tf.getBackend() === 'tensorflow' && process.env[GRAPH_ENV] !== '0') {
    const graph = GraphTrainer.create({
      model,
      optimizer: settings.optimizer,
      learningRate: settings.learningRate,
      threads: sessionThreads(),
    });
    if (graph instanceof GraphTrainer) return graphRunner(graph, model, pixels, labels);
    lastGraphFallback = graph.reason;
  }
  return eagerRunner(model, settings, pixels, labels);
}

/** Why the last trial on the native backend trained op by op (for diagnostics), if it did. */
export let lastGraphFallback: string | undefined;

const IMAGE_SHAPE = [IMAGE_HEIGHT, IMAGE_WIDTH, IMAGE_CHANNELS] as const;

function graphRunner(
  graph: GraphTrainer,
  model: tf.LayersModel,
  pixels: Float32Array,
  labels: Int32Array,
): StepRunner {
  const setModelWeights = (weights: readonly Float32Array[]) => {
    const tensors = weights.map((w, i) => tf.tensor(w, model.trainableWeights[i]!.shape as number[]));
    model.setWeights(tensors);
    tf.dispose(tensors);
  };
  return {
    mode: 'graph',
    optimizer: graph.className,
    train: (count) => graph.step(pixels, labels, count, IMAGE_SHAPE),
    evaluate: (count) => graph.evaluate(pixels, labels, count, IMAGE_SHAPE),
    syncModel: () => setModelWeights(graph.weights()),
    optimizerState: () => graph.getState(),
    restore: (state) => {
      const weights = state.modelWeights.map((w) => Float32Array.from(w.data as ArrayLike<number>));
      setModelWeights(weights);
      graph.restore(weights, state.optimizerWeights);
    },
    dispose: () => graph.close(),
  };
}

function eagerRunner(
  model: tf.LayersModel,
  settings: ImageTrainSettings,
  pixels: Float32Array,
  labels: Int32Array,
): StepRunner {
  const optimizer = createOptimizer(settings);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const toTensors = (count: number) => ({
    x: tf.tensor4d(pixels.subarray(0, count * IMAGE_BYTES), [count, ...IMAGE_SHAPE]),
    y: tf.tensor1d(labels.subarray(0, count), 'int32'),
  });
  return {
    mode: 'eager',
    optimizer: optimizer.className,
    train: (count) => {
      const { loss, correct } = tf.tidy(() => {
        const { x, y } = toTensors(count);
        return trainStep({ model, optimizer, variables, x, y });
      });
      // Weight each batch by its size: the epoch mean is over images, the last batch may be short.
      const outcome = { lossSum: loss.dataSync()[0]! * count, correct: correct.dataSync()[0]! };
      tf.dispose([loss, correct]);
      return outcome;
    },
    evaluate: (count) => {
      const [l, c] = tf.tidy(() => {
        const { x, y } = toTensors(count);
        const probs = model.apply(x, { training: false }) as tf.Tensor2D;
        return [crossEntropy(probs, y, 'sum'), countCorrect(probs, y)];
      });
      const outcome = { lossSum: l!.dataSync()[0]!, correct: c!.dataSync()[0]! };
      tf.dispose([l!, c!]);
      return outcome;
    },
    syncModel: () => undefined,
    optimizerState: () => optimizer.getState(),
    restore: (state) => {
      const tensors = state.modelWeights.map((w) => tf.tensor(w.data, w.shape));
      model.setWeights(tensors);
      tf.dispose(tensors);
      optimizer.setState(state.optimizerWeights);
    },
    dispose: () => optimizer.dispose(),
  };
}
