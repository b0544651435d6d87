/**
 * What the sweep workflow, its activities, the workers and the clients share, in one place (as in
 * Temporal's samples): task-queue names, the workflow's query, signals and update, and the payload
 * types they exchange. Workflow code imports this file at runtime, so it stays deterministic and
 * light: type-only imports of the domain and spec, and `@temporalio/workflow`'s `define*` helpers only.
 *
 * Payloads are plain JSON: every value here travels as a Temporal payload, so keep it small (a
 * 100,000-trial sweep must fit one continue-as-new and every query answer).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { EpochMetrics, ParamValue, PlannedTrial, QueueKind } from '../../core/domain/trial.js';
import type { SweepSpec } from '../../sweep-spec/schema.js';
import type { BackendUsage } from '../../reporting/results/backends.js';
import type { StoppedTrial } from '../../reporting/analysis/sweep-trials.js';

// ---------------------------------------------------------------------------------------------------
// Task queues. Sweep workflows and the light activities (tracker calls, aggregation) run on the control
// queue, which every worker process serves; training runs on the queue of its trial's kind, served only
// by workers with that hardware.

/** The task queues one deployment uses. Tests use a unique prefix so suites never steal each other's tasks. */
export interface TaskQueues {
  /** Sweep workflows, tracker activities, aggregation. */
  control: string;
  /** Training on CPU workers. */
  cpu: string;
  /** Training on GPU workers. */
  gpu: string;
}

/** The production queue names: `seedsweep-control`, `seedsweep-cpu`, `seedsweep-gpu`. */
export const DEFAULT_TASK_QUEUES: TaskQueues = {
  control: 'seedsweep-control',
  cpu: 'seedsweep-cpu',
  gpu: 'seedsweep-gpu',
};

/**
 * Queue names with a prefix other than `seedsweep`, e.g. for isolating a test or a team.
 * @param prefix Replaces `seedsweep` in every name.
 */
export function taskQueues(prefix = 'seedsweep'): TaskQueues {
  return { control: `${prefix}-control`, cpu: `${prefix}-cpu`, gpu: `${prefix}-gpu` };
}

/** The training queue a trial of the given kind is routed to. */
export function trainingQueue(queues: TaskQueues, kind: QueueKind): string {
  return kind === 'gpu' ? queues.gpu : queues.cpu;
}

// ---------------------------------------------------------------------------------------------------
// Payloads: data the sweep workflow exchanges with its callers and its activities.

/** Test-only fault injection: make trials fail at an epoch on their first attempt. */
export interface FaultInjection {
  /** 1-based epoch after which the trial throws (its checkpoint for that epoch is written first). */
  failAtEpoch: number;
  /** Only these trials; all trials when omitted. */
  trialKeys?: string[];
}

/** Where a trial stands. */
export const TrialState = {
  pending: 'pending',
  running: 'running',
  finished: 'finished',
  failed: 'failed',
  earlyStopped: 'early-stopped',
  cancelled: 'cancelled',
  /** Finished by an earlier sweep of the same name: not run again. */
  skipped: 'skipped',
} as const;
export type TrialState = (typeof TrialState)[keyof typeof TrialState];

/**
 * What the workflow carries into its next run on continue-as-new. Trials are named by their plan index
 * (position in the expanded plan, which every run re-derives from the spec and `adaptive`), not by
 * trial key, and the settled ones as index sets (≤ 25 KB each at 100,000 trials), not megabytes of
 * keys. Only what cannot be recomputed is kept per trial: failure reasons and pruner decisions.
 */
export interface CarriedState {
  format: 2;
  /** Plan indices finished before this sweep started (found in the tracker by the first run): an IndexSet. */
  skipped: string;
  /** Plan indices finished by this sweep: an IndexSet (src/temporal/workflows/index-set.ts). */
  finished: string;
  /**
   * Plan index → failure reason, for trials that exhausted their retries. Runs from this version on
   * write `failedSets` instead and leave this empty (one entry per failed trial passed 256 KB near
   * 1,000,000 trials); both are read.
   */
  failed: Record<string, string>;
  /**
   * Failure reason → the plan indices that failed with it (an IndexSet). At most
   * {@link MAX_FAILURE_REASONS_KEPT} reasons; failures beyond them are kept under a generic reason
   * (each one's own reason is in the tracker, recorded when it failed).
   */
  failedSets?: Record<string, string>;
  /** Plan index → epoch at which the early-stopping rule stopped it. */
  earlyStopped: Record<string, number>;
  /**
   * [plan index, the early-stopping metric per epoch] of settled trials, in the order they settled
   * (only with early stopping): the pruner sees them in that order.
   */
  metricHistory: [number, number[]][];
  /** Plan index → the pruning rule's reason, for trials it stopped. */
  stopReasons: Record<string, string>;
  /** Plan index → the epoch at which the pruning rule decided to stop it (the recorded outcome). */
  stopEpochs: Record<string, number>;
  /**
   * Index into the expanded plan: trials before it have been started (and, because the workflow
   * drains before continuing, settled), trials from it on have not.
   */
  cursor: number;
  paused: boolean;
  cancelRequested: boolean;
  /** How many times this sweep continued as new so far. */
  continuedRuns: number;
  /** Adaptive sweeps: the plan's state and the finished trials' values it decides on. */
  adaptive?: AdaptiveCarried;
}

/** Distinct failure reasons a carried state keeps (each ≤ 300 characters: ≤ ~30 KB of reasons). */
export const MAX_FAILURE_REASONS_KEPT = 100;

/**
 * The carried state of older workers (trials by key, ~46 KiB per 1,000 trials). A sweep that continued
 * as new under them starts its next run with this shape; the workflow reads it (carried-state.ts).
 */
export interface LegacyCarriedState {
  /** Keys finished before this sweep started (found in the tracker by the first run). */
  alreadyFinished: string[];
  /** Keys finished by this sweep. */
  finished: string[];
  /** Trial key → failure reason, for trials that exhausted their retries. */
  failed: Record<string, string>;
  /** Trial key → epoch at which the early-stopping rule stopped it. */
  earlyStopped: Record<string, number>;
  /** Trial key → the early-stopping metric per epoch, for finished trials (only with early stopping). */
  metricHistory: Record<string, number[]>;
  cursor: number;
  paused: boolean;
  cancelRequested: boolean;
  continuedRuns: number;
  stopReasons?: Record<string, string>;
  stopEpochs?: Record<string, number>;
  adaptive?: AdaptiveCarried;
}

/** What an adaptive plan (src/temporal/workflows/adaptive-plan.ts) carries across continue-as-new. */
export interface AdaptiveCarried {
  /** Sampler sweeps: every proposed point, in order, with why. */
  proposals: { values: Record<string, ParamValue>; reason: string }[];
  /** Uniforms the sampler drew so far (a fresh stream is fast-forwarded by this many). */
  draws: number;
  /** Adaptive seeds: the rounds added after the first `min` seeds, with why. */
  rounds: { seeds: number[]; reason: string }[];
  /** Why planning ended, once it has. */
  done?: string;
  /** Finished trials' objective (or `until.metric`) value, by key. */
  values?: Record<string, number>;
  /**
   * Multi-objective sweeps only (`spec.objectives`): finished trials' final value of every objective,
   * in the order of `spec.objectives`, by key (only trials that reported all of them). Absent otherwise,
   * so a single-objective sweep's carried state is unchanged.
   */
  objectiveValues?: Record<string, number[]>;
}

/** Input of {@link sweepWorkflow}. */
export interface SweepWorkflowInput {
  /** The sweep's id (the workflow id): stable across continue-as-new and `resume`. */
  sweepId: string;
  spec: SweepSpec;
  /** Fingerprint of the spec's dataset (part of every trial key). */
  datasetFingerprint: string;
  /** Task-queue names. @default DEFAULT_TASK_QUEUES */
  taskQueues?: TaskQueues;
  /** Test-only: fail trials at an epoch on their first attempt. */
  faultInjection?: FaultInjection;
  /**
   * Continue as new once the history holds this many events (tests lower it to exercise the path);
   * Temporal's own suggestion always applies too.
   * @default 10_000
   */
  maxHistoryEventsBeforeContinue?: number;
  /** Folder the aggregation writes the report into. @default `<stateDir>/reports/<sweepId>` on the worker */
  reportDir?: string;
  /** Set by continue-as-new; never by callers. Runs continued by older workers carry the legacy shape. */
  state?: CarriedState | LegacyCarriedState;
  /**
   * Sampler sweeps with `warm_start.sweeps`: the earlier sweeps' finished configurations, read by the
   * client at submission (src/temporal/client/warm-start.ts) and kept in the input, so replay and
   * every continued or resumed run see the same history.
   */
  warmStart?: WarmStartHistory;
}

/**
 * Finished configurations of earlier sweeps, oldest first, in a compact form (the names once, then rows):
 * at its limit of 10,000 configurations of 6 parameters it stays well under Temporal's payload limit.
 */
export interface WarmStartHistory {
  /** The search space's parameter names, in the order of each row's values. */
  params: string[];
  /**
   * One row per configuration: its parameter values (null where a `when` condition dropped the
   * parameter) and its mean objective value(s) over its seeds (one per objective of the sweep).
   */
  trials: [(ParamValue | null)[], number[]][];
}

/** Progress of one trial, as the `progress` query reports it. */
export interface TrialProgress {
  trialKey: string;
  groupLabel: string;
  seed: number;
  state: TrialState;
  /** Last finished epoch (running trials). */
  epoch?: number;
  /** Epochs the trial trains for. */
  epochs: number;
  /** Attempt of the running trial (1 = first). */
  attempt?: number;
  /** Why the trial failed, was stopped or cancelled. */
  reason?: string;
  /** Why an adaptive sweep planned it: the sampler's proposal or the seed round. */
  chosenBy?: string;
  /** Last reported metrics of a running trial. */
  metrics?: EpochMetrics;
}

export interface SweepCounts {
  total: number;
  pending: number;
  running: number;
  finished: number;
  failed: number;
  earlyStopped: number;
  cancelled: number;
  skipped: number;
}

export const SweepPhase = {
  starting: 'starting',
  running: 'running',
  paused: 'paused',
  cancelling: 'cancelling',
  aggregating: 'aggregating',
  done: 'done',
} as const;
export type SweepPhase = (typeof SweepPhase)[keyof typeof SweepPhase];

/** Page sizes of the `progress` query: every answer stays far below Temporal's 256 KB payload warning. */
export const PROGRESS_PAGE_SIZE = {
  /** When the query names none. */
  default: 50,
  /** The largest page served (a trial line is ~0.2-0.5 KB, so ≤ ~100 KB). */
  max: 200,
} as const;

/** Where one page sits among the trials the query selected. */
export interface ProgressPage {
  /** 1-based page number. */
  number: number;
  size: number;
  /** Pages of `matching` trials; at least 1 (an empty selection has one empty page). */
  pages: number;
  /** Trials in the selected states. */
  matching: number;
  /** The states selected; absent when all are. */
  states?: TrialState[];
}

/**
 * Answer of the `progress` query: a summary (phase, counts, runs, plan note) and one page of trials,
 * never the whole plan (a 100,000-trial answer once made Temporal terminate the sweep).
 */
export interface SweepProgress {
  sweepId: string;
  sweepName: string;
  phase: SweepPhase;
  counts: SweepCounts;
  /** One page of trials in plan order, in the selected states. */
  trials: TrialProgress[];
  page: ProgressPage;
  continuedRuns: number;
  /** Adaptive sweeps: the latest planning note (why the last trials were added, or why planning ended). */
  plan?: string;
  /** Trials settled by this run from position `settledSince` of its settle log, when the query asked. */
  settled?: SettledSince;
}

/** Trials settled by the current run since a position in its settle log (for displays that show outcomes). */
export interface SettledSince {
  /** Position to ask from next time (the log restarts at 0 in each run: see `continuedRuns`). */
  next: number;
  /** At most one page of them, in the order they settled. */
  trials: TrialProgress[];
}

/** Options of the `progress` query. */
export interface ProgressQueryOptions {
  /** 1-based page. @default 1 */
  page?: number;
  /** Trials per page, 1..{@link PROGRESS_PAGE_SIZE}.max (larger is served as max). @default PROGRESS_PAGE_SIZE.default */
  pageSize?: number;
  /** Only trials in these states. @default every state */
  states?: TrialState[];
  /** Also answer the trials this run settled from this position of its settle log on. */
  settledSince?: number;
  /**
   * Older callers: `false` selects every state but pending and skipped (as `states` would). Ignored
   * when `states` is given.
   */
  pending?: boolean;
}

/** What the training activity tells the workflow after each epoch (the `reportEpoch` update). */
export interface EpochReport {
  trialKey: string;
  attempt: number;
  metrics: EpochMetrics;
}

/** The workflow's answer to an epoch report: go on, or stop at this epoch boundary. */
export interface EpochDecision {
  action: 'continue' | 'stop';
  /** Why to stop. */
  reason?: StopReason;
}

export const StopReason = {
  cancelled: 'cancelled',
  paused: 'paused',
  earlyStopped: 'early-stopped',
} as const;
export type StopReason = (typeof StopReason)[keyof typeof StopReason];

/** Input of the training activity. */
export interface TrainTrialInput {
  sweepId: string;
  trial: PlannedTrial;
  /** Send `reportEpoch` updates to this workflow id. */
  workflowId: string;
  /** Fail at this epoch on the first attempt (fault injection). */
  failAtEpoch?: number;
  /** Return this metric's per-epoch series (the early-stopping rule needs finished trials' curves). */
  seriesMetric?: string;
  /** Content fingerprint of the sweep's dataset, logged with the trial (its key already hashes it). */
  datasetFingerprint?: string;
}

/** Result of the training activity. */
export type TrainTrialOutput =
  /** Finished; the tracker already has the full result (kept out of workflow history on purpose). */
  | { status: 'finished'; final: EpochMetrics; resumedFromEpoch: number; series?: number[] }
  /** Stopped at an epoch boundary because the workflow said so; a checkpoint of that epoch exists. */
  | { status: 'stopped'; reason: StopReason; epoch: number; metrics?: EpochMetrics };

/** Input of the aggregation activity. */
export interface AggregateInput {
  sweepId: string;
  spec: SweepSpec;
  datasetFingerprint: string;
  status: 'FINISHED' | 'FAILED' | 'KILLED';
  reportDir?: string;
  /**
   * Planned trials of this sweep without a finished result, and why (stopped by a pruner at epoch k,
   * failed, cancelled, not started): the report states n per group and the seeds each one misses.
   */
  missing?: MissingTrial[];
  /**
   * The same trials compactly, always sent when any is missing: reason → their plan indices (an
   * IndexSet, src/temporal/workflows/index-set.ts; indices into the expanded plan, or into
   * `plannedKeys` when given). `missing` itself is left out when its JSON would pass
   * {@link MISSING_LIST_MAX_BYTES} (one object per trial: 14 MB for 50,000 cancelled trials).
   */
  missingSets?: Record<string, string>;
  /** How many planned trials have no result (the size of `missing`, sent or not). */
  missingCount?: number;
  /** Trials the pruner stopped: a tracker record of one (finished anyway after a retry) is not a result. */
  stoppedKeys?: string[];
  /**
   * Objective curves of trials the pruner stopped (the workflow's series; the tracker has no record of
   * them), for the report's intermediate-values chart: at most {@link STOPPED_CURVES_MAX} trials, an
   * even subsample beyond, and at most {@link STOPPED_CURVES_MAX_BYTES} of JSON.
   */
  stoppedCurves?: StoppedTrial[];
}

/** Most pruned trials' curves an aggregation gets (the report draws at most as many). */
export const STOPPED_CURVES_MAX = 1000;
/** Largest JSON of `stoppedCurves` (the activity input stays far below Temporal's payload limit). */
export const STOPPED_CURVES_MAX_BYTES = 256 * 1024;

/** Largest `missing` list sent whole to the aggregation activity (bytes of its JSON). */
export const MISSING_LIST_MAX_BYTES = 128 * 1024;

/** Failures a sweep's summary lists by trial key (the rest are counted in `failuresNotListed`). */
export const MAX_FAILURES_LISTED = 100;

/** A planned trial that did not finish, for the report. */
export interface MissingTrial {
  trialKey: string;
  groupKey: string;
  groupLabel: string;
  seed: number;
  /** Short reason, e.g. `stopped at epoch 3: 0.41 below the median 0.46 of 5 trials in the group`. */
  reason: string;
}

/** Result of the aggregation activity. */
export interface AggregateOutput {
  /** Finished trials that went into the report. */
  records: number;
  reportDir: string;
  files: string[];
  /** The results table as text (renderTable). */
  table: string;
  /** The backends the reported trials trained on, with counts (absent in summaries of older versions). */
  backends?: BackendUsage[];
}

/** What a sweep workflow returns. */
export interface SweepSummary {
  sweepId: string;
  sweepName: string;
  status: 'completed' | 'completed-with-failures' | 'cancelled';
  counts: SweepCounts;
  /** Trial key → failure reason, for the first {@link MAX_FAILURES_LISTED} failed trials in plan order. */
  failures: Record<string, string>;
  /** Failed trials not in `failures` (absent when none): their reasons are in the tracker and `status`. */
  failuresNotListed?: number;
  report?: AggregateOutput;
  continuedRuns: number;
  /** Adaptive sweeps: why planning ended (e.g. `settled: CI (0.2, 1.1) excludes 0 after 8 pairs`). */
  plan?: string;
}

// ---------------------------------------------------------------------------------------------------
// Messages: the sweep workflow's query, signals and update. Clients and activities import these (not
// the workflow) to address a running sweep.

/** Overall progress and one page of trials. Argument: {@link ProgressQueryOptions}. */
export const progressQuery = defineQuery<SweepProgress, [ProgressQueryOptions?]>('progress');
/** Stop the sweep: no new trials; running ones stop at their next epoch boundary, leaving checkpoints. */
export const cancelSignal = defineSignal('cancel');
/** Pause: no new trials; running ones stop at their next epoch boundary and wait, checkpointed, to be resumed. */
export const pauseSignal = defineSignal('pause');
/** Undo `pause`: paused trials continue from their checkpoints. */
export const resumeSignal = defineSignal('resume');
/** Sent by the training activity after each epoch; the answer says whether to go on or stop. */
export const reportEpochUpdate = defineUpdate<EpochDecision, [EpochReport]>('reportEpoch');
