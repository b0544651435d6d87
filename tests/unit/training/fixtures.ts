/** Test data for engine tests: a small hand-built image store in SharedArrayBuffers. */
import { IMAGE_BYTES, type DatasetSplit, type ImageStore } from '../../../src/datasets/types.js';
import { initBackend } from '../../../src/training/backends/backend.js';
import { createRandom } from '../../../src/training/runner/seeding.js';
import type { Trial, TrialConfig } from '../../../src/training/runner/types.js';

/** The TF.js backend for engine unit tests: wasm, the one workers use here. */
export async function useTestBackend(): Promise<void> {
  await initBackend({ backend: 'wasm' });
}

/** A store of `trainSize + testSize` random images whose label shifts the mean brightness (learnable). */
export function makeSplit(options: { trainSize: number; testSize: number; seed?: number }): DatasetSplit {
  const { trainSize, testSize, seed = 1 } = options;
  const count = trainSize + testSize;
  const images = new Uint8Array(new SharedArrayBuffer(count * IMAGE_BYTES));
  const labels = new Uint8Array(new SharedArrayBuffer(count));
  const random = createRandom(seed);
  for (let i = 0; i < count; i++) {
    const label = i % 10;
    labels[i] = label;
    for (let p = 0; p < IMAGE_BYTES; p++)
      images[i * IMAGE_BYTES + p] = Math.floor(random() * 128) + label * 12;
  }
  const store: ImageStore = {
    name: 'synthetic',
    synthetic: true,
    images,
    labels,
    count,
    trainCount: trainSize,
    classNames: Array.from({ length: 10 }, (_, i) => `class${i}`),
    fingerprint: `test-${seed}-${trainSize}-${testSize}`,
  };
  const range = (from: number, n: number) => Int32Array.from({ length: n }, (_, i) => from + i);
  return {
    store,
    train: range(0, trainSize),
    test: range(trainSize, testSize),
    fingerprint: store.fingerprint,
  };
}

/** A trial on synthetic data with small defaults. */
export function makeTrial(
  options: {
    seed?: number;
    model?: string;
    modelOptions?: Record<string, number | string>;
    train?: Partial<TrialConfig['train']>;
  } = {},
): Trial {
  return {
    seed: options.seed ?? 7,
    config: {
      // The built-in image classifier, named by omission: `model` of its parameters picks the architecture.
      model: 'image-classifier',
      modelOptions: {
        model: options.model ?? 'cnn',
        ...(options.modelOptions ?? { filters1: 4, filters2: 8, dense_units: 16 }),
      },
      train: { epochs: 3, batchSize: 16, optimizer: 'adam', learningRate: 1e-3, ...options.train },
      dataset: { name: 'synthetic', trainSize: 40, testSize: 20 },
    },
  };
}
