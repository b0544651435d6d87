/**
 * What the rest of seedsweep needs from a tracker. Everything is addressed by names the orchestration
 * already knows (sweep id, trial key), never by server-side ids, so callers can write before the
 * server is reachable: implementations journal first and send later.
 * Every method is idempotent: calling it again with the same arguments changes nothing, except
 * {@link Tracker.logStandaloneRun}, which makes a new run each time.
 *
 * Serving and EDA read and write through this interface only: model artifacts and sweep reports are
 * reached by run id or sweep id, and what those become on the server stays the tracker's business.
 */
import type { EpochMetrics, PlannedTrial, TrialRecord, TrialResult } from '../core/domain/trial.js';

export interface SweepInfo {
  sweepId: string;
  /** Experiment name: one experiment per sweep name. */
  sweepName: string;
  tags?: Record<string, string>;
  /**
   * Content fingerprint of the sweep's dataset: tagged `seedsweep.dataset_fingerprint` on the parent
   * run and inherited by every trial run of the sweep that was not given its own.
   */
  datasetFingerprint?: string;
}

export type RunStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

/**
 * Artifact path of the sweep's report JSON among the files `finishSweep` logs (the aggregation logs
 * `report/<file>`): what {@link Tracker.sweepReport} reads back.
 */
export const SWEEP_REPORT_ARTIFACT = 'report/report.json';

/** What {@link Tracker.downloadTrialModel} downloaded. */
export interface DownloadedModel {
  /** Local folder holding the model's files (inside the `destDir` given); absent when `files` is empty. */
  dir: string;
  /** Where the model is among the run's artifacts (e.g. `model`): for messages. */
  artifactPath: string;
  /** The downloaded files, relative to `dir`, `/`-separated, sorted; empty when the run holds no model. */
  files: string[];
}

/** One metric value of a standalone run; `step` defaults to 0, `timestamp` to now (ms since the epoch). */
export interface StandaloneMetric {
  key: string;
  value: number;
  step?: number;
  timestamp?: number;
}

/** A run outside any sweep (e.g. an EDA), for {@link Tracker.logStandaloneRun}. */
export interface StandaloneRun {
  /** Experiment name; created when missing. */
  experiment: string;
  runName: string;
  params?: Record<string, string>;
  metrics?: StandaloneMetric[];
  tags?: Record<string, string>;
  /** Files to upload as the run's artifacts. */
  files?: { localPath: string; artifactPath: string }[];
}

/** Where a standalone run went (ids on the tracking server). */
export interface LoggedRun {
  experimentId: string;
  runId: string;
}

/** What the caller of {@link Tracker.startTrial} knows about earlier starts of the trial. */
export interface StartTrialOptions {
  /**
   * True when no earlier start of this trial under this sweep id can have reached the tracker: the first
   * attempt of the trial's first start in its sweep run. The tracker then makes the trial's run without
   * looking for one first, and writes to it without reading it back. A wrong `true` (a sweep resumed
   * under the same id) costs an extra run of the trial until the sweep finishes, nothing else.
   * @default false: the tracker looks for the trial's run and merges with what it holds.
   */
  firstStart?: boolean;
}

export interface Tracker {
  /** Get or create the sweep's experiment and its parent run. */
  startSweep(sweep: SweepInfo): Promise<void>;
  /**
   * Get or create the trial's run nested under the sweep's parent run, with params and tags. Tags the
   * caller passes win over the tracker's own (e.g. `seedsweep.dataset_fingerprint` over the sweep's).
   */
  startTrial(
    sweepId: string,
    trial: PlannedTrial,
    tags?: Record<string, string>,
    options?: StartTrialOptions,
  ): Promise<void>;
  /**
   * Log one epoch's metrics with step = epoch. Logging the same epoch twice keeps one point. With
   * `attempt` (the trial's `seedsweep.attempt` tag at its start), the write is dropped once a later
   * attempt has started the trial: a superseded attempt still running must not log beside it.
   */
  logEpoch(sweepId: string, trialKey: string, metrics: EpochMetrics, attempt?: number): Promise<void>;
  /**
   * Final metrics, model stats, model artifacts (if `result.modelDir`), the trial's record, then the
   * run's end status; dropped, like `logEpoch`, when `outcome.attempt` was superseded. The record is
   * built from `outcome.trial`, or else from the trial this tracker's `startTrial` got: a `result`
   * needs one of them.
   */
  finishTrial(
    sweepId: string,
    trialKey: string,
    outcome: {
      status: RunStatus;
      result?: TrialResult;
      error?: string;
      attempt?: number;
      /** The trial as planned (what `startTrial` got). */
      trial?: PlannedTrial;
    },
  ): Promise<void>;
  /** Log summary files (report JSON/HTML) to the parent run and set its end status. */
  finishSweep(
    sweepId: string,
    outcome: { status: RunStatus; files?: { localPath: string; artifactPath: string }[] },
  ): Promise<void>;
  /** Records of finished trials of a sweep name (all its sweep ids) or of one sweep id. */
  finishedTrials(filter: { sweepName?: string; sweepId?: string }): Promise<TrialRecord[]>;
  /**
   * Records of finished trials with the given trial keys, under any sweep name and sweep id: one record
   * per trial key found (its earliest finished run), each keeping the sweep id it ran in.
   * `options.groupKeys` (trial key → group key, when the caller knows them) lets the tracker look up
   * the seeds of a group together rather than each key alone.
   */
  finishedTrialsByKeys(
    trialKeys: string[],
    options?: { groupKeys?: Readonly<Record<string, string>> },
  ): Promise<TrialRecord[]>;
  /**
   * Downloads the model a trial's run holds (what `finishTrial` uploaded from `result.modelDir`), by the
   * run id of its record (`TrialRecord.runId`), into a new folder inside `destDir`. Returns `files: []`
   * and downloads nothing when the run holds no model.
   * @throws UserError `E_RUN_NOT_FOUND` when the tracking server has no run with this id (the message
   * says which server and what to check).
   */
  downloadTrialModel(runId: string, destDir: string): Promise<DownloadedModel>;
  /**
   * The report JSON logged to the sweep with `finishSweep` at {@link SWEEP_REPORT_ARTIFACT}, parsed;
   * undefined when the sweep or its report does not exist (yet). Sends pending writes first (best effort).
   */
  sweepReport(sweepId: string): Promise<unknown>;
  /**
   * Logs one finished run outside any sweep (e.g. an EDA): params, metrics, tags and files, then status
   * FINISHED. Unlike the other writes it is sent right away, not journaled, so that the caller learns
   * the run's id; it throws when the tracking server cannot be reached. Each call makes a new run.
   */
  logStandaloneRun(run: StandaloneRun): Promise<LoggedRun>;
}
