/**
 * Running one trial from the sweep workflow: the training activity proxies (one per queue kind, with
 * the spec's timeouts and retries) and the runner that trains a trial in its cancellation scope and
 * records how it settled. Workflow code: it schedules activities, so it runs only inside a workflow.
 */
import {
  ActivityCancellationType,
  CancellationScope,
  isCancellation,
  patched,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { SweepActivities } from '../activities/index.js';
import type { QueueKind, PlannedTrial } from '../../sweep-spec/types.js';
import type { SweepSpec } from '../../sweep-spec/schema.js';
import { trainingQueue, type SweepWorkflowInput, type TaskQueues } from '../shared/shared.js';
import { metricValue } from '../shared/metrics.js';
import { failureReason } from './failure-reason.js';
import type { SweepState } from './sweep-state.js';
import { trainTrialInput } from './trial-input.js';

/**
 * Training proxies, one per queue kind. They depend on the spec's timeouts and retries, so the
 * workflow makes them once per run (not at module top). Cancelling waits for the activity to stop,
 * so its checkpoint is written before the trial counts as cancelled.
 */
export function trainingActivities(spec: SweepSpec, queues: TaskQueues): TrainingActivities {
  const forKind = (kind: QueueKind, activityId?: string) =>
    proxyActivities<SweepActivities>({
      ...(activityId !== undefined ? { activityId } : {}),
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
  return forKind;
}

/** The training activities of a queue kind, scheduled under `activityId` when given. */
export type TrainingActivities = (kind: QueueKind, activityId?: string) => SweepActivities;

/**
 * Training activities are scheduled under an id naming the trial (`trial-<key>-<start>`), so that
 * replaying a history checks WHICH trials ran, not only how many: an adaptive sweep's sampler,
 * pruner and seed-round decisions are all visible in it. Histories from before this change used
 * Temporal's sequence numbers; the patch marker keeps them replayable.
 */
export const TRIAL_ACTIVITY_IDS_PATCH = 'trial-activity-ids';

export interface TrialRunnerOptions {
  input: SweepWorkflowInput;
  sweep: SweepState;
  training: TrainingActivities;
  /** Tracker activities (records a trial's final failure). */
  tracker: Pick<SweepActivities, 'recordTrialFailure'>;
  /** Adaptive sweeps: keep each finished trial's final value of this metric for the plan. */
  valueMetric?: string;
  /** Multi-objective sampler sweeps: also keep each finished trial's final value of every one of these. */
  objectiveMetrics?: readonly string[];
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
      const start = sweep.countStart(key);
      const activityId = patched(TRIAL_ACTIVITY_IDS_PATCH) ? `trial-${key}-${start}` : undefined;
      const out = await scope.run(() =>
        training(trial.queue, activityId).trainTrial(
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
      if (out.status === 'finished' && options.valueMetric !== undefined) {
        const value = metricValue(out.final, options.valueMetric);
        if (value !== undefined) (sweep.carried.adaptive!.values ??= {})[key] = value;
      }
      if (out.status === 'finished' && options.objectiveMetrics !== undefined) {
        const vector = objectiveVector(out.final, options.objectiveMetrics);
        if (vector) (sweep.carried.adaptive!.objectiveValues ??= {})[key] = vector;
      }
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

/** The final value of each metric, or undefined when any is missing (the sampler then counts the trial as failed). */
export function objectiveVector(
  final: Parameters<typeof metricValue>[0],
  metrics: readonly string[],
): number[] | undefined {
  const vector: number[] = [];
  for (const metric of metrics) {
    const value = metricValue(final, metric);
    if (value === undefined) return undefined;
    vector.push(value);
  }
  return vector;
}
