/** Data shared by fault-points.test.ts and the child process it spawns (fault-point-child.ts). */
import type { Trial } from '../../../../src/training/runner/types.js';

/** A 3-epoch trial (the noop trainer looks at its epochs, config and seed only). */
export const NOOP_TRIAL: Trial = {
  seed: 3,
  config: {
    model: 'fc',
    modelOptions: {},
    train: { epochs: 3, batchSize: 16, optimizer: 'adam', learningRate: 1e-3 },
    dataset: { name: 'synthetic', trainSize: 40, testSize: 20 },
  },
};

/** The engine checkpoint of `epoch` the checkpoint scenario writes. */
export function engineState(epoch: number) {
  return {
    identity: 'fault-point-test',
    epoch,
    epochs: Array.from({ length: epoch }, (_, i) => ({ epoch: i + 1, loss: 1 / (i + 1) })),
    state: { weights: Float32Array.from([epoch, -epoch, 0.5]) },
  };
}
