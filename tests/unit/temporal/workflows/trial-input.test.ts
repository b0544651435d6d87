/** The training activity's input, and how a trial's failure reads. */
import { RetryState } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { failureReason } from '../../../../src/temporal/workflows/failure-reason.js';
import { failAtEpochFor, trainTrialInput } from '../../../../src/temporal/workflows/trial-input.js';
import { plannedTrial } from './fixtures.js';

describe('training activity input', () => {
  const trial = plannedTrial('a');
  const base = { sweepId: 's', trial, workflowId: 'wf', datasetFingerprint: 'fp' };

  it('applies fault injection to all trials or only the listed ones', () => {
    expect(failAtEpochFor(undefined, 'a')).toBeUndefined();
    expect(failAtEpochFor({ failAtEpoch: 2 }, 'a')).toBe(2);
    expect(failAtEpochFor({ failAtEpoch: 2, trialKeys: ['a'] }, 'a')).toBe(2);
    expect(failAtEpochFor({ failAtEpoch: 2, trialKeys: ['b'] }, 'a')).toBeUndefined();
  });

  it('adds failAtEpoch and seriesMetric only when they apply, in a stable key order', () => {
    expect(trainTrialInput(base)).toEqual({
      sweepId: 's',
      trial,
      workflowId: 'wf',
      datasetFingerprint: 'fp',
    });
    const full = trainTrialInput({
      ...base,
      faultInjection: { failAtEpoch: 1 },
      earlyStopping: {
        rule: 'median',
        metric: 'test_loss',
        within: 'sweep',
        minEpochs: 1,
        minTrials: 1,
        percentile: 50,
        reductionFactor: 3,
        minResource: 1,
      },
    });
    expect(Object.keys(full)).toEqual([
      'sweepId',
      'trial',
      'workflowId',
      'failAtEpoch',
      'seriesMetric',
      'datasetFingerprint',
    ]);
    expect(full).toMatchObject({ failAtEpoch: 1, seriesMetric: 'test_loss' });
  });
});

describe('failure reason', () => {
  it('is the innermost application failure, with its type', () => {
    const cause = ApplicationFailure.create({ type: 'BadTrialConfig', message: 'no such model' });
    const wrapped = new ActivityFailure(
      'activity failed',
      'trainTrial',
      '1',
      RetryState.NON_RETRYABLE_FAILURE,
      undefined,
      cause,
    );
    expect(failureReason(wrapped)).toBe('BadTrialConfig: no such model');
    expect(failureReason(new Error('plain'))).toBe('plain');
    expect(failureReason('text')).toBe('text');
  });

  it('is cut to 300 characters', () => {
    const reason = failureReason(new Error('x'.repeat(400)));
    expect(reason).toHaveLength(300);
    expect(reason.endsWith('...')).toBe(true);
  });
});
