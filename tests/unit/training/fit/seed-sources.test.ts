/**
 * Seed sources in a model trainable: with every source equal to the trial seed a trial trains exactly
 * as one without seed sources (bit-identical metrics); otherwise initial weights follow `init` only,
 * the data order `dataOrder` only and dropout masks `dropout` only, and `data` sees `seeds.split`.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { SeedSources, SeedSourcesConfig } from '../../../../src/core/domain/seed-sources.js';
import type { Trial } from '../../../../src/core/domain/trial.js';
import { defineModelTrainable } from '../../../../src/training/fit/define.js';
import { useTestBackend } from '../fixtures.js';
import { blobs, fitTrial, runFitTrial, withoutTimings } from './helpers.js';

beforeAll(async () => {
  await useTestBackend();
});

const data = blobs(40, 4, 2);

/** A small classifier with dropout; records the seeds its `data` saw. */
function trainable(splits: (SeedSources | undefined)[]) {
  return defineModelTrainable({
    name: 'sources',
    params: z.object({}),
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu' }),
          tf.layers.dropout({ rate: 0.5 }),
          tf.layers.dense({ units: 2, activation: 'softmax' }),
        ],
      }),
    compile: {
      optimizer: { name: 'sgd', learningRate: 0.5 },
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    },
    data: (_dataset, _params, info) => {
      splits.push(info.seeds);
      return { train: { x: { data: data.x, shape: [40, 4] }, y: { data: data.y, shape: [40] } } };
    },
    batchSize: 8,
  });
}

const trialOf = (seed: number, seedSources?: SeedSourcesConfig): Trial => {
  const trial = fitTrial('sources', {}, 2, seed);
  if (seedSources) trial.config.seedSources = seedSources;
  return trial;
};

async function train(trial: Trial) {
  const splits: (SeedSources | undefined)[] = [];
  const result = await runFitTrial(trainable(splits) as never, { trial });
  return { metrics: withoutTimings(result.epochs), split: splits[0] };
}

describe('seed sources in a model trainable', () => {
  it('trains bit-identically when every source takes the trial seed', async () => {
    const plain = await train(trialOf(3));
    const allShared = await train(
      trialOf(3, { design: 'shared', vary: ['init', 'dataOrder', 'split', 'dropout'], fixed: 0 }),
    );
    expect(allShared.metrics).toEqual(plain.metrics);
    expect(plain.split).toEqual({ init: 3, dataOrder: 3, split: 3, dropout: 3 });
  });

  it('changes the outcome only through the sources that vary', async () => {
    const held = (vary: SeedSourcesConfig['vary'], seed: number) =>
      train(trialOf(seed, { design: 'shared', vary, fixed: 0 }));
    const base = await held(['split'], 0); // every source 0
    // Varying only `split` changes nothing here (this trainable draws no split).
    expect((await held(['split'], 1)).metrics).toEqual(base.metrics);
    expect((await held(['split'], 1)).split).toEqual({ init: 0, dataOrder: 0, split: 1, dropout: 0 });
    // Each of init, data order and dropout alone changes the trained model.
    for (const source of ['init', 'dataOrder', 'dropout'] as const)
      expect((await held([source], 1)).metrics, source).not.toEqual(base.metrics);
  });
});
