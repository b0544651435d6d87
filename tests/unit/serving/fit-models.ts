/**
 * Small models trained and saved by `defineModelTrainable` (the real fit loop and its manifest
 * writer), for the tests of serving any model by its signature: an MLP on 4 features, a Conv1D
 * regressor on sequences, a two-input binary classifier, an embedding over int32 tokens, and grey and
 * RGB image classifiers that are not the study's 32×32×3.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { FitData, ModelTrainableDefinition } from '../../../src/training/fit/definition.js';
import { defineModelTrainable } from '../../../src/training/fit/define.js';
import { createRandom } from '../../../src/training/runner/seeding.js';
import { fitTrial, runFitTrial } from '../training/fit/helpers.js';

/** `n × size` uniform floats in [lo, hi), seeded. */
function uniform(n: number, size: number, seed: number, lo = 0, hi = 1): Float32Array {
  const random = createRandom(seed);
  return Float32Array.from({ length: n * size }, () => lo + (hi - lo) * random());
}

/** Labels 0..classes-1 by example index. */
function labels(n: number, classes: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i % classes);
}

const N = 24;

/** What the general models are: name → trainable definition (build, compile, data). */
export const FIT_MODELS = {
  /** 4 features → 3 classes (softmax), raw inputs scaled by 0.5 and shifted by 1 before the model. */
  mlp4: {
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [4], units: 6, activation: 'relu' }),
          tf.layers.dense({ units: 3, activation: 'softmax' }),
        ],
      }),
    compile: { optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] },
    data: (): FitData => ({
      train: { x: { data: uniform(N, 4, 1, -2, 2), shape: [N, 4] }, y: { data: labels(N, 3), shape: [N] } },
      classNames: ['setosa', 'versicolor', 'virginica'],
      preprocessing: { kind: 'scale', scale: 0.5, offset: 1 },
      synthetic: true,
    }),
  },
  /** Sequences of 10 steps × 2 channels → one value (regression; no class names, no preprocessing). */
  conv1d: {
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.conv1d({ inputShape: [10, 2], filters: 3, kernelSize: 3, activation: 'relu' }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 1 }),
        ],
      }),
    compile: { optimizer: 'sgd', loss: 'meanSquaredError' },
    data: (): FitData => ({
      train: {
        x: { data: uniform(N, 20, 2), shape: [N, 10, 2] },
        y: { data: uniform(N, 1, 3), shape: [N, 1] },
      },
    }),
  },
  /** Inputs `features` [4] and `extra` [2] → one sigmoid unit, class names no/yes. */
  twoInputs: {
    build: () => {
      const a = tf.input({ shape: [4], name: 'features' });
      const b = tf.input({ shape: [2], name: 'extra' });
      const joined = tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor;
      const out = tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(joined) as tf.SymbolicTensor;
      return tf.model({ inputs: [a, b], outputs: out });
    },
    compile: { optimizer: 'adam', loss: 'binaryCrossentropy' },
    data: (): FitData => ({
      train: {
        x: [
          { data: uniform(N, 4, 4), shape: [N, 4] },
          { data: uniform(N, 2, 5), shape: [N, 2] },
        ],
        y: { data: Float32Array.from(labels(N, 2)), shape: [N, 1] },
      },
      classNames: ['no', 'yes'],
      preprocessing: { kind: 'none' },
    }),
  },
  /**
   * 5 int32 token ids (vocabulary 10) → 2 classes, raw values (no class names). The embedding is frozen:
   * its gradient (UnsortedSegmentSum) has no wasm kernel.
   */
  tokens: {
    build: () => {
      const ids = tf.input({ shape: [5], dtype: 'int32', name: 'tokens' });
      const embedded = tf.layers
        .embedding({ inputDim: 10, outputDim: 3, trainable: false })
        .apply(ids) as tf.SymbolicTensor;
      const flat = tf.layers.flatten().apply(embedded) as tf.SymbolicTensor;
      const out = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(flat) as tf.SymbolicTensor;
      return tf.model({ inputs: ids, outputs: out });
    },
    compile: { optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' },
    data: (): FitData => ({
      train: {
        x: { data: Int32Array.from({ length: N * 5 }, (_, i) => (i * 7) % 10), shape: [N, 5] },
        y: { data: labels(N, 2), shape: [N] },
      },
    }),
  },
  /** Grey images 6 high × 5 wide → 2 classes as logits (a linear last layer), pixels scaled by 1/255. */
  grey: {
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [6, 5, 1], filters: 2, kernelSize: 3 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 2 }),
        ],
      }),
    compile: {
      optimizer: 'adam',
      loss: { name: 'sparseCategoricalCrossentropy', fromLogits: true },
      metrics: ['accuracy'],
    },
    data: (): FitData => ({
      train: { x: { data: uniform(N, 30, 6), shape: [N, 6, 5, 1] }, y: { data: labels(N, 2), shape: [N] } },
      classNames: ['dark', 'light'],
      preprocessing: { kind: 'scale', scale: 1 / 255 },
    }),
  },
  /** RGB images 4×4 → 2 classes, saved without a preprocessing: image bodies cannot be served. */
  rgbNoPreprocessing: {
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.flatten({ inputShape: [4, 4, 3] }),
          tf.layers.dense({ units: 2, activation: 'softmax' }),
        ],
      }),
    compile: { optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' },
    data: (): FitData => ({
      train: { x: { data: uniform(N, 48, 7), shape: [N, 4, 4, 3] }, y: { data: labels(N, 2), shape: [N] } },
      classNames: ['a', 'b'],
    }),
  },
} satisfies Record<string, Pick<ModelTrainableDefinition<object>, 'build' | 'compile' | 'data'>>;

export type FitModelName = keyof typeof FIT_MODELS;

/** Trains `name` for one epoch through the real fit loop and saves it; returns the model folder. */
export async function trainFitModel(name: FitModelName, root?: string): Promise<string> {
  const trainable = defineModelTrainable({
    name,
    params: z.object({}),
    batchSize: 8,
    ...FIT_MODELS[name],
  } as ModelTrainableDefinition<object>);
  const dir = path.join(root ?? (await mkdtemp(path.join(os.tmpdir(), 'seedsweep-fit-serving-'))), name);
  const result = await runFitTrial(trainable as never, { trial: fitTrial(name, {}, 1, 5), modelDir: dir });
  if (result.modelDir !== dir) throw new Error(`trainable ${name} saved no model`);
  return dir;
}
