/** Small trial fixtures shared by the tracking integration suites. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EpochMetrics, TrialResult } from '../../../src/training/runner/types.js';
import type { PlannedTrial } from '../../../src/sweep-spec/types.js';

export function plannedTrial(options: { trialKey: string; seed: number; kernelSize?: number }): PlannedTrial {
  const kernelSize = options.kernelSize ?? 3;
  return {
    trialKey: options.trialKey,
    groupKey: `group-k${kernelSize}`,
    groupLabel: `model=cnn kernel_size=${kernelSize}`,
    factors: { model: 'cnn', kernel_size: kernelSize },
    seed: options.seed,
    queue: 'cpu',
    config: {
      model: 'cnn',
      modelOptions: { kernelSize, filters1: 32, filters2: 64, padding: 'valid', denseUnits: 128 },
      train: { epochs: 3, batchSize: 64, optimizer: 'adam', learningRate: 0.001 },
      dataset: { name: 'synthetic', trainSize: 512, testSize: 128, sliceSeed: 0, path: '/somewhere/local' },
    },
  };
}

/** Deterministic metrics of epoch `epoch` (values depend on the seed so runs differ). */
export function epochMetrics(epoch: number, seed = 0): EpochMetrics {
  return {
    epoch,
    trainLoss: 2 / (epoch + 1) + seed * 0.01,
    trainAccuracy: Math.min(0.99, 0.2 + epoch * 0.1),
    testLoss: 2.2 / (epoch + 1),
    testAccuracy: Math.min(0.95, 0.18 + epoch * 0.09),
    epochSeconds: 1.5 + epoch * 0.01,
    imagesPerSecond: 400 + epoch,
  };
}

export function trialResult(options: { epochs: number; seed?: number; modelDir?: string }): TrialResult {
  const epochs = Array.from({ length: options.epochs }, (_, i) => epochMetrics(i + 1, options.seed ?? 0));
  return {
    epochs,
    final: epochs[epochs.length - 1]!,
    modelStats: { totalParams: 1000, convParams: 600, denseParams: 400, flopsPerImage: 123456 },
    backend: { name: 'wasm', version: '4.22.0' },
    resumedFromEpoch: 0,
    ...(options.modelDir ? { modelDir: options.modelDir } : {}),
  };
}

/** A fake TF.js layers model folder (the tracker only copies files). */
export function writeModelDir(dir: string): string {
  mkdirSync(path.join(dir, 'nested'), { recursive: true });
  writeFileSync(
    path.join(dir, 'model.json'),
    JSON.stringify({ format: 'layers-model', weightsManifest: [] }),
  );
  writeFileSync(path.join(dir, 'weights.bin'), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
  writeFileSync(path.join(dir, 'nested', 'note.txt'), 'nested file');
  return dir;
}
