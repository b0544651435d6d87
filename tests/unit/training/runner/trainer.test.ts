import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trialKeyOf } from '../../../../src/core/domain/keys.js';
import { readLatestCheckpoint } from '../../../../src/training/runner/checkpoint.js';
import { loadModelFromDir } from '../../../../src/training/model-io.js';
import { InjectedFaultError, TrialStoppedError } from '../../../../src/training/runner/errors.js';
import { trainTrial } from '../../../../src/execution/trainer.js';
import type { EpochMetrics, ImageEpochMetrics, TrialResult } from '../../../../src/training/runner/types.js';
import { makeSplit, makeTrial, useTestBackend } from '../fixtures.js';

const split = makeSplit({ trainSize: 40, testSize: 20 });
let tmp: string;

beforeAll(async () => {
  await useTestBackend();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-trainer-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** The metrics that must be reproducible (timings are not). */
function deterministic(metrics: EpochMetrics[]) {
  return (metrics as ImageEpochMetrics[]).map(
    ({ epoch, trainLoss, trainAccuracy, testLoss, testAccuracy }) => ({
      epoch,
      trainLoss,
      trainAccuracy,
      testLoss,
      testAccuracy,
    }),
  );
}

async function finalWeights(dir: string): Promise<Float32Array[]> {
  const state = await readLatestCheckpoint({ dir });
  if (!state) throw new Error(`no checkpoint in ${dir}`);
  const weights = state.state as {
    weights: { data: Float32Array }[];
    optimizerState: { data: Float32Array | Int32Array }[];
  };
  return [...weights.weights, ...weights.optimizerState].map((w) => Float32Array.from(w.data));
}

describe('trainTrial', () => {
  for (const optimizer of ['adam', 'rmsprop', 'sgd'] as const) {
    it(`resumes after a crash bit-identically to an uninterrupted run (${optimizer})`, async () => {
      // Batches of 2: 20 steps before the crash, where wasm's pow(0.999, 21) and the running product β2^21 differ in the last bit.
      const trial = makeTrial({
        train: { optimizer, batchSize: 2, learningRate: optimizer === 'sgd' ? 0.05 : 1e-3 },
      });
      const fullDir = path.join(tmp, `${optimizer}-full`);
      const full = await trainTrial({ trial, dataset: split, checkpointDir: fullDir });
      const crashDir = path.join(tmp, `${optimizer}-crash`);
      const seen: number[] = [];
      await expect(
        trainTrial({
          trial,
          dataset: split,
          checkpointDir: crashDir,
          failAtEpoch: 1,
          onEpoch: (m) => seen.push(m.epoch),
        }),
      ).rejects.toBeInstanceOf(InjectedFaultError);
      expect(seen).toEqual([1]);
      const resumed = await trainTrial({
        trial,
        dataset: split,
        checkpointDir: crashDir,
        resume: true,
        onEpoch: (m) => seen.push(m.epoch),
      });
      expect(seen).toEqual([1, 2, 3]);
      expect(resumed.resumedFromEpoch).toBe(1);
      expect(full.resumedFromEpoch).toBe(0);
      expect(deterministic(resumed.epochs)).toEqual(deterministic(full.epochs));
      const [a, b] = [await finalWeights(fullDir), await finalWeights(crashDir)];
      expect(b.length).toBe(a.length);
      a.forEach((w, i) => expect(Buffer.from(b[i]!.buffer).equals(Buffer.from(w.buffer))).toBe(true));
    });
  }

  it('gives identical results for the same seed and different ones for another seed', async () => {
    const run = (seed: number) =>
      trainTrial({ trial: makeTrial({ seed, train: { epochs: 2 } }), dataset: split });
    const [a, b, c] = [await run(3), await run(3), await run(4)];
    expect(deterministic(a.epochs)).toEqual(deterministic(b.epochs));
    expect(deterministic(c.epochs)).not.toEqual(deterministic(a.epochs));
    expect(a.final).toBe(a.epochs[1]);
    expect(a.modelStats?.totalParams).toBeGreaterThan(0);
    expect(a.backend.name).toBe('wasm');
  });

  it('reports sane per-epoch metrics and learns on separable data', async () => {
    const result = (await trainTrial({
      trial: makeTrial({
        model: 'fc',
        modelOptions: { units1: 32, units2: 16 },
        train: { epochs: 4, learningRate: 3e-3 },
      }),
      dataset: split,
    })) as TrialResult<ImageEpochMetrics>;
    for (const m of result.epochs) {
      expect(m.trainAccuracy).toBeGreaterThanOrEqual(0);
      expect(m.trainAccuracy).toBeLessThanOrEqual(1);
      expect(m.testAccuracy * 20).toBeCloseTo(Math.round(m.testAccuracy * 20), 9);
      expect(m.epochSeconds).toBeGreaterThan(0);
      expect(m.imagesPerSecond).toBeGreaterThan(0);
    }
    expect(result.final.trainLoss).toBeLessThan(result.epochs[0]!.trainLoss);
  });

  it('leaks no tensors across epochs or after the trial', async () => {
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await trainTrial({
      trial: makeTrial({ train: { epochs: 3 } }),
      dataset: split,
      checkpointDir: path.join(tmp, 'leak'),
      onEpoch: () => counts.push(tf.memory().numTensors),
    });
    expect(counts[1]).toBe(counts[0]);
    expect(counts[2]).toBe(counts[0]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops at the epoch boundary after checkpointing when asked, and resumes from there', async () => {
    const dir = path.join(tmp, 'stop');
    const trial = makeTrial({ train: { epochs: 3 } });
    let finished = 0;
    const error = await trainTrial({
      trial,
      dataset: split,
      checkpointDir: dir,
      onEpoch: () => (finished += 1),
      shouldStop: () => finished > 0,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrialStoppedError);
    expect((error as TrialStoppedError).epoch).toBe(1);
    expect(await readdir(dir)).toEqual(['epoch-0001']);
    const resumed = await trainTrial({ trial, dataset: split, checkpointDir: dir, resume: true });
    expect(resumed.epochs.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect((await readdir(dir)).sort()).toEqual(['epoch-0002', 'epoch-0003']); // the latest two: one to fall back to
  });

  it('saves the trained model with its manifest, weights equal to the last checkpoint', async () => {
    const dir = path.join(tmp, 'saved');
    const checkpointDir = path.join(tmp, 'saved-ckpt');
    const trial = makeTrial({ seed: 11, train: { epochs: 1 } });
    const result = await trainTrial({ trial, dataset: split, checkpointDir, modelDir: dir });
    expect(result.modelDir).toBe(dir);
    const { model, manifest } = await loadModelFromDir(dir);
    try {
      expect(manifest).toMatchObject({
        model: 'image-classifier',
        modelOptions: { model: 'cnn', filters1: 4, filters2: 8, dense_units: 16, kernel_size: 3 },
        trainable: 'image-classifier@0',
        seed: 11,
        synthetic: true,
        classNames: split.store.classNames,
        metrics: { testAccuracy: result.final.testAccuracy },
      });
      const saved = model.getWeights().map((w) => Array.from(w.dataSync()));
      const checkpoint = (
        (await readLatestCheckpoint({ dir: checkpointDir }))!.state as {
          weights: { data: Float32Array }[];
        }
      ).weights.map((w) => Array.from(w.data));
      expect(saved).toEqual(checkpoint);
    } finally {
      model.dispose();
    }
  });

  it('trains a config of the old form (scheduled before the classifier was a trainable) as today’s, under the same key', async () => {
    const today = makeTrial({ seed: 5, train: { epochs: 1 } });
    const old = {
      ...today,
      config: {
        ...today.config,
        model: 'cnn',
        modelOptions: { kernelSize: 3, filters1: 4, filters2: 8, padding: 'valid', denseUnits: 16 },
      },
    };
    const [a, b] = [
      await trainTrial({ trial: today, dataset: split }),
      await trainTrial({ trial: old, dataset: split }),
    ];
    expect(deterministic(b.epochs)).toEqual(deterministic(a.epochs));
    expect(b.modelStats).toEqual(a.modelStats);
    const key = (t: typeof today) => trialKeyOf({ config: t.config, seed: t.seed, datasetFingerprint: 'f' });
    expect(key(old)).toBe(key(today));
  });

  it('refuses to resume a checkpoint of another trial', async () => {
    const dir = path.join(tmp, 'mismatch');
    await trainTrial({ trial: makeTrial({ train: { epochs: 1 } }), dataset: split, checkpointDir: dir });
    await expect(
      trainTrial({
        trial: makeTrial({ seed: 99, train: { epochs: 2 } }),
        dataset: split,
        checkpointDir: dir,
        resume: true,
      }),
    ).rejects.toMatchObject({ name: 'UserError', code: 'E_CHECKPOINT_MISMATCH' });
  });

  it('rejects bad training settings with a UserError naming the field', async () => {
    await expect(trainTrial({ trial: makeTrial({ train: { epochs: -1 } }), dataset: split })).rejects.toThrow(
      /'epochs' must be an integer ≥ 1; got -1/,
    );
    await expect(
      trainTrial({ trial: makeTrial({ train: { batchSize: 0 } }), dataset: split }),
    ).rejects.toMatchObject({ code: 'E_BAD_TRAIN_SETTING' });
  });
});
