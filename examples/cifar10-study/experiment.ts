/**
 * The convolutional-layers study on the public API: the same sweep as sweeps/cifar10-study.yaml
 * (FC baseline, CNN 3×3 and 5×5, 5 seeds), with the study's image classifier named like any user
 * trainable. Run it with `npx tsx examples/cifar10-study/run.ts [path/to/cifar-10-binary.tar.gz]`.
 */
import { defineExperiment } from 'seedsweep';

export function cifar10Study(
  options: { dataPath?: string; seeds?: number; trainSize?: number; testSize?: number; epochs?: number } = {},
) {
  return defineExperiment({
    name: 'cifar10-study-api',
    description: 'Convolutional layers study on the public API: FC vs CNN 3x3 vs CNN 5x5 on CIFAR-10',
    trainable: 'seedsweep/image-classifier#imageClassifier',
    dataset: {
      name: 'cifar10',
      train_size: options.trainSize ?? 10_000,
      test_size: options.testSize ?? 2_000,
      slice_seed: 0,
      ...(options.dataPath ? { path: options.dataPath } : {}),
    },
    train: { epochs: options.epochs ?? 5, batch_size: 64, optimizer: 'adam', learning_rate: 0.001 },
    space: { grid: { model: ['fc', 'cnn'], kernel_size: [3, 5] }, when: { kernel_size: { model: 'cnn' } } },
    seeds: { count: options.seeds ?? 5 },
    objective: { metric: 'testAccuracy', mode: 'max' },
    metrics: ['trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy', 'epochSeconds', 'imagesPerSecond'],
    interpretation: 'conv-study',
    comparisons: [
      { name: 'cnn 3x3 vs fc', a: { model: 'cnn', kernel_size: 3 }, b: { model: 'fc' } },
      { name: 'cnn 5x5 vs cnn 3x3', a: { kernel_size: 5 }, b: { kernel_size: 3 } },
    ],
  });
}
