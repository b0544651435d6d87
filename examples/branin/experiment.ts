/** The Branin sweep of sweep.yaml, defined in TypeScript. */
import { defineExperiment } from 'seedsweep';

export function braninSearch(options: { samples?: number; seeds?: number[] } = {}) {
  return defineExperiment({
    name: 'branin-random',
    trainable: { module: new URL('./branin.ts', import.meta.url), export: 'branin' },
    params: { noise: 0.5 },
    train: { epochs: 3 },
    space: {
      random: {
        samples: options.samples ?? 40,
        seed: 0,
        params: { x1: { uniform: [-5, 10] }, x2: { uniform: [0, 15] } },
      },
    },
    seeds: options.seeds ?? [0, 1],
    metrics: ['value', 'regret'],
    objective: { metric: 'value', mode: 'min' },
  });
}
