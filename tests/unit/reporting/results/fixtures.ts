/** Small hand-made TrialRecords for the src/reporting/results/ tests: study metrics or a user trainable's own names. */
import type { EpochMetrics, ParamValue, TrialRecord } from '../../../../src/core/domain/trial.js';

export interface RecordOptions {
  trialKey?: string;
  groupKey?: string;
  groupLabel?: string;
  factors?: Record<string, ParamValue>;
  seed?: number;
  model?: string;
  modelOptions?: Record<string, ParamValue>;
  epochs?: EpochMetrics[];
  sweepId?: string;
  runId?: string;
  backend?: string;
  modelStats?: boolean;
}

/** The study's metrics for `epoch`, shifted by `offset` (a different machine's last bits, say). */
export function studyEpoch(epoch: number, seed: number, offset = 0): EpochMetrics {
  return {
    epoch,
    trainLoss: 2 / (epoch + 1) + seed * 0.01 + offset,
    trainAccuracy: 0.2 + epoch * 0.1 + offset,
    testLoss: 2.2 / (epoch + 1) + offset,
    testAccuracy: 0.18 + epoch * 0.09 + seed * 0.001 + offset,
    epochSeconds: 1.5,
    imagesPerSecond: 400,
  };
}

/** A CNN trial of the kernel-size study with `epochs` epochs of study metrics. */
export function cnnRecord(options: {
  kernelSize: number;
  seed: number;
  epochs?: number;
  offset?: number;
  sweepId?: string;
  runId?: string;
  backend?: string;
}): TrialRecord {
  const n = options.epochs ?? 3;
  return record({
    trialKey: `t-k${options.kernelSize}-s${options.seed}`,
    groupKey: `g-k${options.kernelSize}`,
    groupLabel: `kernel_size=${options.kernelSize}`,
    factors: { kernel_size: options.kernelSize },
    seed: options.seed,
    model: 'cnn',
    modelOptions: { kernelSize: options.kernelSize, filters1: 32, padding: 'valid' },
    epochs: Array.from({ length: n }, (_, i) => studyEpoch(i + 1, options.seed, options.offset ?? 0)),
    modelStats: true,
    ...(options.sweepId ? { sweepId: options.sweepId } : {}),
    ...(options.runId ? { runId: options.runId } : {}),
    ...(options.backend ? { backend: options.backend } : {}),
  });
}

export function record(options: RecordOptions): TrialRecord {
  const epochs = options.epochs ?? [{ epoch: 1, value: 1 }];
  return {
    trialKey: options.trialKey ?? 'trial',
    groupKey: options.groupKey ?? 'group',
    groupLabel: options.groupLabel ?? 'all',
    factors: options.factors ?? {},
    seed: options.seed ?? 0,
    config: {
      model: options.model ?? 'quadratic',
      modelOptions: options.modelOptions ?? {},
      train: { epochs: epochs.length },
      dataset: { name: 'synthetic', trainSize: 200, testSize: 100, path: '/not/exported' },
    },
    result: {
      epochs,
      final: epochs[epochs.length - 1]!,
      backend: { name: options.backend ?? 'wasm', version: '4.22.0' },
      resumedFromEpoch: 0,
      ...(options.modelStats
        ? { modelStats: { totalParams: 1000, convParams: 600, denseParams: 400, flopsPerImage: 5000 } }
        : {}),
    },
    ...(options.runId ? { runId: options.runId } : {}),
    ...(options.sweepId ? { sweepId: options.sweepId } : {}),
  };
}
