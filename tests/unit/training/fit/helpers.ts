/** Shared pieces of the model-trainable tests: running a trial, small data, comparing results. */
import type { Trainable } from '../../../../src/core/domain/trainable.js';
import type { EpochMetrics, Trial, TrialResult } from '../../../../src/core/domain/trial.js';
import { createRandom } from '../../../../src/training/runner/seeding.js';
import { runTrainable, type RunTrainableOptions } from '../../../../src/training/runner/run-trainable.js';

/** A trial of `trainable` with `params`, `epochs` epochs, seed `seed`. */
export function fitTrial(
  name: string,
  params: Record<string, number | string>,
  epochs: number,
  seed = 3,
): Trial {
  return {
    seed,
    config: {
      model: name,
      modelOptions: params,
      train: { epochs },
      dataset: { name: 'none' },
      trainable: { module: '/tests/fit.ts', export: name },
    },
  };
}

/** Runs a trial of a model trainable in this thread, as a worker would. */
export function runFitTrial(
  trainable: Trainable<never, never>,
  options: Omit<Partial<RunTrainableOptions>, 'trainable'> & { trial: Trial; dataset?: unknown },
): Promise<TrialResult> {
  return runTrainable({
    datasetFingerprint: 'test',
    backend: { name: 'wasm', version: 'test' },
    dataset: undefined,
    ...options,
    trainable: trainable as unknown as RunTrainableOptions['trainable'],
  });
}

/** An epoch's metrics without its timings (which differ run to run). */
export function withoutTimings(epochs: readonly EpochMetrics[]): Record<string, number>[] {
  return epochs.map(({ epochSeconds: _s, examplesPerSecond: _e, imagesPerSecond: _i, ...rest }) => rest);
}

/** `n` examples of `features` floats whose class (0..classes-1) is learnable from their sum. */
export function blobs(n: number, features: number, classes: number, seed = 1) {
  const random = createRandom(seed);
  const x = new Float32Array(n * features);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % classes;
    for (let f = 0; f < features; f++) x[i * features + f] = random() + (y[i]! * (f % 3)) / classes;
  }
  return { x, y };
}
