/**
 * One workflow per sweep: expand the spec, skip trials already finished, fan the rest out to the
 * training queues with at most `concurrency` in flight, answer progress queries and per-epoch reports,
 * honour cancel/pause/resume, continue as new before the history grows too long, then aggregate.
 * Orchestration only: no I/O, no clocks, no randomness (enforced by the workflow lint override).
 *
 * The pieces: sweep-state.ts (bookkeeping and the progress answer, pure), epoch-decision.ts (the
 * answer to an epoch report, pure), trial-runner.ts (one trial's activity and outcome). This file
 * wires them into the algorithm; every await here is a Temporal command, in the recorded order.
 */
import {
  CancellationScope,
  allHandlersFinished,
  condition,
  makeContinueAsNewFunc,
  proxyActivities,
  proxySinks,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { SweepActivities } from '../activities/index.js';
import type { FaultPointSinks } from '../../core/common/fault-points.js';
import type { EarlyStoppingSpec } from '../../sweep-spec/schema.js';
import {
  DEFAULT_TASK_QUEUES,
  SweepPhase,
  type SweepSummary,
  type SweepWorkflowInput,
} from '../shared/shared.js';
import { answerEpochReport, validateEpochReport } from './epoch-decision.js';
import { metricField } from '../shared/metrics.js';
import { AdaptivePlan, initialAdaptiveState, type PlanOutcomes } from './adaptive-plan.js';
import { warmTrialsOf } from './warm-start.js';
import { readCarriedState } from './carried-state.js';
import { SweepState, finalStatus } from './sweep-state.js';
import { aggregateInput, sweepSummary } from './sweep-outputs.js';
import { trainingActivities, trialRunner, type RunTrial } from './trial-runner.js';

import {
  cancelSignal,
  pauseSignal,
  progressQuery,
  reportEpochUpdate,
  resumeSignal,
} from '../shared/shared.js';

export { cancelSignal, pauseSignal, progressQuery, reportEpochUpdate, resumeSignal };

/**
 * Tracker calls: short and idempotent. Writes are journaled, so only reads fail, when the tracking
 * server is away: they are retried for up to an hour (a restart or an outage of minutes is waited out).
 */
const tracker = proxyActivities<SweepActivities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * The start's look-ups of trials finished before (`finishedTrialKeys`, `finishedTrialValues`): with
 * reuse they search the tracking server once per planned trial key, so they take time in proportion to
 * the plan (a 10,000-trial sweep: ~3 min on the namespace cluster, `npm run bench:load`). Under the
 * tracker calls' 1-minute limit every attempt of such a sweep's start timed out (and each abandoned
 * attempt kept searching), so the sweep never started a trial. Same retries as the tracker calls.
 */
const lookups = proxyActivities<SweepActivities>({
  startToCloseTimeout: '30 minutes',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * Aggregation: statistics and report files from the tracking server's records; retried for up to an
 * hour while the server is away or finished trials' records are still on their way (journaled writes).
 */
const aggregation = proxyActivities<SweepActivities>({
  startToCloseTimeout: '15 minutes',
  // It heartbeats every 5 s while it works (between synchronous statistics steps): a worker killed
  // mid-aggregation is noticed in 2 minutes, not 15.
  heartbeatTimeout: '2 minutes',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** @default for {@link SweepWorkflowInput.maxHistoryEventsBeforeContinue} */
export const DEFAULT_MAX_HISTORY_EVENTS = 10_000;

/** The sweep workflow. Its id is the sweep id; see {@link SweepWorkflowInput}. */
export async function sweepWorkflow(input: SweepWorkflowInput): Promise<SweepSummary> {
  const { spec, sweepId } = input;
  // The adaptive part of the carried state is the same in both shapes: the plan is derived from it.
  const adaptive = input.state?.adaptive ?? initialAdaptiveState();
  // A warm start's earlier trials come with the input (read at submission), so every run sees them.
  const warm = warmTrialsOf(input.warmStart, spec.objectives?.length ?? 1);
  const plan = new AdaptivePlan(spec, input.datasetFingerprint, adaptive, warm);
  const trials = plan.plannedTrials();
  const carried = readCarriedState(input.state, trials);
  carried.adaptive = adaptive;
  const training = trainingActivities(spec, input.taskQueues ?? DEFAULT_TASK_QUEUES);
  const sweep = new SweepState({ sweepId, sweepName: spec.name, plan: trials, carried });
  if (plan.adaptive) sweep.planNote = () => plan.note;

  // Handlers first, before the first await, so no early signal, query or update is lost.
  registerHandlers(sweep, spec.earlyStopping);

  // First run only: open the parent run and skip what earlier sweeps already finished.
  if (!input.state) await startSweep(input, sweep, plan);
  sweep.startRunning();

  // Start trials while there is room; stop starting on cancel, when done, or when history is long.
  await runSlidingWindow(sweep, plan, {
    spec,
    concurrency: Math.max(1, spec.concurrency),
    maxEvents: input.maxHistoryEventsBeforeContinue ?? DEFAULT_MAX_HISTORY_EVENTS,
    runTrial: trialRunner({
      input,
      sweep,
      training,
      tracker,
      ...(plan.adaptive ? { valueMetric: adaptiveMetric(spec) } : {}),
      ...(objectiveMetrics(spec) ? { objectiveMetrics: objectiveMetrics(spec)! } : {}),
    }),
  });

  // Trials left (or an adaptive plan not done) and not cancelled: the history is long, so go on fresh.
  const planOpen = plan.adaptive && plan.conclusion === undefined;
  if (!sweep.cancelRequested && (sweep.queued > 0 || planOpen)) return continueSweepAsNew(input, sweep);

  return aggregate(input, sweep, plan);
}

/** The progress query, the cancel/pause/resume signals and the epoch-report update. */
function registerHandlers(sweep: SweepState, earlyStopping: EarlyStoppingSpec | undefined): void {
  setHandler(progressQuery, (options) => sweep.progress(options));
  setHandler(cancelSignal, () => sweep.requestCancel());
  setHandler(pauseSignal, () => sweep.setPaused(true));
  setHandler(resumeSignal, () => sweep.setPaused(false));
  setHandler(reportEpochUpdate, (report) => answerEpochReport(sweep, report, earlyStopping), {
    validator: (report) => validateEpochReport(sweep.running.get(report.trialKey), report),
  });
}

/** Opens the sweep's parent run in the tracker and marks trials finished by earlier sweeps as skipped. */
async function startSweep(input: SweepWorkflowInput, sweep: SweepState, plan: AdaptivePlan): Promise<void> {
  const { spec, sweepId } = input;
  await tracker.startSweep({
    sweepId,
    sweepName: spec.name,
    tags: { 'seedsweep.sweep_id': sweepId },
    datasetFingerprint: input.datasetFingerprint,
  });
  // Trials finished under this sweep name, and (unless the spec says reuse: false) equal trial keys
  // finished under any other name: both are skipped, and the report includes them.
  sweep.skipAlreadyFinished(
    await lookups.finishedTrialKeys({
      sweepName: spec.name,
      ...(spec.reuse !== false ? { plan: { spec, datasetFingerprint: input.datasetFingerprint } } : {}),
    }),
  );
  // An adaptive sweep decides on values: a resumed one gets those of its trials finished before.
  if (plan.adaptive) {
    const values = await lookups.finishedTrialValues({
      sweepName: spec.name,
      metric: adaptiveMetric(spec),
      keys: sweep.skippedKeys(),
    });
    plan.state.values = { ...values, ...plan.state.values };
    const metrics = objectiveMetrics(spec);
    if (metrics) {
      // One look-up per objective (a multi-objective sweep only: single-objective histories are unchanged).
      const each: Record<string, number>[] = [];
      for (const metric of metrics)
        each.push(
          metric === adaptiveMetric(spec)
            ? values
            : await lookups.finishedTrialValues({ sweepName: spec.name, metric, keys: sweep.skippedKeys() }),
        );
      const objectiveValues: Record<string, number[]> = {};
      for (const key of Object.keys(each[0]!)) {
        const vector = each.map((v) => v[key]);
        if (vector.every((v) => v !== undefined)) objectiveValues[key] = vector as number[];
      }
      plan.state.objectiveValues = { ...objectiveValues, ...plan.state.objectiveValues };
    }
  }
}

/** A multi-objective sampler sweep's objective metrics, in order (what its sampler decides on); else undefined. */
function objectiveMetrics(spec: SweepWorkflowInput['spec']): string[] | undefined {
  return spec.variants.sampler && spec.objectives && spec.objectives.length >= 2
    ? spec.objectives.map((o) => o.metric)
    : undefined;
}

/** The metric an adaptive plan decides on: adaptive seeds' `until.metric`, else the objective's. */
function adaptiveMetric(spec: SweepWorkflowInput['spec']): string {
  return spec.adaptiveSeeds?.until.metric ?? spec.objective.metric;
}

interface SlidingWindowOptions {
  spec: SweepWorkflowInput['spec'];
  /** Trials in flight at once (at least 1). */
  concurrency: number;
  /** Stop starting trials once the history holds this many events (or Temporal suggests it). */
  maxEvents: number;
  runTrial: RunTrial;
}

/**
 * Starts queued trials, each in its own cancellation scope, keeping at most `concurrency` running,
 * until the sweep is cancelled, has nothing left, or should continue as new; then drains: running
 * trials finish (or stop, when cancelling) and every handler returns before the run ends or continues.
 */
async function runSlidingWindow(
  sweep: SweepState,
  plan: AdaptivePlan,
  options: SlidingWindowOptions,
): Promise<void> {
  const { concurrency, maxEvents, runTrial } = options;
  const view = () => ({ queued: sweep.queued, running: sweep.running.size, concurrency });
  const outcomes = planOutcomes(sweep, options.spec);
  // Continue only after this run settled something, so a tiny threshold can never loop without progress.
  const continueDue = () =>
    sweep.settledThisRun > 0 &&
    (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= maxEvents);
  const inFlight: Promise<void>[] = [];
  for (;;) {
    await condition(
      () =>
        sweep.cancelRequested ||
        continueDue() ||
        sweep.idle ||
        sweep.canStartTrial(concurrency) ||
        (!sweep.paused && plan.wantsToGrow(view())),
    );
    if (sweep.cancelRequested || continueDue()) break;
    // Adaptive plans grow here, deterministically from what history recorded.
    if (!sweep.paused && plan.wantsToGrow(view())) {
      sweep.addTrials(plan.grow(sweep.plan.trials(), outcomes));
      continue;
    }
    if (sweep.idle) break;
    if (!sweep.canStartTrial(concurrency)) continue;
    const scope = new CancellationScope();
    const trial = sweep.startNext(scope);
    inFlight.push(runTrial(trial, scope));
  }
  await Promise.all(inFlight);
  await condition(allHandlersFinished);
}

/** The plan's view of outcomes: values of finished trials, reasons of the others. */
function planOutcomes(sweep: SweepState, spec: SweepWorkflowInput['spec']): PlanOutcomes {
  // Asked only by adaptive plans (older specs in replayed histories may lack an objective).
  const watchesObjective = () =>
    spec.earlyStopping !== undefined &&
    metricField(spec.earlyStopping.metric) === metricField(adaptiveMetric(spec));
  return {
    value: (key) => sweep.carried.adaptive?.values?.[key],
    values: (key) => sweep.carried.adaptive?.objectiveValues?.[key],
    lastReported: (key) => {
      const index = sweep.indexOf(key);
      return index !== undefined && sweep.isEarlyStopped(index) && watchesObjective()
        ? sweep.metricHistory.get(index)?.at(-1)
        : undefined;
    },
    missing: (key) => {
      const index = sweep.indexOf(key);
      if (index === undefined || !sweep.isSettled(key)) return undefined;
      const p = sweep.trialProgressAt(index);
      return p.state === 'finished' || p.state === 'skipped' ? undefined : (p.reason ?? p.state);
    },
  };
}

/** Chaos tests' fault points (src/core/common/fault-points.ts), run by the worker; a sink call adds no command. */
const { faultPoints } = proxySinks<FaultPointSinks>();

/** Continues as new with the carried state, keeping the memo (spec, name) so `list` and `resume` find it. */
function continueSweepAsNew(input: SweepWorkflowInput, sweep: SweepState): Promise<SweepSummary> {
  const state = sweep.carryOver();
  const continueWithState = makeContinueAsNewFunc<typeof sweepWorkflow>({
    memo: workflowInfo().memo ?? {},
  });
  // Not while replaying: the worker would drop the call anyway, and replay tests register no sinks.
  if (!workflowInfo().unsafe.isReplaying) faultPoints.reach('continue-as-new');
  return continueWithState({ ...input, state });
}

/** Marks unstarted trials cancelled (when cancelling), writes the report and returns the summary. */
async function aggregate(
  input: SweepWorkflowInput,
  sweep: SweepState,
  plan: AdaptivePlan,
): Promise<SweepSummary> {
  sweep.phase = SweepPhase.aggregating;
  sweep.cancelQueued();
  const status = finalStatus(sweep.cancelRequested, sweep.hasFailures);
  const report = await aggregation.aggregateSweep(
    aggregateInput({
      input,
      sweep,
      status,
      ...(plan.adaptive ? { plannedKeys: sweep.plan.trials().map((t) => t.trialKey) } : {}),
    }),
  );
  sweep.phase = SweepPhase.done;
  return sweepSummary({
    input,
    sweep,
    status,
    report,
    ...(plan.note !== undefined ? { plan: plan.note } : {}),
  });
}
