/**
 * One workflow per sweep: expand the spec, skip trials already finished, fan the rest out to the
 * training queues with at most `concurrency` in flight, answer progress queries and per-epoch reports,
 * honour cancel/pause/resume, continue as new before the history grows too long, then aggregate.
 * Orchestration only: no I/O, no clocks, no randomness (enforced by the workflow lint override).
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  makeContinueAsNewFunc,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { SweepActivities } from '../activities/index.js';
import type { QueueKind, PlannedTrial } from '../spec/types.js';
import { expandSweep } from '../spec/expand.js';
import { metricValue, shouldStopEarly } from './early-stopping.js';
import {
  DEFAULT_TASK_QUEUES,
  StopReason,
  SweepPhase,
  TrialState,
  type CarriedState,
  type EpochDecision,
  type EpochReport,
  type SweepCounts,
  type SweepProgress,
  type SweepSummary,
  type SweepWorkflowInput,
  type TrialProgress,
  trainingQueue,
} from '../orchestration/shared.js';
import type { EpochMetrics } from '../engine/types.js';

import {
  cancelSignal,
  pauseSignal,
  progressQuery,
  reportEpochUpdate,
  resumeSignal,
} from '../orchestration/shared.js';

export { cancelSignal, pauseSignal, progressQuery, reportEpochUpdate, resumeSignal };

/** Tracker calls: short, idempotent, retried for a while (the tracker journals, so they rarely fail). */
const tracker = proxyActivities<SweepActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
  },
});

/** Aggregation: statistics and report files; longer, retried a few times. */
const aggregation = proxyActivities<SweepActivities>({
  startToCloseTimeout: '15 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

/** @default for {@link SweepWorkflowInput.maxHistoryEventsBeforeContinue} */
export const DEFAULT_MAX_HISTORY_EVENTS = 10_000;

interface RunningTrial {
  trial: PlannedTrial;
  scope: CancellationScope;
  attempt: number;
  epoch: number;
  metrics?: EpochMetrics;
  /** The early-stopping metric per epoch, across attempts. */
  series: number[];
}

/** The sweep workflow. Its id is the sweep id; see {@link SweepWorkflowInput}. */
export async function sweepWorkflow(input: SweepWorkflowInput): Promise<SweepSummary> {
  const { spec, sweepId } = input;
  const queues = input.taskQueues ?? DEFAULT_TASK_QUEUES;
  const maxEvents = input.maxHistoryEventsBeforeContinue ?? DEFAULT_MAX_HISTORY_EVENTS;
  const earlyStopping = spec.earlyStopping;
  const trials = expandSweep({ spec, datasetFingerprint: input.datasetFingerprint });

  // Training proxies depend on the spec's timeouts and retries, so they are made once per run here.
  const trainingOptions = (kind: QueueKind) =>
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
  const training: Record<QueueKind, SweepActivities> = {
    cpu: trainingOptions('cpu'),
    gpu: trainingOptions('gpu'),
  };

  const state: CarriedState = input.state ?? {
    alreadyFinished: [],
    finished: [],
    failed: {},
    earlyStopped: {},
    metricHistory: {},
    cursor: 0,
    paused: false,
    cancelRequested: false,
    continuedRuns: 0,
  };
  const alreadyFinished = new Set(state.alreadyFinished);
  const finished = new Set(state.finished);
  const cancelled = new Map<string, string>();
  const running = new Map<string, RunningTrial>();
  let phase: SweepPhase = SweepPhase.starting;

  const planIndex = new Map(trials.map((t, i) => [t.trialKey, i]));
  let settledThisRun = 0;
  const isSettled = (key: string) =>
    alreadyFinished.has(key) ||
    finished.has(key) ||
    key in state.failed ||
    key in state.earlyStopped ||
    cancelled.has(key);

  // ---- handlers (registered before the first await so no early signal or query is lost) ----
  setHandler(progressQuery, (options) => progress(options?.pending ?? true));
  setHandler(cancelSignal, () => {
    state.cancelRequested = true;
    for (const r of running.values()) r.scope.cancel();
  });
  setHandler(pauseSignal, () => {
    state.paused = true;
  });
  setHandler(resumeSignal, () => {
    state.paused = false;
  });
  setHandler(reportEpochUpdate, (report) => onEpoch(report), {
    validator: (report) => {
      const r = running.get(report.trialKey);
      if (!r) throw new Error(`trial ${report.trialKey} is not running in this sweep run`);
      if (report.attempt < r.attempt) throw new Error(`stale report from attempt ${report.attempt}`);
    },
  });

  function onEpoch(report: EpochReport): EpochDecision {
    const r = running.get(report.trialKey);
    if (!r) return { action: 'stop', reason: StopReason.cancelled };
    r.attempt = report.attempt;
    r.epoch = report.metrics.epoch;
    r.metrics = report.metrics;
    if (earlyStopping) {
      const value = metricValue(report.metrics, earlyStopping.metric);
      if (value !== undefined) r.series[report.metrics.epoch - 1] = value;
    }
    if (state.cancelRequested) return { action: 'stop', reason: StopReason.cancelled };
    if (state.paused) return { action: 'stop', reason: StopReason.paused };
    if (
      earlyStopping &&
      report.metrics.epoch < r.trial.config.train.epochs &&
      shouldStopEarly({
        metric: earlyStopping.metric,
        ...(earlyStopping.higherIsBetter !== undefined
          ? { higherIsBetter: earlyStopping.higherIsBetter }
          : {}),
        minEpochs: earlyStopping.minEpochs,
        minTrials: earlyStopping.minTrials,
        current: r.series.slice(0, report.metrics.epoch),
        finished: Object.values(state.metricHistory),
      })
    ) {
      return { action: 'stop', reason: StopReason.earlyStopped };
    }
    return { action: 'continue' };
  }

  function trialProgress(trial: PlannedTrial): TrialProgress {
    const key = trial.trialKey;
    const base = {
      trialKey: key,
      groupLabel: trial.groupLabel,
      seed: trial.seed,
      epochs: trial.config.train.epochs,
    };
    const r = running.get(key);
    if (r)
      return {
        ...base,
        state: TrialState.running,
        epoch: r.epoch,
        attempt: r.attempt,
        ...(r.metrics ? { metrics: r.metrics } : {}),
      };
    if (finished.has(key)) return { ...base, state: TrialState.finished };
    if (alreadyFinished.has(key)) return { ...base, state: TrialState.skipped };
    const failure = state.failed[key];
    if (failure !== undefined) return { ...base, state: TrialState.failed, reason: failure };
    const stoppedAt = state.earlyStopped[key];
    if (stoppedAt !== undefined)
      return {
        ...base,
        state: TrialState.earlyStopped,
        epoch: stoppedAt,
        reason: `early-stopped at epoch ${stoppedAt}`,
      };
    const why = cancelled.get(key);
    if (why !== undefined) return { ...base, state: TrialState.cancelled, reason: why };
    return { ...base, state: TrialState.pending };
  }

  function counts(): SweepCounts {
    const c: SweepCounts = {
      total: trials.length,
      pending: 0,
      running: 0,
      finished: 0,
      failed: 0,
      earlyStopped: 0,
      cancelled: 0,
      skipped: 0,
    };
    for (const t of trials) {
      const s = trialProgress(t).state;
      if (s === TrialState.earlyStopped) c.earlyStopped++;
      else c[s]++;
    }
    return c;
  }

  function currentPhase(): SweepPhase {
    if (phase !== SweepPhase.running) return phase;
    if (state.cancelRequested) return SweepPhase.cancelling;
    return state.paused ? SweepPhase.paused : SweepPhase.running;
  }

  function progress(includePending: boolean): SweepProgress {
    const list = trials.map(trialProgress);
    return {
      sweepId,
      sweepName: spec.name,
      phase: currentPhase(),
      counts: counts(),
      trials: includePending
        ? list
        : list.filter((t) => t.state !== TrialState.pending && t.state !== TrialState.skipped),
      continuedRuns: state.continuedRuns,
    };
  }

  // ---- start: parent run, and what earlier sweeps of this name already finished ----
  if (!input.state) {
    await tracker.startSweep({
      sweepId,
      sweepName: spec.name,
      tags: { 'seedsweep.sweep_id': sweepId },
      datasetFingerprint: input.datasetFingerprint,
    });
    // Trials finished under this sweep name, and (unless the spec says reuse: false) equal trial keys
    // finished under any other name: both are skipped, and the report includes them.
    const done = new Set(
      await tracker.finishedTrialKeys({
        sweepName: spec.name,
        ...(spec.reuse !== false ? { plan: { spec, datasetFingerprint: input.datasetFingerprint } } : {}),
      }),
    );
    for (const t of trials) if (done.has(t.trialKey)) alreadyFinished.add(t.trialKey);
    state.alreadyFinished = [...alreadyFinished];
  }
  phase = SweepPhase.running;

  // Unsettled trials in plan order; paused trials go back to the front.
  const queue: PlannedTrial[] = trials.filter((t) => !isSettled(t.trialKey));
  const concurrency = Math.max(1, spec.concurrency);
  // Continue only after this run settled something, so a tiny threshold can never loop without progress.
  const continueDue = () =>
    settledThisRun > 0 &&
    (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= maxEvents);

  async function runTrial(trial: PlannedTrial, scope: CancellationScope): Promise<void> {
    const key = trial.trialKey;
    const failAtEpoch =
      input.faultInjection &&
      (!input.faultInjection.trialKeys || input.faultInjection.trialKeys.includes(key))
        ? input.faultInjection.failAtEpoch
        : undefined;
    try {
      const out = await scope.run(() =>
        training[trial.queue].trainTrial({
          sweepId,
          trial,
          workflowId: workflowInfo().workflowId,
          ...(failAtEpoch !== undefined ? { failAtEpoch } : {}),
          ...(earlyStopping ? { seriesMetric: earlyStopping.metric } : {}),
          datasetFingerprint: input.datasetFingerprint,
        }),
      );
      if (out.status === 'finished') {
        finished.add(key);
        if (earlyStopping) state.metricHistory[key] = out.series ?? running.get(key)?.series ?? [];
      } else if (out.reason === StopReason.paused) {
        queue.unshift(trial);
      } else if (out.reason === StopReason.earlyStopped) {
        state.earlyStopped[key] = out.epoch;
      } else {
        cancelled.set(key, `cancelled after epoch ${out.epoch}`);
      }
    } catch (error) {
      if (isCancellation(error) || state.cancelRequested) {
        cancelled.set(key, 'cancelled');
      } else {
        const reason = failureReason(error);
        state.failed[key] = reason;
        await tracker.recordTrialFailure({ sweepId, trialKey: key, reason });
      }
    } finally {
      running.delete(key);
      settledThisRun++;
    }
  }

  // ---- the sliding window ----
  const inFlight: Promise<void>[] = [];
  for (;;) {
    await condition(
      () =>
        state.cancelRequested ||
        continueDue() ||
        (queue.length === 0 && running.size === 0) ||
        (!state.paused && queue.length > 0 && running.size < concurrency),
    );
    if (state.cancelRequested || continueDue() || (queue.length === 0 && running.size === 0)) break;
    const trial = queue.shift() as PlannedTrial;
    const scope = new CancellationScope();
    running.set(trial.trialKey, { trial, scope, attempt: 1, epoch: 0, series: [] });
    state.cursor = Math.max(state.cursor, (planIndex.get(trial.trialKey) ?? 0) + 1);
    inFlight.push(runTrial(trial, scope));
  }

  // Drain: running trials finish (or stop, when cancelling) before the run ends or continues.
  await Promise.all(inFlight);
  await condition(allHandlersFinished);

  if (!state.cancelRequested && queue.length > 0) {
    state.finished = [...finished];
    state.continuedRuns += 1;
    // Keep the memo (spec, name) so `list` and `resume` still find it on the new run.
    const continueWithState = makeContinueAsNewFunc<typeof sweepWorkflow>({
      memo: workflowInfo().memo ?? {},
    });
    return continueWithState({ ...input, state });
  }

  phase = SweepPhase.aggregating;
  for (const t of queue) cancelled.set(t.trialKey, 'not started: sweep cancelled');
  const hasFailures = Object.keys(state.failed).length > 0;
  const report = await aggregation.aggregateSweep({
    sweepId,
    spec,
    datasetFingerprint: input.datasetFingerprint,
    status: state.cancelRequested ? 'KILLED' : hasFailures ? 'FAILED' : 'FINISHED',
    ...(input.reportDir ? { reportDir: input.reportDir } : {}),
  });
  phase = SweepPhase.done;
  return {
    sweepId,
    sweepName: spec.name,
    status: state.cancelRequested ? 'cancelled' : hasFailures ? 'completed-with-failures' : 'completed',
    counts: counts(),
    failures: { ...state.failed },
    report,
    continuedRuns: state.continuedRuns,
  };
}

/** The innermost message of an activity failure: what actually went wrong in the trial. */
function failureReason(error: unknown): string {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  const message =
    current instanceof ApplicationFailure
      ? `${current.type ?? 'Error'}: ${current.message}`
      : current instanceof Error
        ? current.message
        : String(error);
  return message.length > 300 ? `${message.slice(0, 297)}...` : message;
}
