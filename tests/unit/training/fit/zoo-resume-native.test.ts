/**
 * Every architecture of the model zoo, trained as a model trainable through the trial runner on the
 * native TensorFlow backend, trains on the compiled graph (not op by op), and killed after epoch k
 * (1–3, by a stop, a stop mid-epoch, a crash or an error after the checkpoint) and resumed from its
 * checkpoint folder, ends bit-identical to an uninterrupted trial: per-epoch metrics, saved weights,
 * final weights and optimiser state (the graph session's variables round-trip through the checkpoint).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphSkipReason, useTensorflowBackend, ZOO } from '../graph/zoo.js';
import { expectExactResume, planFor, zooTrainable, zooTrial } from './zoo-trials.js';

const skip = graphSkipReason();
const backend = { name: 'tensorflow', version: 'test' };
const cases = ZOO.map((entry, index) => [entry.name, planFor(index), index] as const);

describe.skipIf(skip !== undefined)(
  `every zoo architecture killed and resumed through the trial runner on native TensorFlow${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let tmp: string;
    beforeAll(async () => {
      await useTensorflowBackend();
      tmp = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-zoo-resume-native-'));
    });
    afterAll(async () => {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it.each(cases.map(([name, plan, index]) => [name, plan.kill, plan.afterEpoch, plan, index] as const))(
      '%s: trains on the compiled graph; killed by %s after epoch %i, resumed, ends bit-identical to an uninterrupted trial',
      async (_name, _kill, _k, plan, index) => {
        expect(tf.getBackend()).toBe('tensorflow');
        const { straight, resumed } = await expectExactResume({
          trainable: zooTrainable(ZOO[index]!, index),
          trial: zooTrial(index),
          plan,
          dir: path.join(tmp, `zoo-${index}`),
          backend,
        });
        expect([straight.trainingPath, resumed.trainingPath]).toEqual(['graph', 'graph']);
      },
    );
  },
);
