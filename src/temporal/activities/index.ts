/**
 * All activities of a seedsweep worker, built over the process's dependencies (its trainer, i.e. its
 * one piscina pool, its tracker and a Temporal client for epoch reports). The workflow imports the
 * `SweepActivities` type only.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { isUserError } from '../../core/common/errors.js';
import type { Tracker } from '../../tracking/types.js';
import { createAggregate } from './aggregate.js';
import type { EpochReporter } from './epoch-reporter.js';
import { createTrackingActivities } from './tracking.js';
import { createTrainTrial } from './train-trial.js';
import type { TrialTrainer } from './trainer.js';

export interface ActivityDeps {
  tracker: Tracker;
  /** The worker's trainer (its pool). Control-only workers never train and may pass none. */
  trainer?: TrialTrainer;
  reportEpoch: EpochReporter;
  /** Trial checkpoints: `<checkpointRoot>/<trialKey>`. Shared storage when workers span hosts. */
  checkpointRoot: string;
  /** Saved models: `<modelRoot>/<trialKey>`. Omitted ⇒ models are not saved. */
  modelRoot?: string;
  /** Reports: `<reportRoot>/<sweepId>`. */
  reportRoot: string;
}

/**
 * Bad input is not fixed by retrying: a UserError becomes a non-retryable failure of the activity —
 * unless it is transient (the tracking server is down), which Temporal retries.
 */
function nonRetryableUserErrors<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (error) {
      if (isUserError(error) && !error.transient)
        throw ApplicationFailure.nonRetryable(`${error.code}: ${error.message}`, 'UserError');
      throw error;
    }
  };
}

/** Builds the activities. */
export function createActivities(deps: ActivityDeps) {
  const trainer = deps.trainer;
  const tracking = createTrackingActivities(deps.tracker);
  return {
    startSweep: nonRetryableUserErrors(tracking.startSweep),
    finishedTrialKeys: nonRetryableUserErrors(tracking.finishedTrialKeys),
    finishedTrialValues: nonRetryableUserErrors(tracking.finishedTrialValues),
    recordTrialFailure: nonRetryableUserErrors(tracking.recordTrialFailure),
    aggregateSweep: nonRetryableUserErrors(
      createAggregate({ tracker: deps.tracker, reportRoot: deps.reportRoot }),
    ),
    trainTrial: createTrainTrial({
      trainer: trainer ?? {
        run: () => Promise.reject(new Error('this worker has no trainer: it serves the control queue only')),
        destroy: async () => {},
      },
      tracker: deps.tracker,
      reportEpoch: deps.reportEpoch,
      checkpointRoot: deps.checkpointRoot,
      ...(deps.modelRoot ? { modelRoot: deps.modelRoot } : {}),
    }),
  };
}

/** The activity interface the sweep workflow proxies. */
export type SweepActivities = ReturnType<typeof createActivities>;
