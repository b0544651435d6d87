/**
 * `sweepCallback`: an existing `model.fit` loop joins a sweep. It reports fit's epoch logs, stages the
 * model's and optimiser's weights, resumes from them bit-identically (fit's shuffle made to give the
 * seed's epoch permutation, Dropout masks seeded per epoch and batch, Adam's β powers saved), and when
 * the sweep stops the trial fit ends its loop and rejects with TrialStoppedError.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sweepCallback as apiSweepCallback } from '../../../../src/interfaces/api/index.js';
import { UserError } from '../../../../src/core/common/errors.js';
import { defineTrainable, type TrainableContext } from '../../../../src/core/domain/trainable.js';
import { InjectedFaultError, TrialStoppedError } from '../../../../src/training/runner/errors.js';
import { shuffleDraws, SweepCallback } from '../../../../src/training/fit/callback.js';
import { epochPermutation } from '../../../../src/training/runner/seeding.js';
import { useTestBackend } from '../fixtures.js';
import { blobs, fitTrial, runFitTrial, withoutTimings } from './helpers.js';

let tmp: string;
beforeAll(async () => {
  await useTestBackend();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-fit-callback-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const train = blobs(60, 8, 3, 11);
const validation = blobs(20, 8, 3, 12);

/** A user's fit loop: seeded initialisers, Adam, Dropout, fit's default shuffle, validation data. */
function fitLoop(
  options: {
    epochsBegun?: number[];
    fitEpochs?: (ctx: TrainableContext<unknown>) => number;
    /** Receives the trained weights' bytes (hex), one string per weight. */
    weights?: string[][];
  } = {},
) {
  return defineTrainable({
    name: 'fit-loop',
    params: z.object({ lr: z.number() }),
    async run({ lr }, ctx) {
      const model = tf.sequential({
        layers: [
          tf.layers.dense({
            inputShape: [8],
            units: 10,
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotUniform({ seed: ctx.seed }),
          }),
          tf.layers.dropout({ rate: 0.3 }),
          tf.layers.dense({
            units: 3,
            activation: 'softmax',
            kernelInitializer: tf.initializers.glorotUniform({ seed: ctx.seed + 1 }),
          }),
        ],
      });
      model.compile({
        optimizer: tf.train.adam(lr),
        loss: 'sparseCategoricalCrossentropy',
        metrics: ['accuracy'],
      });
      const [x, y] = [tf.tensor2d(train.x, [60, 8]), tf.tensor1d(train.y, 'float32')];
      const [vx, vy] = [tf.tensor2d(validation.x, [20, 8]), tf.tensor1d(validation.y, 'float32')];
      const counter = new tf.CustomCallback({ onEpochBegin: async () => void options.epochsBegun?.push(1) });
      try {
        const callback = await apiSweepCallback(ctx, { model });
        await model.fit(x, y, {
          epochs: options.fitEpochs?.(ctx) ?? ctx.epochs,
          initialEpoch: ctx.epoch,
          // 5 steps an epoch: after 5 steps tf.train's pow(β2, t + 1) is off the running product by a rounding.
          batchSize: 12,
          validationData: [vx, vy],
          callbacks: [callback, counter],
        });
        options.weights?.push(
          model.getWeights().map((w) => Buffer.from(w.dataSync().buffer).toString('hex')),
        );
      } finally {
        tf.dispose([x, y, vx, vy]);
        model.dispose();
      }
    },
  });
}

const trial = fitTrial('fit-loop', { lr: 0.01 }, 4);
const globalMathRandom = Math.random;

describe('sweepCallback', () => {
  it('reports fit’s logs each epoch and resumes a killed trial bit-identically', async () => {
    const weights: string[][] = [];
    const straight = await runFitTrial(fitLoop({ weights }) as never, { trial });
    expect(straight.epochs).toHaveLength(4);
    expect(Object.keys(straight.final).sort()).toEqual([
      'acc',
      'epoch',
      'epochSeconds',
      'loss',
      'val_acc',
      'val_loss',
    ]);
    expect(straight.final['loss']).toBeLessThan(straight.epochs[0]!['loss']!);
    for (const k of [1, 2, 3]) {
      const checkpointDir = path.join(tmp, `killed-${k}`);
      await expect(
        runFitTrial(fitLoop() as never, { trial, checkpointDir, failAtEpoch: k }),
      ).rejects.toBeInstanceOf(InjectedFaultError);
      const resumed = await runFitTrial(fitLoop({ weights }) as never, {
        trial,
        checkpointDir,
        resume: true,
      });
      expect(weights.at(-1)).toEqual(weights[0]); // Adam's β powers restored as saved, not as pow(β, t)
      expect(resumed.resumedFromEpoch).toBe(k);
      expect(withoutTimings(resumed.epochs)).toEqual(withoutTimings(straight.epochs));
    }
  });

  it('makes tf.util.shuffle give the seed’s epoch permutation, from any order', () => {
    for (const length of [1, 2, 17, 60]) {
      const from = epochPermutation({ seed: 9, epoch: 1, length });
      const to = epochPermutation({ seed: 9, epoch: 2, length });
      const array = Array.from(from);
      const original = Math.random;
      Math.random = shuffleDraws(from, to, () => 0);
      try {
        tf.util.shuffle(array);
      } finally {
        Math.random = original;
      }
      expect(array).toEqual(Array.from(to));
    }
  });

  it('makes fit’s shuffle and Dropout masks a function of the seed: runs of one seed repeat, seeds differ', async () => {
    const losses = async (seed: number) =>
      (
        await runFitTrial(fitLoop() as never, { trial: fitTrial('fit-loop', { lr: 0.01 }, 3, seed) })
      ).epochs.map((m) => m['loss']);
    const first = await losses(5);
    expect(await losses(5)).toEqual(first);
    expect(await losses(6)).not.toEqual(first);
    // Math.random is TF.js' again once fit is done.
    expect(Math.random).toBe(globalMathRandom);
  });

  it('ends fit when the sweep stops the trial, then rejects with TrialStoppedError', async () => {
    const epochsBegun: number[] = [];
    let polls = 0;
    const error = await runFitTrial(fitLoop({ epochsBegun }) as never, {
      trial,
      checkpointDir: path.join(tmp, 'stopped'),
      shouldStop: () => ++polls > 2, // before epoch 1, after epoch 1; true after epoch 2
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TrialStoppedError);
    expect((error as TrialStoppedError).epoch).toBe(2);
    expect(epochsBegun).toHaveLength(2); // fit's loop ended: no third epoch began
    const resumed = await runFitTrial(fitLoop() as never, {
      trial,
      checkpointDir: path.join(tmp, 'stopped'),
      resume: true,
    });
    expect(resumed.resumedFromEpoch).toBe(2);
  });

  it('refuses a fit called without the trial’s epochs, saying what to pass', async () => {
    const error = await runFitTrial(fitLoop({ fitEpochs: () => 10 }) as never, { trial }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('E_FIT_CALLBACK');
    expect((error as Error).message).toContain(
      'pass { epochs: ctx.epochs, initialEpoch: ctx.epoch } (4 and 0',
    );
  });

  it('is a tf.Callback, so it mixes with TF.js’ own callbacks in any order', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [1], units: 1 })] });
    const ctx = { seed: 1, epochs: 1, epoch: 0 } as unknown as TrainableContext<unknown>;
    const callback = await apiSweepCallback(ctx, { model });
    expect(callback).toBeInstanceOf(tf.Callback);
    expect(callback).toBeInstanceOf(SweepCallback);
    expect([callback.initialEpoch, callback.epochs]).toEqual([0, 1]);
    model.dispose();
  });
});
