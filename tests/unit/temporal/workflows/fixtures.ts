/** Small planned trials for the pure workflow helpers' tests (no spec expansion needed). */
import type { DatasetSpec } from '../../../../src/core/domain/dataset.js';
import type { PlannedTrial } from '../../../../src/core/domain/trial.js';

/** A CPU trial of the `fc` model with the given key, seed and epoch budget. */
export function plannedTrial(trialKey: string, seed = 0, epochs = 3): PlannedTrial {
  return {
    trialKey,
    groupKey: 'g',
    groupLabel: 'model=fc',
    factors: { model: 'fc' },
    queue: 'cpu',
    seed,
    config: {
      model: 'fc',
      modelOptions: {},
      train: { epochs },
      dataset: { name: 'synthetic' } as unknown as DatasetSpec,
    },
  };
}
