/**
 * Running one trial from the sweep workflow: the training activity proxies (one per queue kind, with
 * the spec's timeouts and retries) and the runner that trains a trial in its cancellation scope and
 * records how it settled. Workflow code: it schedules activities, so it runs only inside a workflow.
 */
import {
  ActivityCancellationType,
  CancellationScope,
  isCancellation,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { SweepActivities } from '../activities/index.js';
import type { QueueKind, PlannedTrial } from '../spec/types.js';
import type { SweepSpec } from '../spec/schema.js';
import { trainingQueue, type SweepWorkflowInput, type TaskQueues } from '../orchestration/shared.js';
import { failureReason } from './failure-reason.js';
import type { SweepState } from './sweep-state.js';
import { trainTrialInput } from './trial-input.js';

/**
 * Training proxies, one per queue kind. They depend on the spec's timeouts and retries, so the
 * workflow makes them once per run (not at module top). Cancelling waits for the activity to stop,
 * so its checkpoint is written before the trial counts as cancelled.
 */
export function trainingActivities(spec: SweepSpec, queues: TaskQueues): Record<QueueKind, SweepActivities> {
  const forKind = (kind: QueueKind) =>
    proxyActivities<SweepActivities>({
      taskQueue: trainingQueue(queues, kind),
      startToCloseTimeout: `${spec.timeouts.trialMinutes} minutes`,
      heartbeatTimeout: `${spec.timeouts.heartbeatSeconds} seconds`,
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: {
        maximumAttempts: spec.retries.maxAttempts,
        initialInterval: `${spec.retries.initialIntervalSeconds} seconds`,
        backoffCoefficient: spec.retries.backoffCoefficient,
        nonRetryableErrorTypes: ['UserError', 'BadTrialConfig'],
      },
    });
  return { cpu: forKind('cpu'), gpu: forKind('gpu') };
}

export interface TrialRunnerOptions {
  input: SweepWorkflowInput;
  sweep: SweepState;
  training: Record<QueueKind, SweepActivities>;
  /** Tracker activities (records a trial's final failure). */
  tracker: Pick<SweepActivities, 'recordTrialFailure'>;
}

/** Runs one started trial to its end; never throws. */
export type RunTrial = (trial: PlannedTrial, scope: CancellationScope) => Promise<void>;

/**
 * The runner: trains the trial in `scope` and records the outcome (finished, paused → requeued,
 * early-stopped, cancelled). A failure after all retries is recorded here and in the tracker, unless
 * it is the sweep's cancellation. Either way the trial then leaves the running set.
 */
export function trialRunner(options: TrialRunnerOptions): RunTrial {
  const { input, sweep, training, tracker } = options;
  const { sweepId } = input;
  const earlyStopping = input.spec.earlyStopping;
  return async (trial, scope) => {
    const key = trial.trialKey;
    try {
      const out = await scope.run(() =>
        training[trial.queue].trainTrial(
          trainTrialInput({
            sweepId,
            trial,
            workflowId: workflowInfo().workflowId,
            datasetFingerprint: input.datasetFingerprint,
            ...(input.faultInjection ? { faultInjection: input.faultInjection } : {}),
            ...(earlyStopping ? { earlyStopping } : {}),
          }),
        ),
      );
      sweep.recordOutcome(trial, out, Boolean(earlyStopping));
    } catch (error) {
      if (isCancellation(error) || sweep.cancelRequested) {
        sweep.recordCancelled(key);
      } else {
        const reason = failureReason(error);
        sweep.recordFailed(key, reason);
        await tracker.recordTrialFailure({ sweepId, trialKey: key, reason });
      }
    } finally {
      sweep.release(key);
    }
  };
}
