/**
 * A tiny `defineModelTrainable` for the serving integration test, loaded by the sweep's workers from
 * a spec: an MLP on 4 features with 3 named classes, its raw inputs scaled by 1/4 before the model
 * (the manifest records it, so the server repeats it).
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { defineModelTrainable } from '../../../src/interfaces/api/index.js';

const TRAIN = 60;
const TEST = 30;

/** `n` examples of 4 raw features (0–4) whose class is the index of the largest of the first three. */
function examples(n: number, offset: number) {
  const x = new Float32Array(n * 4);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < 4; f++) x[i * 4 + f] = (((i + offset) * (f + 3) * 7919) % 401) / 100;
    const row = x.subarray(i * 4, i * 4 + 3);
    y[i] = row.indexOf(Math.max(...row));
  }
  for (let i = 0; i < x.length; i++) x[i] = x[i]! / 4; // the preprocessing the manifest records
  return { x: { data: x, shape: [n, 4] }, y: { data: y, shape: [n] } };
}

export const features = defineModelTrainable({
  name: 'serving-features-mlp',
  version: 1,
  params: z.object({ lr: z.number().positive(), hidden: z.number().int().min(1).default(8) }),
  build: ({ hidden }) =>
    tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: hidden, activation: 'relu' }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    }),
  compile: ({ lr }) => ({
    optimizer: { name: 'adam', learningRate: lr },
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  }),
  data: () => ({
    train: examples(TRAIN, 0),
    test: examples(TEST, TRAIN),
    classNames: ['red', 'green', 'blue'],
    preprocessing: { kind: 'scale', scale: 0.25 },
    synthetic: true,
  }),
  batchSize: 16,
});
