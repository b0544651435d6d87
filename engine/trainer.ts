/**
 * Trains one trial with a custom loop (not `model.fit`), so that everything that decides the outcome
 * is explicit and seeded: weight init from the trial seed, data order from (seed, epoch) only, and a
 * checkpoint after every epoch holding weights and optimiser state. A resumed trial therefore ends
 * bit-identical to an uninterrupted one on the same backend. Knows nothing of Temporal or threads.
 */
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../common/errors.js';
import { fillBatch } from '../datasets/batches.js';
import { PREPROCESSING } from '../datasets/preprocess.js';
import { IMAGE_BYTES, IMAGE_CHANNELS, IMAGE_HEIGHT, IMAGE_WIDTH, type DatasetSplit } from '../datasets/types.js';
import { canonicalModelOptions } from './architectures.js';
import { canonicalJson, readLatestCheckpoint, removeCheckpoints, writeCheckpoint, type CheckpointState } from './checkpoint.js';
import { InjectedFaultError, TrialStoppedError } from './errors.js';
import { MODEL_MANIFEST_FORMAT, saveModelToDir } from './model-io.js';
import { computeModelStats, NUM_CLASSES } from './model-stats.js';
import { buildModel } from './models.js';
import { createOptimizer, type FusedOptimizer } from './optimizers/optimizer.js';
import { epochPermutation } from './seeding.js';
import { OptimizerName, type EpochMetrics, type Trial, type TrainSettings, type TrialResult } from './types.js';

/** Images per evaluation batch (bounded memory; does not affect results). */
const EVAL_BATCH_SIZE = 256;
/** Probabilities are clipped like Keras' cross-entropy so log(0) never happens. */
const PROBABILITY_EPSILON = 1e-7;

/** Options of {@link trainTrial}. */
export interface TrainTrialOptions {
  /** The config and seed to train. */
  trial: Trial;
  /** The data, already loaded (its store may be shared between threads; it is never modified). */
  split: DatasetSplit;
  /** Folder for this trial's per-epoch checkpoints. Omitted ⇒ no checkpoints (and no resuming). */
  checkpointDir?: string;
  /**
   * Continue from the latest checkpoint in `checkpointDir` when there is one. When false, existing
   * checkpoints there are removed first. @default false
   */
  resume?: boolean;
  /** Called after each epoch's checkpoint is written. */
  onEpoch?: (metrics: EpochMetrics) => void;
  /**
   * Polled before the first epoch and after each epoch's checkpoint; returning true ends the trial with
   * {@link TrialStoppedError} (not after the last epoch: a finished trial returns its result).
   */
  shouldStop?: () => boolean;
  /** Test fault injection: throw {@link InjectedFaultError} right after the checkpoint of this epoch (1-based). */
  failAtEpoch?: number;
  /** Save the trained model here (TF.js layers format plus manifest) after the last epoch. */
  modelDir?: string;
}

/** Checks training settings; a bad value is a {@link UserError} naming the field. */
export function checkTrainSettings(settings: TrainSettings): void {
  const bad = (field: string, expected: string, value: unknown) =>
    new UserError('E_BAD_TRAIN_SETTING', `training setting '${field}' must be ${expected}; got ${JSON.stringify(value)}.`);
  if (!Number.isInteger(settings.epochs) || settings.epochs < 1) throw bad('epochs', 'an integer ≥ 1', settings.epochs);
  if (!Number.isInteger(settings.batchSize) || settings.batchSize < 1) throw bad('batch_size', 'an integer ≥ 1', settings.batchSize);
  if (!Number.isFinite(settings.learningRate) || settings.learningRate <= 0) throw bad('learning_rate', 'a number > 0', settings.learningRate);
  if (!Object.values(OptimizerName).includes(settings.optimizer)) throw bad('optimizer', `one of ${Object.values(OptimizerName).join(', ')}`, settings.optimizer);
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
    optimizer.applyGradients(variables, variables.map((v) => grads[v.name]!));
    return { loss: value, correct: correct! };
  });
}

/** What a checkpoint must agree on with the trial being resumed (the epoch count may grow). */
function resumeIdentity(trial: Trial): string {
  const { model, modelOptions, train, dataset } = trial.config;
  const { path: _path, ...data } = dataset;
  return canonicalJson({ model, modelOptions: canonicalModelOptions(model, modelOptions), seed: trial.seed, batchSize: train.batchSize, optimizer: train.optimizer, learningRate: train.learningRate, data });
}

async function loadResumeState(options: TrainTrialOptions): Promise<CheckpointState | undefined> {
  const { checkpointDir, trial, split } = options;
  if (!checkpointDir) return undefined;
  if (!options.resume) {
    await removeCheckpoints({ dir: checkpointDir });
    return undefined;
  }
  const state = await readLatestCheckpoint({ dir: checkpointDir });
  if (!state) return undefined;
  if (resumeIdentity(state.trial) !== resumeIdentity(trial) || state.datasetFingerprint !== split.fingerprint) {
    throw new UserError('E_CHECKPOINT_MISMATCH', `checkpoint in ${checkpointDir} belongs to a different trial or dataset; use another --checkpoint-dir or start without resume.`);
  }
  if (state.epoch > trial.config.train.epochs) {
    throw new UserError('E_CHECKPOINT_MISMATCH', `checkpoint in ${checkpointDir} is at epoch ${state.epoch}, past the ${trial.config.train.epochs} epochs asked for.`);
  }
  return state;
}

/** Trains `trial` on `split` and returns its per-epoch metrics. See {@link TrainTrialOptions}. */
export async function trainTrial(options: TrainTrialOptions): Promise<TrialResult> {
  const { trial, split } = options;
  const settings = trial.config.train;
  checkTrainSettings(settings);
  if (!Number.isInteger(trial.seed) || trial.seed < 0) {
    throw new UserError('E_BAD_SEED', `seed must be a non-negative integer; got ${JSON.stringify(trial.seed)}.`);
  }
  if (split.train.length === 0 || split.test.length === 0) {
    throw new UserError('E_EMPTY_DATASET', `dataset split has ${split.train.length} training and ${split.test.length} test images; both must be > 0.`);
  }
  const modelStats = computeModelStats({ model: trial.config.model, modelOptions: trial.config.modelOptions });
  const resumeState = await loadResumeState(options);
  const model = buildModel({ model: trial.config.model, modelOptions: trial.config.modelOptions, seed: trial.seed });
  const optimizer = createOptimizer(settings);
  try {
    const epochs: EpochMetrics[] = [];
    if (resumeState) {
      const tensors = resumeState.modelWeights.map((w) => tf.tensor(w.data, w.shape));
      model.setWeights(tensors);
      tf.dispose(tensors);
      if (resumeState.optimizer !== optimizer.className) {
        throw new UserError('E_CHECKPOINT_MISMATCH', `checkpoint in ${options.checkpointDir} holds ${resumeState.optimizer} state, not ${optimizer.className}; start without resume.`);
      }
      optimizer.setState(resumeState.optimizerWeights);
      epochs.push(...resumeState.epochs);
    }
    const resumedFromEpoch = resumeState?.epoch ?? 0;
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const batchSize = settings.batchSize;
    const pixels = new Float32Array(Math.max(batchSize, EVAL_BATCH_SIZE) * IMAGE_BYTES);
    const labels = new Int32Array(Math.max(batchSize, EVAL_BATCH_SIZE));
    const toTensors = (count: number) => ({
      x: tf.tensor4d(pixels.subarray(0, count * IMAGE_BYTES), [count, IMAGE_HEIGHT, IMAGE_WIDTH, IMAGE_CHANNELS]),
      y: tf.tensor1d(labels.subarray(0, count), 'int32'),
    });

    // A stop asked for before the first epoch (e.g. while the task waited in the pool's queue) trains nothing.
    if (resumedFromEpoch < settings.epochs && options.shouldStop?.()) throw new TrialStoppedError(resumedFromEpoch);
    for (let epoch = resumedFromEpoch + 1; epoch <= settings.epochs; epoch++) {
      const started = performance.now();
      const permutation = epochPermutation({ seed: trial.seed, epoch, length: split.train.length });
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
      const metrics: EpochMetrics = {
        epoch,
        trainLoss: lossSum / order.length,
        trainAccuracy: correctSum / order.length,
        testLoss: testLossSum / split.test.length,
        testAccuracy: testCorrect / split.test.length,
        epochSeconds: (performance.now() - started) / 1000,
        imagesPerSecond: order.length / trainSeconds,
      };
      epochs.push(metrics);
      if (options.checkpointDir) {
        await writeCheckpoint({
          dir: options.checkpointDir,
          state: {
            trial,
            epoch,
            epochs,
            optimizer: optimizer.className,
            datasetFingerprint: split.fingerprint,
            modelWeights: model.getWeights().map((t, i) => ({ name: model.weights[i]?.originalName ?? `w${i}`, shape: t.shape, data: copyOf(t) })),
            optimizerWeights: optimizer.getState(),
          },
        });
      }
      options.onEpoch?.(metrics);
      if (options.failAtEpoch === epoch) throw new InjectedFaultError(epoch);
      if (epoch < settings.epochs && options.shouldStop?.()) throw new TrialStoppedError(epoch);
    }

    const final = epochs.at(-1)!;
    const result: TrialResult = {
      epochs,
      final,
      modelStats,
      backend: { name: tf.getBackend(), version: tf.version_core },
      resumedFromEpoch,
    };
    if (options.modelDir) {
      await saveModelToDir({
        model,
        dir: options.modelDir,
        manifest: {
          format: MODEL_MANIFEST_FORMAT,
          classNames: split.store.classNames,
          inputShape: [IMAGE_HEIGHT, IMAGE_WIDTH, IMAGE_CHANNELS],
          preprocessing: { kind: PREPROCESSING.kind, scale: PREPROCESSING.scale },
          synthetic: split.store.synthetic,
          model: trial.config.model,
          modelOptions: canonicalModelOptions(trial.config.model, trial.config.modelOptions),
          seed: trial.seed,
          metrics: { trainLoss: final.trainLoss, trainAccuracy: final.trainAccuracy, testLoss: final.testLoss, testAccuracy: final.testAccuracy },
        },
      });
      result.modelDir = options.modelDir;
    }
    return result;
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
