/**
 * An MLP on 28×28 digits as a model trainable: seedsweep seeds it, orders and batches the data, checkpoints
 * (resumes bit-identically) and reports trainLoss, trainAccuracy, validationLoss, validationAccuracy…
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { defineModelTrainable } from 'seedsweep';
import { PIXELS, type Digits } from './digits.js';

const part = (d: Digits, from: number, n: number) => ({
  x: { data: d.images.subarray(from * PIXELS, (from + n) * PIXELS), shape: [n, PIXELS] },
  y: { data: d.labels.subarray(from, from + n), shape: [n] },
});

export const mlp = defineModelTrainable({
  name: 'digits-mlp',
  version: 3,
  params: z.object({
    hidden: z.number().int().min(4).max(4096).default(128),
    layers: z.number().int().min(1).max(4).default(1),
    lr: z.number().positive().max(1).default(1e-3),
    batch_size: z.number().int().min(1).max(4096).default(64),
  }),
  build: ({ hidden, layers }) =>
    tf.sequential({
      layers: [
        tf.layers.inputLayer({ inputShape: [PIXELS] }),
        ...Array.from({ length: layers }, () => tf.layers.dense({ units: hidden, activation: 'relu' })),
        tf.layers.dense({ units: 10 }), // logits: the loss applies the softmax
      ],
    }),
  compile: (p) => ({
    optimizer: tf.train.adam(p.lr),
    loss: { name: 'sparseCategoricalCrossentropy', fromLogits: true },
    metrics: ['accuracy'],
  }),
  data: (d: Digits) => ({ train: part(d, 0, d.trainCount), validation: part(d, d.trainCount, d.testCount) }),
  batchSize: (p) => p.batch_size,
});
