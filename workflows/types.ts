/**
 * Data the sweep workflow exchanges with its callers and its activities. Plain JSON: every value here
 * travels as a Temporal payload, so keep it small (a 10,000-trial sweep must fit one continue-as-new).
 */
import type { EpochMetrics } from '../engine/types.js';
import type { SweepSpec } from '../spec/schema.js';
import type { PlannedTrial } from '../spec/types.js';
import type { TaskQueues } from '../workers/task-queues.js';

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

/** What the workflow carries into its next run on continue-as-new. */
export interface CarriedState {
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
  /**
   * Index into the expanded trial list: trials before it have been started (and, because the workflow
   * drains before continuing, settled), trials from it on have not.
   */
  cursor: number;
  paused: boolean;
  cancelRequested: boolean;
  /** How many times this sweep continued as new so far. */
  continuedRuns: number;
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
  /** Set by continue-as-new; never by callers. */
  state?: CarriedState;
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

/** Answer of the `progress` query. */
export interface SweepProgress {
  sweepId: string;
  sweepName: string;
  phase: SweepPhase;
  counts: SweepCounts;
  /** Per-trial states; only non-pending ones when the query asked for `{ pending: false }`. */
  trials: TrialProgress[];
  continuedRuns: number;
}

/** Options of the `progress` query. */
export interface ProgressQueryOptions {
  /** Include pending (and skipped) trials. @default true */
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

export const StopReason = { cancelled: 'cancelled', paused: 'paused', earlyStopped: 'early-stopped' } as const;
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
}

/** Result of the aggregation activity. */
export interface AggregateOutput {
  /** Finished trials that went into the report. */
  records: number;
  reportDir: string;
  files: string[];
  /** The results table as text (renderTable). */
  table: string;
}

/** What a sweep workflow returns. */
export interface SweepSummary {
  sweepId: string;
  sweepName: string;
  status: 'completed' | 'completed-with-failures' | 'cancelled';
  counts: SweepCounts;
  /** Trial key → failure reason. */
  failures: Record<string, string>;
  report?: AggregateOutput;
  continuedRuns: number;
}
