/** The random sampler draws exactly as spec expansion's random search does for the same seed. */
import { describe, expect, it } from 'vitest';
import { RandomSampler } from '../../../src/search/index.js';
import { draw } from '../../../src/search/distributions.js';
import { expandVariants } from '../../../src/sweep-spec/expand.js';
import { parseSweepSpec } from '../../../src/sweep-spec/load.js';
import { seededUniform } from '../../../src/search/uniform.js';
import { EVERY_KIND } from './helpers.js';

const SPEC = `name: random-study
dataset: {name: cifar10, train_size: 1000, test_size: 200}
train: {epochs: 2}
variants:
  random:
    samples: 30
    seed: 11
    params:
      model: {choice: [cnn]}
      kernel_size: {choice: [3, 5]}
      learning_rate: {loguniform: [0.0001, 0.1]}
      batch_size: {logint: [16, 256]}
      epochs: {int: [1, 5]}
seeds: {count: 1}
`;

describe('RandomSampler', () => {
  it('gives, ask by ask, the samples of variants.random with the same seed', () => {
    const spec = parseSweepSpec({ text: SPEC, file: 'random.yaml' });
    const random = spec.variants.random!;
    const sampler = new RandomSampler();
    const uniform = seededUniform(random.seed);
    const asked = Array.from({ length: random.samples }, () =>
      sampler.ask({ space: random.params, trials: [], mode: 'max', uniform }),
    );
    const variants = expandVariants(spec).variants;
    expect(variants.length).toBeGreaterThan(20);
    for (const variant of variants) {
      if (variant.origin.kind !== 'random') throw new Error('expected random variants only');
      expect(variant.values).toEqual(asked[variant.origin.sample]);
    }
  });

  it('consumes one uniform per parameter through src/sweep-spec/expand.ts draw, whatever the trials', () => {
    const stream = seededUniform(5);
    const expected = Object.fromEntries(Object.entries(EVERY_KIND).map(([k, d]) => [k, draw(d, stream)]));
    const trials = [{ params: { u: 1 }, value: 0 }];
    expect(
      new RandomSampler().ask({ space: EVERY_KIND, trials, mode: 'min', uniform: seededUniform(5) }),
    ).toEqual(expected);
  });
});
