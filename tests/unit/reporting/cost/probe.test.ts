/** What `plan --probe` trains: a slice of a built-in dataset and at most two epochs, scaled back up. */
import { describe, expect, it } from 'vitest';
import type { TrialConfig } from '../../../../src/core/domain/trial.js';
import { PROBE_TRAIN_EXAMPLES, probePlan } from '../../../../src/reporting/cost/probe.js';

const config = (over: Partial<TrialConfig> = {}): TrialConfig => ({
  model: 'cnn',
  modelOptions: {},
  train: { epochs: 10, batchSize: 64 },
  dataset: { name: 'cifar10' },
  ...over,
});

describe('probePlan', () => {
  it('trains two epochs on a slice of the whole CIFAR-10 training split and scales by its size', () => {
    const plan = probePlan(config());
    expect(plan.config.train.epochs).toBe(2);
    expect(plan.config.dataset).toMatchObject({
      name: 'cifar10',
      trainSize: PROBE_TRAIN_EXAMPLES,
      testSize: 256,
    });
    expect(plan.scale).toBeCloseTo(50_000 / PROBE_TRAIN_EXAMPLES, 12);
    expect(plan.timed).toBe('16 batch(es) of 64 (epoch 2 on a 1024-example slice of 50000), scaled ×48.8');
  });

  it("scales a spec's own slice by its size", () => {
    const plan = probePlan(config({ dataset: { name: 'synthetic', trainSize: 4096, testSize: 100 } }));
    expect(plan.scale).toBe(4);
    expect(plan.config.dataset).toMatchObject({ trainSize: PROBE_TRAIN_EXAMPLES, testSize: 100 });
  });

  it('uses small and plug-in datasets whole, and never trains more epochs than planned', () => {
    const small = probePlan(config({ dataset: { name: 'synthetic', trainSize: 200 }, train: { epochs: 1 } }));
    expect(small).toMatchObject({ scale: 1, epochs: 1, timed: 'epoch 1 of 1 on the whole dataset' });
    expect(small.config.dataset).toEqual({ name: 'synthetic', trainSize: 200 });
    const plugin = probePlan(config({ dataset: { name: 'digits', module: '/x.ts', export: 'digits' } }));
    expect(plugin.scale).toBe(1);
    expect(plugin.config.dataset).toEqual({ name: 'digits', module: '/x.ts', export: 'digits' });
  });
});
