/**
 * Determinism of the compiled graph: the same trial twice, and a run restored mid-way from its
 * weights and optimizerState() into a new session, give bit-identical per-step losses and final
 * weights, with one and with two intra-op threads. Dropout masks come from (seed, epoch, step, call)
 * and Adam's β powers travel in the optimiser state, so nothing depends on the session's history.
 */
import type * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointArray } from '../../../../src/training/runner/checkpoint.js';
import { compileGraphPath } from '../../../../src/training/graph/compile-model.js';
import type { GraphTrainingPath } from '../../../../src/training/graph/graph-training-path.js';
import type { SessionThreads } from '../../../../src/training/training-path.js';
import { batchOf, graphSkipReason, useTensorflowBackend, ZOO, type Dataset, type ZooEntry } from './zoo.js';

const skip = graphSkipReason();
const EPOCHS = 3;
const RESUME_AFTER = 2;

function compile(entry: ZooEntry, model: tf.LayersModel, threads: SessionThreads): GraphTrainingPath {
  const path = compileGraphPath({
    model,
    loss: entry.loss,
    metrics: entry.metrics,
    optimizer: entry.optimizer,
    seed: 5,
    threads,
  });
  if ('reason' in path) throw new Error(path.reason);
  return path;
}

/** Trains epochs [from, to] and returns each step's loss sum. */
function train(entry: ZooEntry, path: GraphTrainingPath, data: Dataset, from: number, to: number): number[] {
  const losses: number[] = [];
  const steps = Math.ceil(entry.examples / entry.batchSize);
  for (let epoch = from; epoch <= to; epoch++) {
    for (let step = 0; step < steps; step++) {
      const start = step * entry.batchSize;
      losses.push(
        path.trainBatch(batchOf(data, start, Math.min(entry.batchSize, entry.examples - start), epoch, step))
          .lossSum,
      );
    }
  }
  return losses;
}

function bytes(arrays: readonly CheckpointArray[]): Buffer[] {
  return arrays.map((a) => Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength));
}

const CASES = ZOO.filter((e) => /ResNet|Dropout|Conv1D/.test(e.name));

describe.skipIf(skip !== undefined)(`compiled graph determinism${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(useTensorflowBackend);

  describe.each([1, 2])('%i intra-op thread(s)', (threads) => {
    const sessionThreads = { intraOpThreads: threads, interOpThreads: threads };

    it.each(CASES.map((e) => [e.name, e] as const))(
      '%s: reruns and resumed runs are bit-identical',
      (_name, entry) => {
        const model = entry.build();
        const data = entry.data(entry.examples, 3);

        const first = compile(entry, model, sessionThreads);
        const firstLosses = train(entry, first, data, 1, EPOCHS);
        const firstWeights = bytes(first.weights());
        const firstState = bytes(first.optimizerState());
        first.dispose();

        const second = compile(entry, model, sessionThreads);
        expect(train(entry, second, data, 1, EPOCHS)).toEqual(firstLosses);
        expect(bytes(second.weights())).toEqual(firstWeights);
        second.dispose();

        const interrupted = compile(entry, model, sessionThreads);
        const before = train(entry, interrupted, data, 1, RESUME_AFTER);
        const weights = interrupted.weights();
        const state = interrupted.optimizerState();
        interrupted.dispose();
        const resumed = compile(entry, model, sessionThreads);
        resumed.restore(weights, state);
        const after = train(entry, resumed, data, RESUME_AFTER + 1, EPOCHS);
        expect([...before, ...after]).toEqual(firstLosses);
        expect(bytes(resumed.weights())).toEqual(firstWeights);
        expect(bytes(resumed.optimizerState())).toEqual(firstState);
        resumed.dispose();
      },
    );
  });
});
