/**
 * Everything random in a model trainable derives from the trial seed: initial weights (unseeded
 * initialisers re-seeded, seeded ones kept), Dropout masks (a new one every step, even for a layer
 * given a fixed seed), and the data order (from the seed and the epoch only, so variants pair).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildSeededModel } from '../../../../src/training/fit/build.js';
import { defineModelTrainable } from '../../../../src/training/fit/define.js';
import { createEagerPath } from '../../../../src/training/fit/eager-path.js';
import { reseedInitializers } from '../../../../src/training/fit/initializers.js';
import { deriveSeed, epochPermutation } from '../../../../src/training/runner/seeding.js';
import { useTestBackend } from '../fixtures.js';
import { fitTrial, runFitTrial } from './helpers.js';

beforeAll(async () => {
  await useTestBackend();
});

const info = (seed: number) => ({ seed, train: { epochs: 1 } });

/** Conv (unseeded kernel), BN (deterministic inits), dense with a seeded kernel, dense unseeded. */
const build = () =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [5, 5, 1], filters: 2, kernelSize: 3 }),
      tf.layers.batchNormalization(),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }) }),
      tf.layers.dense({ units: 2, biasInitializer: 'randomNormal' }),
    ],
  });

const weightsOf = (model: tf.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));

describe('initial weights', () => {
  it('are the same for the same seed and differ between seeds, where the initialiser has no seed', () => {
    const definition = { name: 'seeded', build };
    const [a, b, c] = [7, 7, 8].map((seed) => buildSeededModel(definition, {}, info(seed)));
    expect(weightsOf(a!)).toEqual(weightsOf(b!));
    const [wa, wc] = [weightsOf(a!), weightsOf(c!)];
    const names = a!.weights.map((w) => w.originalName.replace(/^[^/]*_/, ''));
    const differing = names.filter((_, i) => wa[i]!.join() !== wc[i]!.join());
    // The conv kernel and the last dense kernel and bias are unseeded; BN's and zero biases draw nothing.
    // (Layer numbers count every layer this process made: other test files may have made some.)
    const lastDense = names
      .filter((n) => /Dense\d+\//.test(n))
      .at(-1)!
      .replace(/\/.*$/, '');
    expect(differing).toEqual([
      expect.stringMatching(/Conv2D\d+\/kernel$/),
      expect.stringContaining(`${lastDense}/kernel`),
      expect.stringContaining(`${lastDense}/bias`),
    ]);
    for (const model of [a!, b!, c!]) model.dispose();
  });

  it('keeps an explicitly seeded initialiser’s values and reports what it re-seeded', () => {
    const model = build();
    const before = weightsOf(model);
    const report = reseedInitializers(model, 5);
    expect(report.reseeded).toEqual(['0/kernel', '4/kernel', '4/bias']);
    expect(report.seeded).toEqual(['3/kernel']);
    const after = weightsOf(model);
    const seededKernel = model.layers[3]!.weights[0]!;
    const index = model.weights.indexOf(seededKernel);
    expect(after[index]).toEqual(before[index]);
    const fresh = tf.initializers.glorotUniform({ seed: 11 }).apply(seededKernel.shape as number[]);
    expect(after[index]).toEqual(Array.from(fresh.dataSync()));
    // The conv kernel (TF.js' default glorotNormal, unseeded) now holds glorotNormal of the derived seed.
    const conv = model.layers[0]!.weights[0]!;
    const expected = tf.initializers
      .glorotNormal({ seed: deriveSeed(5, 'init', 0, 'kernel') })
      .apply(conv.shape as number[]);
    expect(Array.from(conv.read().dataSync())).toEqual(Array.from(expected.dataSync()));
    expect(after[0]).not.toEqual(before[0]);
    tf.dispose([fresh, expected]);
    model.dispose();
  });

  it('are re-seeded from deriveSeed(seed, init, layer, weight): independent of what was built before', () => {
    const first = buildSeededModel({ name: 'x', build }, {}, info(3));
    build().dispose(); // another model in between changes TF.js' layer names, not the weights
    tf.randomNormal([10]).dispose();
    const second = buildSeededModel({ name: 'x', build }, {}, info(3));
    expect(weightsOf(second)).toEqual(weightsOf(first));
    first.dispose();
    second.dispose();
  });
});

describe('per-step randomness', () => {
  /** Rows of the dense kernel still zero after `steps` single-example steps through Dropout(seed 42). */
  function untouchedRows(steps: number): number {
    const model = tf.sequential({
      layers: [
        tf.layers.dropout({ inputShape: [16], rate: 0.5, seed: 42 }),
        tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.zeros() }),
      ],
    });
    const path = createEagerPath({
      model,
      loss: { name: 'sparseCategoricalCrossentropy' },
      metrics: [],
      optimizer: { name: 'sgd', learningRate: 0.1 },
      seed: 1,
    });
    for (let step = 0; step < steps; step++) {
      path.trainBatch({
        inputs: [new Float32Array(16).fill(1)],
        targets: [Int32Array.of(step % 3)],
        count: 1,
        epoch: 1,
        step,
      });
    }
    const kernel = model.layers[1]!.getWeights()[0]!.arraySync() as number[][];
    path.dispose();
    model.dispose();
    // A row moves only in steps whose mask keeps its input: a repeated mask leaves about half of them at 0.
    return kernel.filter((row) => row.every((v) => v === 0)).length;
  }

  it('gives a Dropout layer with a fixed seed a new mask every step', () => {
    expect(untouchedRows(12)).toBe(0);
  });
});

describe('data order', () => {
  /** A trainable that records the order of training examples it is fed, per epoch. */
  function recorder(seen: number[][]) {
    return defineModelTrainable({
      name: 'order-recorder',
      params: z.object({ lr: z.number() }),
      build: () =>
        tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2, activation: 'softmax' })] }),
      compile: (p) => ({
        optimizer: { name: 'sgd', learningRate: p.lr },
        loss: 'sparseCategoricalCrossentropy',
      }),
      data: () => ({
        train: {
          size: 23,
          fill(indices, start, count, batch) {
            if (start === 0) seen.push([]);
            for (let k = 0; k < count; k++) {
              const i = indices[start + k]!;
              seen.at(-1)!.push(i);
              batch.inputs[0]!.set([i / 23, 1 - i / 23], k * 2);
              batch.targets[0]![k] = i % 2;
            }
          },
        },
      }),
      batchSize: 5,
    });
  }

  it('depends on the seed and the epoch only: two variants of one seed see the same order', async () => {
    const orders = async (lr: number, seed: number) => {
      const seen: number[][] = [];
      await runFitTrial(recorder(seen) as never, { trial: fitTrial('order-recorder', { lr }, 3, seed) });
      return seen;
    };
    const a = await orders(0.1, 5);
    const b = await orders(0.5, 5);
    const c = await orders(0.1, 6);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a).toHaveLength(3);
    expect(new Set(a.map((o) => o.join())).size).toBe(3); // a new order every epoch
    a.forEach((order, i) =>
      expect(order).toEqual(Array.from(epochPermutation({ seed: 5, epoch: i + 1, length: 23 }))),
    );
  });
});
