/**
 * How a model's batches are trained: the contract between the fit-style training loop (src/training/fit/)
 * and the two ways of running a step: op by op through TF.js on any backend (`eager`), or as one
 * TensorFlow graph per step on the native backend (`graph`, src/training/graph/). The loop owns the data
 * (order, batching, buffers) and the epoch; a path owns the model's arithmetic and optimiser state.
 * Types only: both sides import this, neither imports the other's internals.
 */
import type * as tf from '@tensorflow/tfjs';
import type { CheckpointArray } from './runner/checkpoint.js';

/** A typed array holding a batch's values, row-major. */
export type HostArray = Float32Array | Int32Array;

/** One batch in host memory: one array per model input and per target (model output). */
export interface HostBatch {
  /** `count × inputShape[i]` values per model input, in `model.inputs` order. */
  inputs: readonly HostArray[];
  /** `count × targetShape[i]` values per model output, in `model.outputs` order. */
  targets: readonly HostArray[];
  /** Examples in this batch (the arrays may be longer: only the first `count` rows are used). */
  count: number;
  /** 1-based epoch and 0-based batch index within it: the key of per-step randomness (dropout). */
  epoch: number;
  step: number;
}

/** Sums over a batch's examples; the loop divides by the number of examples of the epoch. */
export interface BatchSums {
  lossSum: number;
  /** Per metric name (as given in {@link TrainingPathOptions.metrics}), the summed value. */
  metricSums: Record<string, number>;
}

/** A loss, Keras-style. `fromLogits`: the model outputs logits, not probabilities. */
export interface LossSpec {
  name:
    | 'sparseCategoricalCrossentropy'
    | 'categoricalCrossentropy'
    | 'binaryCrossentropy'
    | 'meanSquaredError'
    | 'meanAbsoluteError'
    | 'huber';
  /** @default false */
  fromLogits?: boolean;
  /** Huber's threshold. @default 1 */
  delta?: number;
}

/** A metric: `accuracy` means sparse, categorical or binary accuracy, whichever fits the loss. */
export type MetricSpec = 'accuracy' | 'meanSquaredError' | 'meanAbsoluteError';

/** An optimiser with tf.train's defaults for what is left out. */
export type OptimizerSpec =
  | { name: 'adam'; learningRate: number; beta1?: number; beta2?: number; epsilon?: number }
  | { name: 'sgd'; learningRate: number; momentum?: number; nesterov?: boolean }
  | {
      name: 'rmsprop';
      learningRate: number;
      decay?: number;
      momentum?: number;
      epsilon?: number;
      centered?: boolean;
    }
  | { name: 'adagrad'; learningRate: number; initialAccumulatorValue?: number };

/** Threads of a TensorFlow session (graph path). */
export interface SessionThreads {
  intraOpThreads: number;
  interOpThreads: number;
}

/** What both paths are made from. */
export interface TrainingPathOptions {
  /** A built TF.js model (Sequential or functional) holding its initial weights. */
  model: tf.LayersModel;
  loss: LossSpec;
  metrics: readonly MetricSpec[];
  optimizer: OptimizerSpec;
  /** The trial seed: per-step randomness derives from (seed, epoch, step, layer). */
  seed: number;
  /** Graph path only: the session's thread pools. */
  threads?: SessionThreads;
  /** Graph path only: place every node on this device (`gpu` on the CUDA build). @default 'cpu' */
  device?: 'cpu' | 'gpu';
}

/** One way of training a model's batches. Not thread-safe; one per trial. */
export interface TrainingPath {
  readonly mode: 'graph' | 'eager';
  /** Optimiser name and hyper-parameters, e.g. `adam(learningRate=0.001,beta1=0.9,beta2=0.999,epsilon=1e-7)`: checkpoints must match it. */
  readonly optimizerIdentity: string;
  /** One optimiser step on the batch; returns the batch's summed loss and metrics (before the update). */
  trainBatch(batch: HostBatch): BatchSums;
  /** Loss and metrics of a batch in inference mode (dropout off, batch norm on moving statistics). */
  evaluateBatch(batch: HostBatch): BatchSums;
  /** Makes the TF.js model hold the current values of every weight (trainable or not). */
  syncModel(): void;
  /** `iter`, then the optimiser's slots per trainable weight in `model.trainableWeights` order. */
  optimizerState(): CheckpointArray[];
  /** Sets every weight (in `model.weights` order) and the optimiser state of {@link optimizerState}. */
  restore(weights: readonly CheckpointArray[], optimizer: readonly CheckpointArray[]): void;
  /** Frees the session / optimiser memory. The model is the caller's. */
  dispose(): void;
}
