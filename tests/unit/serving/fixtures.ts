/** A small trained CNN for the serving tests, and images to ask it about. */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadSplit } from '../../../src/datasets/index.js';
import { normalizeImages } from '../../../src/datasets/preprocess.js';
import { IMAGE_BYTES } from '../../../src/datasets/types.js';
import { initBackend } from '../../../src/training/backends/backend.js';
import { loadModelFromDir, type ModelManifest } from '../../../src/training/model-io.js';
import { trainTrial } from '../../../src/execution/trainer.js';
import type { Trial } from '../../../src/training/runner/types.js';

/** `count` images (uint8 NHWC) of class `i % 10`: a bright band at a class-specific row and channel, plus noise. */
export function handMadeImages(count: number, seed: number): { images: Uint8Array; labels: Int32Array } {
  let state = seed >>> 0 || 1;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) >>> 24;
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 10;
    labels[i] = label;
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        for (let c = 0; c < 3; c++) {
          const band = Math.floor(y / 8) === label % 4 && c === label % 3;
          images[i * IMAGE_BYTES + (y * 32 + x) * 3 + c] = band ? 200 + (next() % 56) : next() % 64;
        }
      }
    }
  }
  return { images, labels };
}

/**
 * Trains a narrowed registry `cnn` with the real trainer on generated data (seedsweep's synthetic
 * dataset, 60 training images, 2 epochs) and returns the saved folder and the model loaded from it.
 */
export async function trainSmallModelDir(): Promise<{
  dir: string;
  model: tf.LayersModel;
  manifest: ModelManifest;
}> {
  const spec = { name: 'synthetic', trainSize: 60, testSize: 20 } as const;
  const split = await loadSplit({ spec });
  const trial: Trial = {
    seed: 1,
    config: {
      model: 'cnn',
      modelOptions: { kernelSize: 3, filters1: 4, filters2: 8, padding: 'valid', denseUnits: 16 },
      train: { epochs: 2, batchSize: 20, optimizer: 'adam', learningRate: 3e-3 },
      dataset: spec,
    },
  };
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'seedsweep-serving-')), 'model');
  await trainTrial({ trial, dataset: split, modelDir: dir });
  const { model, manifest } = await loadModelFromDir(dir);
  return { dir, model, manifest };
}

/** The backend the serving tests run on: wasm, the one seedsweep picks here. */
export async function useServingBackend(): Promise<void> {
  await initBackend({ backend: 'wasm' });
}

/** The model's own class probabilities for uint8 images, through the training preprocessing. */
export function ownProbabilities(model: tf.LayersModel, images: Uint8Array, count: number): number[][] {
  return tf.tidy(
    () =>
      (
        model.predict(tf.tensor4d(normalizeImages({ bytes: images }), [count, 32, 32, 3])) as tf.Tensor
      ).arraySync() as number[][],
  );
}

/** uint8 NHWC image `i` as the nested array `/invocations` takes. */
export function toNested(images: Uint8Array, i: number): number[][][] {
  const rows: number[][][] = [];
  for (let y = 0; y < 32; y++) {
    const row: number[][] = [];
    for (let x = 0; x < 32; x++) {
      const o = i * IMAGE_BYTES + (y * 32 + x) * 3;
      row.push([images[o]!, images[o + 1]!, images[o + 2]!]);
    }
    rows.push(row);
  }
  return rows;
}
