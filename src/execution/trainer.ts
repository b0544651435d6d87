/**
 * Trains one trial in this thread: resolves its trainable (the config's module and export, or the
 * built-in image classifier) and runs it with checkpoints and resume (src/training/runner/run-trainable.ts).
 * Knows nothing of Temporal or threads; the pool's thread entry and `seedsweep train` call it.
 */
import * as tf from '../training/backends/tfjs.js';
import type { TrialResult } from '../training/runner/types.js';
import { runTrainable, type RunTrainableOptions } from '../training/runner/run-trainable.js';
import { resolveTrainable } from './trainables.js';

/** Options of {@link trainTrial}: those of `runTrainable` without the trainable (the trial names it) and backend. */
export type TrainTrialOptions = Omit<RunTrainableOptions, 'trainable' | 'backend' | 'datasetFingerprint'> & {
  /** Content fingerprint of `dataset`. @default `dataset.fingerprint` (built-in splits carry theirs) */
  datasetFingerprint?: string;
};

/** Trains `trial` and returns its per-epoch metrics. See {@link TrainTrialOptions}. */
export async function trainTrial(options: TrainTrialOptions): Promise<TrialResult> {
  const trainable = await resolveTrainable(options.trial.config.trainable);
  const fingerprint =
    options.datasetFingerprint ?? (options.dataset as { fingerprint?: unknown } | undefined)?.fingerprint;
  return runTrainable({
    ...options,
    trainable,
    datasetFingerprint: typeof fingerprint === 'string' ? fingerprint : '',
    backend: { name: tf.getBackend(), version: tf.version_core },
  });
}
