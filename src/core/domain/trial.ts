/**
 * The trial and what every part of seedsweep says about it: its config, its key, its metrics and its
 * result. Plain JSON-serialisable objects (they cross threads, Temporal payloads and the tracker).
 * Bottom layer: imports nothing of the project but other domain modules.
 */
import type { DatasetSpec } from './dataset.js';
import type { SeedSourcesConfig } from './seed-sources.js';

/** A value a parameter can take: what a spec, a sampler or a trainable's schema deals in. */
export type ParamValue = number | string | boolean;

/** Task queues trials can be routed to. */
export const QueueKind = { cpu: 'cpu', gpu: 'gpu' } as const;
export type QueueKind = (typeof QueueKind)[keyof typeof QueueKind];

/** Optimisers the built-in image classifier can build. */
export const OptimizerName = { adam: 'adam', sgd: 'sgd', rmsprop: 'rmsprop' } as const;
export type OptimizerName = (typeof OptimizerName)[keyof typeof OptimizerName];

/**
 * Training settings of one trial. `epochs` is every trainable's budget; the other three are the
 * built-in image classifier's (a spec for another trainable leaves them out, so they are not hashed).
 */
export interface TrainSettings {
  /** Epochs (rounds of `ctx.report`) the trial may run. @default 10 */
  epochs: number;
  /** Images per gradient step (image classifier). @default 64 */
  batchSize?: number;
  /** (image classifier) @default 'adam' */
  optimizer?: OptimizerName;
  /** (image classifier) @default 1e-3 */
  learningRate?: number;
}

/** Where a trainable's code is: an ES module (absolute path, file URL or package specifier) and an export. */
export interface TrainableLocation {
  module: string;
  export: string;
}

/**
 * Everything that determines a trial's outcome apart from the seed. What is hashed into the trial key:
 * `model`, `modelOptions`, `train` and `dataset` minus locations (`dataset.path`, `dataset.module`,
 * `trainable`), which say where things are, not what they are.
 */
export interface TrialConfig {
  /** What is trained: a built-in architecture (`fc`, `cnn`) or the name of a user trainable. */
  model: string;
  /** Its parameters, complete (defaults filled in where the trainable declares them). */
  modelOptions: Record<string, ParamValue>;
  train: TrainSettings;
  dataset: DatasetSpec;
  /** The trainable's code; omitted ⇒ the built-in image classifier of the study. */
  trainable?: TrainableLocation;
  /**
   * Compute backend (`tensorflow`, `tensorflow-gpu`, `cpu`; see src/core/domain/backends.ts); omitted ⇒ `wasm`.
   * Hashed into the key, so results of different backends never count as the same experiment.
   */
  backend?: string;
  /**
   * How the trial seed becomes one seed per source (`ctx.seeds`), when the spec gives `seed_sources`;
   * omitted ⇒ every source takes the trial seed (and the key is as before seed sources existed).
   */
  seedSources?: SeedSourcesConfig;
}

/** A trial: a config and the seed that fixes weight init and data order. */
export interface Trial {
  config: TrialConfig;
  /** Non-negative integer. Same seed ⇒ same data order across variants (common random numbers). */
  seed: number;
}

/** One trial of an expanded sweep. */
export interface PlannedTrial extends Trial {
  trialKey: string;
  groupKey: string;
  /** Human label of the group, from the varying factors, e.g. `model=cnn kernel_size=3`. */
  groupLabel: string;
  /** Values of the factors that vary in this sweep. */
  factors: Record<string, ParamValue>;
  queue: QueueKind;
  /** Why an adaptive sweep planned it (sampler, seed round); absent in fixed plans. */
  reason?: string;
}

/**
 * Metrics of one finished epoch, under the trainable's own names (`loss`, `value`, `testAccuracy`…).
 * Every value is a finite number or NaN.
 */
export interface EpochMetrics {
  /** 1-based epoch number. */
  epoch: number;
  [metric: string]: number;
}

/** The metrics the built-in image classifier reports every epoch. */
export interface ImageEpochMetrics extends EpochMetrics {
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  /** Wall-clock seconds of the epoch's training and evaluation. */
  epochSeconds: number;
  /** Training images per second in this epoch. */
  imagesPerSecond: number;
}

/** True when `m` carries the image classifier's metrics. */
export function isImageEpochMetrics(m: EpochMetrics): m is ImageEpochMetrics {
  return ['trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy'].every((k) => typeof m[k] === 'number');
}

/** Parameter counts and cost of a built model, derived from layer shapes. */
export interface ModelStats {
  /** Trainable parameters (the sum of the per-kind counts). */
  totalParams: number;
  convParams: number;
  denseParams: number;
  /** Trainable parameters of normalisation layers (batch/layer norm's γ and β); absent in older records. */
  normParams?: number;
  /** Embedding tables; absent in older records. */
  embeddingParams?: number;
  /** Every other layer's trainable parameters (recurrent, PReLU…); absent in older records. */
  otherParams?: number;
  /** Non-trainable weights (batch norm's moving statistics); absent in older records. */
  nonTrainableParams?: number;
  /** Forward-pass floating point operations per image, or per example (a multiply-add counts as 2). */
  flopsPerImage: number;
}

/** How a trial's training steps ran: one TensorFlow graph per step, or op by op through TF.js. */
export type TrainingPathMode = 'graph' | 'eager';

/** Where a backend computes. */
export type ComputeDevice = 'cpu' | 'gpu';

/**
 * The TF.js backend (or plain JS) a trial ran on. `tfVersion` and `device` are absent in records
 * written before seedsweep recorded them, and `tfVersion` on backends without TensorFlow (wasm, cpu).
 */
export interface BackendInfo {
  name: 'tensorflow' | 'tensorflow-gpu' | 'wasm' | 'cpu' | 'js' | string;
  /** Version of the TF.js package providing the backend (e.g. @tensorflow/tfjs-node). */
  version: string;
  /** TensorFlow version of the native library the backend runs on (`TF_Version()`), e.g. `2.21.0`. */
  tfVersion?: string;
  /** Where the backend computes: `gpu` only when TensorFlow itself reports a GPU device. */
  device?: ComputeDevice;
}

/**
 * A trial that found its latest checkpoint damaged (failed its checksums, truncated, missing a file,
 * an unknown format) and went on from an earlier one or from scratch: only a sweep's trials do this.
 */
export interface CheckpointRecovery {
  /** The damaged checkpoint folders, newest first, e.g. `['epoch-0005']`. */
  damaged: string[];
  /** What was wrong with them, e.g. `epoch-0005: state.bin fails its SHA-256`. */
  reason: string;
  /** Epoch of the intact checkpoint the trial resumed from; `null` when none was left and it started over. */
  resumedFrom: number | null;
}

/** Outcome of a finished trial. */
export interface TrialResult<M extends EpochMetrics = EpochMetrics> {
  /** Per-epoch metrics, epoch 1..n (including epochs done before a resume). */
  epochs: M[];
  /** The last epoch's metrics. */
  final: M;
  /** Present for models whose layers seedsweep can count (the image classifier). */
  modelStats?: ModelStats;
  backend: BackendInfo;
  /** Epoch the run resumed after (0 when it started fresh). */
  resumedFromEpoch: number;
  /** Folder holding the trained model in TF.js layers format, when saving was asked for. */
  modelDir?: string;
  /** How the training steps ran, when the trainable says (`defineModelTrainable` does). */
  trainingPath?: TrainingPathMode;
  /** Present when a damaged checkpoint was passed over on the way (in this attempt or an earlier one). */
  checkpointRecovery?: CheckpointRecovery;
}

/** One finished trial as analysis, export and compare consume it. */
export interface TrialRecord extends Omit<PlannedTrial, 'queue'> {
  result: TrialResult;
  /** The tracker's id of the trial's run (MLflow run id), where known: serving loads the model from it. */
  runId?: string;
  /** Sweep id (workflow id) the trial ran in. */
  sweepId?: string;
}
