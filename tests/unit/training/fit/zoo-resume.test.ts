/**
 * Every architecture of the model zoo, trained as a model trainable through the trial runner on wasm,
 * killed after epoch k (1–3, by a stop, a stop mid-epoch, a crash or an error after the checkpoint)
 * and resumed from its checkpoint folder, ends bit-identical to an uninterrupted trial: per-epoch
 * metrics, saved weights, final weights and optimiser state. The two architectures wasm cannot train
 * (a gradient kernel it lacks) are refused with one clear error before anything is checkpointed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/core/common/errors.js';
import { listCheckpointEpochs } from '../../../../src/training/runner/checkpoint.js';
import { useTestBackend } from '../fixtures.js';
import { ZOO } from '../graph/zoo.js';
import { runFitTrial } from './helpers.js';
import { expectExactResume, planFor, zooTrainable, zooTrial } from './zoo-trials.js';

const backend = { name: 'wasm', version: 'test' };

/** The gradient kernel the wasm backend lacks, per architecture it therefore cannot train. */
const WASM_LACKS: readonly [RegExp, string][] = [
  [/Embedding/, 'UnsortedSegmentSum'], // Embedding's gradient (a gather's)
  [/depthwise-separable/, 'DepthwiseConv2dNativeBackpropInput'], // into the layer below a depthwise conv
];
const lackedKernel = (name: string) => WASM_LACKS.find(([pattern]) => pattern.test(name))?.[1];

const cases = ZOO.map((entry, index) => ({ entry, index, plan: planFor(index) }));
const trainable = cases.filter(({ entry }) => lackedKernel(entry.name) === undefined);
const refused = cases.filter(({ entry }) => lackedKernel(entry.name) !== undefined);

let tmp: string;
beforeAll(async () => {
  await useTestBackend();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-zoo-resume-wasm-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('every zoo architecture killed and resumed through the trial runner on wasm', () => {
  it('covers the whole zoo: at least 8 architectures, all but two trained here', () => {
    expect(ZOO.length).toBeGreaterThanOrEqual(8);
    expect(trainable.length).toBe(ZOO.length - 2);
    expect(refused.map(({ entry }) => lackedKernel(entry.name))).toEqual([
      'DepthwiseConv2dNativeBackpropInput',
      'UnsortedSegmentSum',
    ]);
  });

  it.each(trainable.map((c) => [c.entry.name, c.plan.kill, c.plan.afterEpoch, c] as const))(
    '%s: killed by %s after epoch %i, resumed, ends bit-identical to an uninterrupted trial',
    async (_name, _kill, _k, { entry, index, plan }) => {
      expect(tf.getBackend()).toBe('wasm');
      const { straight, resumed } = await expectExactResume({
        trainable: zooTrainable(entry, index),
        trial: zooTrial(index),
        plan,
        dir: path.join(tmp, `zoo-${index}`),
        backend,
      });
      expect([straight.trainingPath, resumed.trainingPath]).toEqual(['eager', 'eager']);
    },
  );

  it.each(refused.map((c) => [c.entry.name, lackedKernel(c.entry.name)!, c] as const))(
    '%s: not trainable on wasm (no %s kernel): refused with error[E_BACKEND_CANNOT_TRAIN] naming the kernel and the native backend, before any checkpoint',
    async (_name, kernel, { entry, index }) => {
      expect(tf.getBackend()).toBe('wasm');
      const checkpointDir = path.join(tmp, `zoo-${index}`, 'checkpoints');
      const error = await runFitTrial(zooTrainable(entry, index) as never, {
        trial: zooTrial(index),
        backend,
        checkpointDir,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).code).toBe('E_BACKEND_CANNOT_TRAIN');
      const message = (error as UserError).message;
      expect(message).toContain(`the wasm backend has no '${kernel}' kernel`);
      expect(message).toContain('SEEDSWEEP_BACKEND=tensorflow');
      expect(message).not.toContain('\n');
      expect(await listCheckpointEpochs(checkpointDir)).toEqual([]);
    },
  );
});
