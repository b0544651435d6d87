/**
 * Trains one trial in this thread: resolves its trainable (the config's module and export, or the
 * built-in image classifier) and runs it with checkpoints and resume (engine/run-trainable.ts).
 * Knows nothing of Temporal or threads; the pool's thread entry and `seedsweep train` call it.
 */
import * as tf from '@tensorflow/tfjs';
import type { EpochMetrics, Trial, TrialResult } from './types.js';
import { runTrainable } from './run-trainable.js';
import { resolveTrainable } from './trainables.js';

export { checkTrainSettings, trainStep, type TrainStepOptions } from './image-classifier.js';

/** Options of {@link trainTrial}. */
export interface TrainTrialOptions {
  /** The config and seed to train. */
  trial: Trial;
  /** The loaded dataset: a built-in image split (whose store may be shared between threads) or a plug-in's value. */
  dataset: unknown;
  /** Content fingerprint of `dataset`. @default `dataset.fingerprint` (built-in splits carry theirs) */
  datasetFingerprint?: string;
  /** Folder for this trial's per-epoch checkpoints. Omitted ⇒ no checkpoints (and no resuming). */
  checkpointDir?: string;
  /** Continue from the latest checkpoint in `checkpointDir` when there is one; when false, existing ones are removed first. @default false */
  resume?: boolean;
  /** Called after each epoch's checkpoint is written. */
  onEpoch?: (metrics: EpochMetrics) => void;
  /**
   * Polled before the first epoch and after each epoch's checkpoint; returning true ends the trial with
   * `TrialStoppedError` (not after the last epoch: a finished trial returns its result).
   */
  shouldStop?: () => boolean;
  /** Test fault injection: throw `InjectedFaultError` right after the checkpoint of this epoch (1-based). */
  failAtEpoch?: number;
  /** Save the trained model here (the image classifier: TF.js layers format plus manifest) after the last epoch. */
  modelDir?: string;
}

/** Trains `trial` and returns its per-epoch metrics. See {@link TrainTrialOptions}. */
export async function trainTrial(options: TrainTrialOptions): Promise<TrialResult> {
  const trainable = await resolveTrainable(options.trial.config.trainable);
  const fingerprint = options.datasetFingerprint ?? (options.dataset as { fingerprint?: unknown } | undefined)?.fingerprint;
  return runTrainable({
    trainable,
    trial: options.trial,
    dataset: options.dataset,
    datasetFingerprint: typeof fingerprint === 'string' ? fingerprint : '',
    backend: { name: tf.getBackend(), version: tf.version_core },
    ...(options.checkpointDir !== undefined ? { checkpointDir: options.checkpointDir } : {}),
    ...(options.resume !== undefined ? { resume: options.resume } : {}),
    ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
    ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}),
    ...(options.failAtEpoch !== undefined ? { failAtEpoch: options.failAtEpoch } : {}),
    ...(options.modelDir !== undefined ? { modelDir: options.modelDir } : {}),
  });
}
