import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createTrainTrial } from '../../../../src/temporal/activities/train-trial.js';
import type { TrialTrainer } from '../../../../src/temporal/activities/trainer.js';
import type { TrainTrialInput } from '../../../../src/temporal/shared/shared.js';
import type { Tracker } from '../../../../src/tracking/types.js';

/** A tracker that accepts everything (the activity's tracking is not under test here). */
const tracker = new Proxy({}, { get: () => async () => undefined }) as unknown as Tracker;

function failingTrainer(message: string): TrialTrainer {
  return { run: () => Promise.reject(new Error(message)), destroy: async () => {} };
}

const input = {
  sweepId: 'sweep-1',
  workflowId: 'sweep-1',
  trial: { trialKey: 'a'.repeat(64), seed: 0, config: { train: { epochs: 2 } } },
} as unknown as TrainTrialInput;

describe('trainTrial on a full disk', () => {
  it('fails retryably with the trial, host, checkpoint folder and what to do', async () => {
    const trainTrial = createTrainTrial({
      trainer: failingTrainer("ENOSPC: no space left on device, write '/ckpt/aaaa/epoch-0001/state.bin.tmp'"),
      tracker,
      reportEpoch: async () => ({ action: 'continue' }),
      checkpointRoot: '/ckpt',
    });
    const error = await new MockActivityEnvironment().run(trainTrial, input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain('trial aaaaaaaaaaaa on host ');
    expect(message).toContain(`checkpoint folder /ckpt/${'a'.repeat(64)} is full`);
    expect(message).toContain('ENOSPC: no space left on device');
    expect(message).toContain('SEEDSWEEP_CHECKPOINT_DIR');
    // Not an ApplicationFailure marked non-retryable: another worker may have room.
    expect((error as { nonRetryable?: boolean }).nonRetryable).toBeUndefined();
  });

  it('passes other errors through unchanged', async () => {
    const trainTrial = createTrainTrial({
      trainer: failingTrainer('boom'),
      tracker,
      reportEpoch: async () => ({ action: 'continue' }),
      checkpointRoot: '/ckpt',
    });
    const error = await new MockActivityEnvironment().run(trainTrial, input).catch((e: unknown) => e);
    expect((error as Error).message).toBe('boom');
  });
});
