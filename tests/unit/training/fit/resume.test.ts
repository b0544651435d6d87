/**
 * A model trainable killed after epoch k (1–3) and resumed from its checkpoint ends bit-identical to
 * an uninterrupted run: every epoch's metrics and every saved weight (trainable and not, e.g. batch
 * norm's moving statistics), with Adam, SGD with momentum, RMSprop and Dropout masks in play.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InjectedFaultError } from '../../../../src/training/runner/errors.js';
import { defineModelTrainable } from '../../../../src/training/fit/define.js';
import { useTestBackend } from '../fixtures.js';
import { blobs, fitTrial, runFitTrial, withoutTimings } from './helpers.js';

let tmp: string;
beforeAll(async () => {
  await useTestBackend();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-fit-resume-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const params = z.object({ lr: z.number().default(0.01) });

const mlp = defineModelTrainable({
  name: 'fit-mlp',
  params,
  build: () =>
    tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [16], units: 12, activation: 'relu' }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    }),
  compile: (p) => ({
    optimizer: tf.train.adam(p.lr),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  }),
  data: () => {
    const train = blobs(96, 16, 3, 1);
    const test = blobs(40, 16, 3, 2);
    return {
      train: { x: { data: train.x, shape: [96, 16] }, y: { data: train.y, shape: [96] } },
      test: { x: tf.tensor2d(test.x, [40, 16]), y: tf.tensor1d(test.y, 'int32') },
    };
  },
  batchSize: 10,
});

const cnnWithDropout = defineModelTrainable({
  name: 'fit-cnn-dropout',
  params,
  build: () =>
    tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3, activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    }),
  compile: (p) => ({
    optimizer: tf.train.momentum(p.lr, 0.9, true),
    loss: { name: 'sparseCategoricalCrossentropy' },
    metrics: ['acc'],
  }),
  data: () => {
    const train = blobs(64, 72, 3, 3);
    const validation = blobs(30, 72, 3, 4);
    return {
      train: { x: { data: train.x, shape: [64, 6, 6, 2] }, y: { data: train.y, shape: [64] } },
      validation: {
        x: { data: validation.x, shape: [30, 6, 6, 2] },
        y: { data: validation.y, shape: [30, 1] },
      },
    };
  },
  batchSize: 8,
});

const batchNormNet = defineModelTrainable({
  name: 'fit-batchnorm',
  params,
  build: () =>
    tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [10], units: 8 }),
        tf.layers.batchNormalization(),
        tf.layers.activation({ activation: 'relu' }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    }),
  compile: (p) => ({
    optimizer: { name: 'rmsprop', learningRate: p.lr },
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy', 'mse'],
  }),
  data: () => {
    const { x, y } = blobs(50, 10, 3, 5);
    const oneHot = new Float32Array(50 * 3);
    y.forEach((c, i) => (oneHot[i * 3 + c] = 1));
    return { train: { x: { data: x, shape: [50, 10] }, y: { data: oneHot, shape: [50, 3] } } };
  },
  batchSize: 7,
});

async function weightsOf(dir: string): Promise<Buffer> {
  return readFile(path.join(dir, 'weights.bin'));
}

/** Kills the trial after epoch 1, 2 and 3 in turn; each resumed run must end like the straight one. */
async function expectExactResume(trainable: { name: string }, label: string): Promise<void> {
  const name = trainable.name;
  const trial = fitTrial(name, { lr: 0.01 }, 4);
  const straightDir = path.join(tmp, label, name, 'straight');
  const straight = await runFitTrial(trainable as never, { trial, modelDir: straightDir });
  expect(straight.trainingPath).toBe('eager');
  expect(straight.epochs).toHaveLength(4);
  const reference = withoutTimings(straight.epochs);
  expect(Object.keys(reference[0]!).length).toBeGreaterThan(2);
  expect(reference[3]!['trainLoss']).toBeLessThan(reference[0]!['trainLoss']!); // it trains
  for (const k of [1, 2, 3]) {
    const checkpointDir = path.join(tmp, label, name, `ckpt-${k}`);
    await expect(
      runFitTrial(trainable as never, { trial, checkpointDir, failAtEpoch: k }),
    ).rejects.toBeInstanceOf(InjectedFaultError);
    const modelDir = path.join(tmp, label, name, `resumed-${k}`);
    const resumed = await runFitTrial(trainable as never, { trial, checkpointDir, resume: true, modelDir });
    expect(resumed.resumedFromEpoch).toBe(k);
    expect(withoutTimings(resumed.epochs)).toEqual(reference);
    expect((await weightsOf(modelDir)).equals(await weightsOf(straightDir))).toBe(true);
  }
}

describe.each([
  ['an MLP (Adam)', mlp],
  ['a CNN with Dropout (SGD with Nesterov momentum)', cnnWithDropout],
  ['a batch-norm net (RMSprop, one-hot targets)', batchNormNet],
])('kill and resume on wasm: %s', (_label, trainable) => {
  it('ends bit-identical to an uninterrupted run after a kill at epoch 1, 2 or 3', async () => {
    await expectExactResume(trainable, 'wasm');
  });
});

describe('memory', () => {
  it('a trial leaves no tensors behind (model, optimiser state and batches freed)', async () => {
    await runFitTrial(mlp as never, { trial: fitTrial(mlp.name, { lr: 0.01 }, 1) }); // warm-up: TF.js caches
    const before = tf.memory().numTensors;
    await runFitTrial(batchNormNet as never, { trial: fitTrial(batchNormNet.name, { lr: 0.01 }, 2) });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('kill and resume on the cpu backend', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(async () => {
    await useTestBackend();
  });

  it.each([
    ['an MLP (Adam)', mlp],
    ['a CNN with Dropout (SGD with Nesterov momentum)', cnnWithDropout],
  ])('%s ends bit-identical to an uninterrupted run', async (_label, trainable) => {
    expect(tf.getBackend()).toBe('cpu');
    await expectExactResume(trainable, 'cpu');
  });
});
