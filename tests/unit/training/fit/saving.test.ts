/**
 * A model trainable saves its trained model into ctx.modelDir with a manifest of its signature: an
 * image classifier in the servable format /1 (what `seedsweep serve` loads), any other model in the
 * general format /2 (inputs, outputs, class names, preprocessing, provenance), which the image
 * server refuses with a clear error.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UserError } from '../../../../src/core/common/errors.js';
import { trialKeyOf } from '../../../../src/core/domain/keys.js';
import { defineModelTrainable } from '../../../../src/training/fit/define.js';
import { imageSplitData } from '../../../../src/training/fit/image-source.js';
import { loadModelFromDir, loadSavedModel } from '../../../../src/training/model-io.js';
import { makeSplit, useTestBackend } from '../fixtures.js';
import { blobs, fitTrial, runFitTrial } from './helpers.js';

let tmp: string;
beforeAll(async () => {
  await useTestBackend();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-fit-save-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const readManifest = async (dir: string) =>
  JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;

describe('saving', () => {
  it('writes a general model with its signature (format /2) that loads back with its inputs', async () => {
    // A model this thread built before took the names (a worker thread's earlier trial): the
    // signature still gives the names the model chose, not TF.js's `features_1`.
    tf.input({ shape: [4], name: 'features' });
    tf.input({ shape: [2], name: 'extra' });
    const { x, y } = blobs(40, 6, 2, 3);
    const twoInputs = defineModelTrainable({
      name: 'two-inputs',
      version: 4,
      params: z.object({ units: z.number().default(5) }),
      build: (p) => {
        const a = tf.input({ shape: [4], name: 'features' });
        const b = tf.input({ shape: [2], name: 'extra' });
        const joined = tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor;
        const hidden = tf.layers
          .dense({ units: p.units, activation: 'relu' })
          .apply(joined) as tf.SymbolicTensor;
        const out = tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(hidden) as tf.SymbolicTensor;
        return tf.model({ inputs: [a, b], outputs: out });
      },
      compile: { optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] },
      data: () => {
        const features = new Float32Array(40 * 4);
        const extra = new Float32Array(40 * 2);
        for (let i = 0; i < 40; i++) {
          features.set(x.subarray(i * 6, i * 6 + 4), i * 4);
          extra.set(x.subarray(i * 6 + 4, i * 6 + 6), i * 2);
        }
        const train = {
          x: [
            { data: features, shape: [40, 4] },
            { data: extra, shape: [40, 2] },
          ],
          y: { data: Float32Array.from(y), shape: [40, 1] },
        };
        return { train, test: train, classNames: ['no', 'yes'], preprocessing: { kind: 'none' } };
      },
      batchSize: 16,
    });
    const trial = fitTrial('two-inputs', { units: 5 }, 2, 9);
    const dir = path.join(tmp, 'two-inputs');
    const result = await runFitTrial(twoInputs as never, { trial, modelDir: dir });
    expect(result.modelDir).toBe(dir);
    expect(Object.keys(result.final)).toEqual(
      expect.arrayContaining(['trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy', 'examplesPerSecond']),
    );
    expect(result.final['imagesPerSecond']).toBeUndefined();
    const manifest = await readManifest(dir);
    expect(manifest).toMatchObject({
      format: 'seedsweep-model/2',
      signature: {
        inputs: [
          { name: 'features', shape: [4], dtype: 'float32' },
          { name: 'extra', shape: [2], dtype: 'float32' },
        ],
        outputs: [{ shape: [1], dtype: 'float32' }],
      },
      classNames: ['no', 'yes'],
      preprocessing: { kind: 'none' },
      trainable: 'two-inputs@4',
      model: 'two-inputs',
      modelOptions: { units: 5 },
      seed: 9,
      trialKey: trialKeyOf({ config: trial.config, seed: 9, datasetFingerprint: 'test' }),
      metrics: { trainLoss: result.final['trainLoss'], testAccuracy: result.final['testAccuracy'] },
    });
    const loaded = await loadSavedModel(dir);
    expect(loaded.model.inputs.map((i) => i.shape)).toEqual([
      [null, 4],
      [null, 2],
    ]);
    loaded.model.dispose();
    const refused = await loadModelFromDir(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).code).toBe('E_MODEL_NOT_SERVABLE');
  });

  it('writes an image classifier in the servable format /1, which the image server loads', async () => {
    const split = makeSplit({ trainSize: 20, testSize: 10, seed: 2 });
    const tiny = defineModelTrainable({
      name: 'tiny-image',
      params: z.object({}),
      build: () =>
        tf.sequential({
          layers: [
            tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 2, kernelSize: 3, strides: 4 }),
            tf.layers.flatten(),
            tf.layers.dense({ units: 10, activation: 'softmax' }),
          ],
        }),
      compile: { optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] },
      data: (s: typeof split) => imageSplitData(s),
      batchSize: 8,
    });
    const dir = path.join(tmp, 'tiny-image');
    const result = await runFitTrial(tiny as never, {
      trial: fitTrial('tiny-image', {}, 1),
      dataset: split,
      modelDir: dir,
    });
    expect(result.final['imagesPerSecond']).toBeGreaterThan(0);
    const { model, manifest } = await loadModelFromDir(dir);
    model.dispose();
    expect(manifest).toMatchObject({
      format: 'seedsweep-model/1',
      inputShape: [32, 32, 3],
      classNames: split.store.classNames,
      preprocessing: { kind: 'scale', scale: 1 / 255 },
      synthetic: true,
      signature: { inputs: [{ shape: [32, 32, 3], dtype: 'float32' }], outputs: [{ shape: [10] }] },
    });
  });

  it('saves nothing with save: false', async () => {
    const { x, y } = blobs(10, 2, 2, 1);
    const unsaved = defineModelTrainable({
      name: 'unsaved',
      params: z.object({}),
      build: () =>
        tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2, activation: 'softmax' })] }),
      compile: { optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' },
      data: () => ({ train: { x: { data: x, shape: [10, 2] }, y: { data: y, shape: [10] } } }),
      batchSize: 4,
      save: false,
    });
    const result = await runFitTrial(unsaved as never, {
      trial: fitTrial('unsaved', {}, 1),
      modelDir: path.join(tmp, 'unsaved'),
    });
    expect(result.modelDir).toBeUndefined();
  });
});
