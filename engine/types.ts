/**
 * The data types every part of seedsweep shares about one trial. Plain JSON-serialisable objects:
 * they cross thread boundaries (piscina), process boundaries (Temporal payloads) and the tracker.
 */
import type { DatasetSpec } from '../datasets/types.js';

/** Optimisers the engine can build. */
export const OptimizerName = { adam: 'adam', sgd: 'sgd', rmsprop: 'rmsprop' } as const;
export type OptimizerName = (typeof OptimizerName)[keyof typeof OptimizerName];

/** Training settings of one trial. */
export interface TrainSettings {
  /** Number of passes over the training slice. @default 10 */
  epochs: number;
  /** Images per gradient step. @default 64 */
  batchSize: number;
  /** @default 'adam' */
  optimizer: OptimizerName;
  /** @default 1e-3 */
  learningRate: number;
}

/**
 * Everything that determines a trial's outcome apart from the seed. Canonical form: model options
 * are complete (defaults filled in by the model registry) so that equal configs hash equally.
 */
export interface TrialConfig {
  /** Architecture name in the model registry, e.g. `fc` or `cnn`. */
  model: string;
  /** Architecture options, e.g. `{ kernelSize: 3, filters1: 32, filters2: 64, padding: 'valid', denseUnits: 128 }`. */
  modelOptions: Record<string, number | string>;
  train: TrainSettings;
  dataset: DatasetSpec;
}

/** A trial: a config and the seed that fixes weight init and data order. */
export interface Trial {
  config: TrialConfig;
  /** Non-negative integer. Same seed ⇒ same data order across variants (common random numbers). */
  seed: number;
}

/** Metrics of one finished epoch. */
export interface EpochMetrics {
  /** 1-based epoch number. */
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  /** Wall-clock seconds of the epoch's training and evaluation. */
  epochSeconds: number;
  /** Training images per second in this epoch. */
  imagesPerSecond: number;
}

/** Parameter counts and cost of a built model, derived from layer shapes. */
export interface ModelStats {
  totalParams: number;
  convParams: number;
  denseParams: number;
  /** Forward-pass floating point operations per image (a multiply-add counts as 2). */
  flopsPerImage: number;
}

/** The TF.js backend a trial ran on. */
export interface BackendInfo {
  name: 'tensorflow' | 'wasm' | 'cpu' | string;
  version: string;
}

/** Outcome of a finished trial. */
export interface TrialResult {
  /** Per-epoch metrics, epoch 1..n (including epochs done before a resume). */
  epochs: EpochMetrics[];
  /** The last epoch's metrics. */
  final: EpochMetrics;
  modelStats: ModelStats;
  backend: BackendInfo;
  /** Epoch the run resumed after (0 when it started fresh). */
  resumedFromEpoch: number;
  /** Folder holding the trained model in TF.js layers format, when saving was asked for. */
  modelDir?: string;
}
