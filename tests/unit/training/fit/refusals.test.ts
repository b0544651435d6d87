/**
 * What a model trainable refuses, with one line naming the problem: a checkpoint of another model or
 * optimiser (naming the trial key and what differs: never a silent restart), a model whose output
 * does not fit the loss, data that does not fit the model, labels outside the classes. And a stop:
 * asked for mid-epoch it ends the trial with TrialStoppedError after the last checkpointed epoch,
 * from which a resumed trial ends like an uninterrupted one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UserError } from '../../../../src/core/common/errors.js';
import { trialKeyOf } from '../../../../src/core/domain/keys.js';
import { defineTrainable } from '../../../../src/core/domain/trainable.js';
import { InjectedFaultError, TrialStoppedError } from '../../../../src/training/runner/errors.js';
import { defineModelTrainable } from '../../../../src/training/fit/define.js';
import type { CompileSettings } from '../../../../src/training/fit/definition.js';
import { useTestBackend } from '../fixtures.js';
import { blobs, fitTrial, runFitTrial, withoutTimings } from './helpers.js';

let tmp: string;
beforeAll(async () => {
  await useTestBackend();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-fit-refusals-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const { x, y } = blobs(30, 4, 3, 8);
const arrays = { x: { data: x, shape: [30, 4] }, y: { data: y, shape: [30] } };

/** A small classifier trainable named `name`, with a hidden layer of `units` and the given compile. */
function classifier(
  options: { units?: number; compile?: CompileSettings; y?: unknown; outputs?: number } = {},
) {
  return defineModelTrainable({
    name: 'refusals',
    params: z.object({}),
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [4], units: options.units ?? 5, activation: 'relu' }),
          tf.layers.dense({ units: options.outputs ?? 3, activation: 'softmax' }),
        ],
      }),
    compile: options.compile ?? {
      optimizer: 'adam',
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    },
    data: () => ({ train: { x: arrays.x, y: (options.y ?? arrays.y) as typeof arrays.y } }),
    batchSize: 8,
  });
}

const trial = fitTrial('refusals', {}, 3);
const key = trialKeyOf({ config: trial.config, seed: trial.seed, datasetFingerprint: 'test' });

async function expectUserError(promise: Promise<unknown>, code: string, ...parts: (string | RegExp)[]) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).code).toBe(code);
  for (const part of parts) expect((error as Error).message).toMatch(part);
}

/** A checkpoint of epoch 1 of `classifier()`. */
async function checkpointOfEpoch1(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await expect(
    runFitTrial(classifier() as never, { trial, checkpointDir: dir, failAtEpoch: 1 }),
  ).rejects.toBeInstanceOf(InjectedFaultError);
  return dir;
}

describe('resuming refuses a checkpoint of', () => {
  it('another model, naming the trial and the first layer that differs', async () => {
    const dir = await checkpointOfEpoch1('other-model');
    await expectUserError(
      runFitTrial(classifier({ units: 6 }) as never, { trial, checkpointDir: dir, resume: true }),
      'E_CHECKPOINT_MISMATCH',
      key,
      "layer 0: the checkpoint has '0 Dense kernel[4,5] bias[5]', the model has '0 Dense kernel[4,6] bias[6]'",
    );
  });

  it('another optimiser, naming both', async () => {
    const dir = await checkpointOfEpoch1('other-optimizer');
    const sgd = classifier({
      compile: { optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy' },
    });
    await expectUserError(
      runFitTrial(sgd as never, { trial, checkpointDir: dir, resume: true }),
      'E_CHECKPOINT_MISMATCH',
      key,
      'adam(learningRate=0.001,beta1=0.9,beta2=0.999,epsilon=1e-7)',
      'sgd(learningRate=0.1,momentum=0,nesterov=false)',
    );
  });

  it('a trainable that was not a model trainable', async () => {
    const dir = path.join(tmp, 'hand-written');
    const handWritten = defineTrainable({
      name: 'refusals',
      params: z.object({}),
      async run(_p, ctx) {
        ctx.checkpoint({ weights: [new Float32Array(3)] });
        await ctx.report({ loss: 1 });
        throw new InjectedFaultError(1);
      },
    });
    await expect(runFitTrial(handWritten as never, { trial, checkpointDir: dir })).rejects.toBeInstanceOf(
      InjectedFaultError,
    );
    await expectUserError(
      runFitTrial(classifier() as never, { trial, checkpointDir: dir, resume: true }),
      'E_CHECKPOINT_MISMATCH',
      key,
      'not written by a defineModelTrainable trainable',
    );
  });
});

describe('before the first step it refuses', () => {
  it('a model whose output does not fit the loss, with the shapes', async () => {
    await expectUserError(
      runFitTrial(classifier({ outputs: 1 }) as never, { trial }),
      'E_LOSS_SHAPE',
      "the model's output [n, 1] does not fit loss sparseCategoricalCrossentropy with train targets of shape [n]",
      'one output per class',
    );
    const categorical = classifier({ compile: { optimizer: 'adam', loss: 'categoricalCrossentropy' } });
    await expectUserError(
      runFitTrial(categorical as never, { trial }),
      'E_LOSS_SHAPE',
      "the model's output [n, 3] does not fit loss categoricalCrossentropy with train targets of shape [n]",
    );
  });

  it('data that does not fit the model', async () => {
    await expectUserError(
      runFitTrial(classifier({ y: { data: y.subarray(0, 20), shape: [20] } }) as never, { trial }),
      'E_DATA_SHAPE',
      'the train source has 30 examples in x but 20 in y',
    );
    const wrongInput = defineModelTrainable({
      name: 'refusals',
      params: z.object({}),
      build: () =>
        tf.sequential({ layers: [tf.layers.dense({ inputShape: [5], units: 3, activation: 'softmax' })] }),
      compile: { optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' },
      data: () => ({ train: arrays }),
      batchSize: 8,
    });
    await expectUserError(
      runFitTrial(wrongInput as never, { trial }),
      'E_DATA_SHAPE',
      "train x has shape [n, 4] but the model's input is [n, 5]",
    );
  });

  it('class indices outside the model’s classes', async () => {
    const bad = Int32Array.from(y);
    bad[17] = 3;
    await expectUserError(
      runFitTrial(classifier({ y: { data: bad, shape: [30] } }) as never, { trial }),
      'E_BAD_LABELS',
      'class index 3',
      'outside 0…2',
    );
  });

  it('a model of several outputs, and a build that returns no model', async () => {
    const twoHeads = defineModelTrainable({
      name: 'refusals',
      params: z.object({}),
      build: () => {
        const input = tf.input({ shape: [4] });
        const a = tf.layers.dense({ units: 3 }).apply(input) as tf.SymbolicTensor;
        const b = tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor;
        return tf.model({ inputs: input, outputs: [a, b] });
      },
      compile: { optimizer: 'adam', loss: 'mse' },
      data: () => ({ train: arrays }),
      batchSize: 8,
    });
    await expectUserError(
      runFitTrial(twoHeads as never, { trial }),
      'E_MODEL_OUTPUTS',
      'the model has 2 outputs',
    );
    const noModel = defineModelTrainable({
      name: 'refusals',
      params: z.object({}),
      build: () => Promise.resolve(tf.sequential()) as never,
      compile: { optimizer: 'adam', loss: 'mse' },
      data: () => ({ train: arrays }),
      batchSize: 8,
    });
    await expectUserError(runFitTrial(noModel as never, { trial }), 'E_BAD_MODEL', 'synchronously');
  });
});

describe('a stop asked for mid-epoch', () => {
  it('ends the trial after the last checkpointed epoch; resumed, it ends like an uninterrupted one', async () => {
    const straight = await runFitTrial(classifier() as never, { trial });
    const dir = path.join(tmp, 'stopped');
    let polls = 0;
    // runTrainable polls once before epoch 1 and after each report; the loop before each batch but the first.
    const stopped = await runFitTrial(classifier() as never, {
      trial,
      checkpointDir: dir,
      shouldStop: () => ++polls > 7,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(stopped).toBeInstanceOf(TrialStoppedError);
    expect((stopped as TrialStoppedError).epoch).toBe(1);
    const resumed = await runFitTrial(classifier() as never, { trial, checkpointDir: dir, resume: true });
    expect(resumed.resumedFromEpoch).toBe(1);
    expect(withoutTimings(resumed.epochs)).toEqual(withoutTimings(straight.epochs));
  });
});
