import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrialPool } from '../../../../src/execution/pool.js';
import { createTrainTrial } from '../../../../src/temporal/activities/train-trial.js';
import type { TrainTrialInput } from '../../../../src/temporal/shared/shared.js';
import type { Tracker } from '../../../../src/tracking/types.js';
import type { TrialResult } from '../../../../src/core/domain/trial.js';

/** A tracker that keeps the result a trial finished with. */
const finished: TrialResult[] = [];
const tracker = new Proxy(
  {},
  {
    get: (_t, name) =>
      name === 'finishTrial'
        ? async (_s: string, _k: string, end: { result?: TrialResult }) => {
            if (end.result) finished.push(end.result);
          }
        : async () => undefined,
  },
) as unknown as Tracker;

let tmp: string;
let pool: TrialPool;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-activity-damaged-'));
  pool = await TrialPool.create({ threads: 1, backend: 'wasm' });
});
afterAll(async () => {
  await pool.destroy();
  await rm(tmp, { recursive: true, force: true });
});

const key = 'b'.repeat(64);
const input = {
  sweepId: 'sweep-1',
  workflowId: 'sweep-1',
  failAtEpoch: 2,
  trial: {
    trialKey: key,
    seed: 7,
    config: {
      model: 'image-classifier',
      modelOptions: { model: 'cnn', filters1: 4, filters2: 8, dense_units: 16 },
      train: { epochs: 3, batchSize: 16, optimizer: 'adam', learningRate: 1e-3 },
      dataset: { name: 'synthetic', trainSize: 40, testSize: 20 },
    },
  },
} as unknown as TrainTrialInput;

describe("a sweep trial's damaged checkpoint", () => {
  it('does not fail the trial: the retry resumes from the previous one and the record says so', async () => {
    const trainTrial = createTrainTrial({
      trainer: pool,
      tracker,
      reportEpoch: async () => ({ action: 'continue' }),
      checkpointRoot: tmp,
    });
    await expect(new MockActivityEnvironment({ attempt: 1 }).run(trainTrial, input)).rejects.toThrow(
      /injected fault after epoch 2/,
    );
    const state = path.join(tmp, key, 'epoch-0002', 'state.bin');
    const bytes = await readFile(state);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 1;
    await writeFile(state, bytes);
    const output = await new MockActivityEnvironment({ attempt: 2 }).run(trainTrial, input);
    expect(output).toMatchObject({ status: 'finished', resumedFromEpoch: 1 });
    expect(finished.at(-1)?.checkpointRecovery).toEqual({
      damaged: ['epoch-0002'],
      reason: 'epoch-0002: state.bin fails its SHA-256',
      resumedFrom: 1,
    });
  });
});
