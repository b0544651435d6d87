/**
 * What a model trainable declares (`defineModelTrainable`'s definition) and the data it hands over:
 * the contract between src/training/fit/define.ts, which checks and wraps a definition, and the loop
 * (src/training/fit/fit-loop.ts and the modules it uses), which runs one. Types and one default; no TF.js.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ZodType } from 'zod';
import type { SeedSources } from '../../core/domain/seed-sources.js';
import type { TrainDefaults } from '../../core/domain/trainable.js';
import type { TrainSettings } from '../../core/domain/trial.js';
import type { PreprocessingDescription } from '../model-io.js';
import type { HostBatch, LossSpec, MetricSpec, OptimizerSpec } from '../training-path.js';

/** The values of one array: numbers (a typed array, or plain numbers) and its shape, examples first. */
export interface ArrayData {
  data: ArrayLike<number>;
  /** `[n, …]`: `n` examples of shape `…`; `data` holds their product, row-major. */
  shape: readonly number[];
}

/** One array of a data source: {@link ArrayData} or a tensor (copied once; seedsweep does not dispose it). */
export type ArrayInput = ArrayData | tf.Tensor;

/** Data in memory: inputs (one array per model input) and targets (class indices or values). */
export interface ArraySource {
  /** The model's input; a list for a model of several inputs, in `model.inputs` order. */
  x: ArrayInput | readonly ArrayInput[];
  /** The targets: class indices `[n]` for sparse categorical cross-entropy, else the output's shape `[n, …]`. */
  y: ArrayInput;
}

/**
 * Data the loop gathers batch by batch: `fill` copies examples `indices[start … start + count)` into
 * rows `0 … count` of the batch's arrays (`batch.inputs[i]`: `count × inputShapes[i]`, float32, or
 * int32 for an int32 model input; `batch.targets[0]`: `count × targetShape`, int32 class indices for
 * sparse categorical cross-entropy, float32 otherwise).
 */
export interface IndexedSource {
  /** Number of examples; indices run 0 … size − 1. */
  size: number;
  /** Per-example shape of each model input. @default the model's input shapes (which must then be complete) */
  inputShapes?: readonly (readonly number[])[];
  /** Per-example shape of the targets. @default `[]` for sparse cross-entropy, else the model's output shape */
  targetShape?: readonly number[];
  fill(indices: Int32Array, start: number, count: number, batch: HostBatch): void;
}

/** Where a split's examples come from. */
export type DataSource = ArraySource | IndexedSource;

/** What `data` returns: the splits, and facts about the data a saved model's manifest records. */
export interface FitData {
  /** Trained on, in a new order every epoch (from the trial seed and the epoch only). */
  train: DataSource;
  /** Evaluated after every epoch: metrics `validationLoss`, `validationAccuracy`… */
  validation?: DataSource;
  /** Evaluated after every epoch: metrics `testLoss`, `testAccuracy`… */
  test?: DataSource;
  /** Labels by output index, for the saved model's manifest. */
  classNames?: string[];
  /** What the inputs went through before the model, for the saved model's manifest. */
  preprocessing?: PreprocessingDescription;
  /** True for generated data (a served model says so). */
  synthetic?: boolean;
}

/** What `build`, `compile` and `batchSize` get besides the parameters. */
export interface FitInfo {
  /** The trial seed. */
  seed: number;
  /**
   * The trial's per-source seeds (`ctx.seeds`): seed weight initialisation from `seeds.init`, a split
   * made in `data` from `seeds.split`. Absent (e.g. `seedsweep models`) ⇒ every source is `seed`.
   */
  seeds?: SeedSources;
  /** The trial's training settings (`epochs`; the study's `batchSize`, `optimizer`, `learningRate`). */
  train: TrainSettings;
}

/** An optimiser: a spec, a name (tf.train's default learning rate), or a `tf.train` optimiser (its config is read). */
export type OptimizerInput = OptimizerSpec | OptimizerSpec['name'] | tf.Optimizer;

/** Metric names as `compile` may give them (`acc`, `mse`, `mae` are accepted as Keras spells them). */
export type MetricInput = MetricSpec | 'acc' | 'mse' | 'mae';

/** What `compile` returns, Keras' `model.compile` arguments. */
export interface CompileSettings {
  optimizer: OptimizerInput;
  /** A loss spec or its name (`mse`, `mae` also accepted). */
  loss: LossSpec | LossSpec['name'] | 'mse' | 'mae';
  /** Reported per split as `${split}${Capitalised}`, e.g. `trainAccuracy`. @default [] */
  metrics?: readonly MetricInput[];
}

/** Per-step randomness given to `augment`. */
export interface AugmentInfo {
  /** Derived from the trial seed, the epoch and the step: seed every random choice from it. */
  seed: number;
  /** 1-based epoch. */
  epoch: number;
  /** 0-based batch index within the epoch. */
  step: number;
}

/** Options of {@link defineModelTrainable}. */
export interface ModelTrainableDefinition<P, D = unknown> {
  /** The trainable's name (part of every trial key), letters, digits, `.`, `_`, `-`. */
  name: string;
  /** Bump when the code changes what a trial computes. */
  version?: string | number;
  /** The parameters' schema (zod). */
  params: ZodType<P>;
  /**
   * A new model with its initial weights. Initialisers without a seed are re-seeded from the trial seed
   * (see {@link reseedInitializers}); explicitly seeded ones are kept.
   */
  build(params: P, info: FitInfo): tf.LayersModel;
  /** Optimiser, loss and metrics: a function of the parameters, or fixed settings. */
  compile: ((params: P, info: FitInfo) => CompileSettings) | CompileSettings;
  /** The data splits, from the trial's dataset (a plug-in's `load` result) and the parameters; a split drawn here takes `info.seeds.split`. */
  data(dataset: D, params: P, info: FitInfo): FitData | Promise<FitData>;
  /** Examples per training step; the last batch of an epoch is short. */
  batchSize: number | ((params: P, info: FitInfo) => number);
  /** Examples per evaluation batch (memory only: results do not depend on it beyond float rounding). @default 256 */
  evalBatchSize?: number;
  /** Changes a training batch in place before its step (data augmentation), seeded per step. */
  augment?(batch: HostBatch, info: AugmentInfo): void;
  /**
   * Re-initialise weights whose initialiser has no seed, from `deriveSeed(seed, 'init', layerIndex,
   * weightName)`; false keeps `build`'s weights as they are (e.g. loaded pretrained ones). @default true
   */
  reseedInitializers?: boolean;
  /** Save the trained model into `ctx.modelDir` when the worker asks for one. @default true */
  save?: boolean;
  /** Metric names the trainable reports, for reports and checks (informational). */
  metrics?: readonly string[];
  /** Training settings read from `ctx.train` besides `epochs`, with their defaults (see `Trainable.trainDefaults`). */
  trainDefaults?: TrainDefaults;
}

/** Default examples per evaluation batch. */
export const DEFAULT_EVAL_BATCH_SIZE = 256;
