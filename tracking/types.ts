/**
 * What the rest of seedsweep needs from a tracker. Everything is addressed by names the orchestration
 * already knows (sweep id, trial key), never by server-side ids, so callers can write before the
 * server is reachable: implementations journal first and send later.
 * Every method is idempotent: calling it again with the same arguments changes nothing.
 */
import type { EpochMetrics, PlannedTrial, TrialRecord, TrialResult } from '../domain/trial.js';

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

export interface Tracker {
  /** Get or create the sweep's experiment and its parent run. */
  startSweep(sweep: SweepInfo): Promise<void>;
  /**
   * Get or create the trial's run nested under the sweep's parent run, with params and tags. Tags the
   * caller passes win over the tracker's own (e.g. `seedsweep.dataset_fingerprint` over the sweep's).
   */
  startTrial(sweepId: string, trial: PlannedTrial, tags?: Record<string, string>): Promise<void>;
  /** Log one epoch's metrics with step = epoch. Logging the same epoch twice keeps one point. */
  logEpoch(sweepId: string, trialKey: string, metrics: EpochMetrics): Promise<void>;
  /** Final metrics, model stats, model artifacts (if `result.modelDir`), then the run's end status. */
  finishTrial(
    sweepId: string,
    trialKey: string,
    outcome: { status: RunStatus; result?: TrialResult; error?: string },
  ): Promise<void>;
  /** Log summary files (report JSON/HTML) to the parent run and set its end status. */
  finishSweep(sweepId: string, outcome: { status: RunStatus; files?: { localPath: string; artifactPath: string }[] }): Promise<void>;
  /** Records of finished trials of a sweep name (all its sweep ids) or of one sweep id. */
  finishedTrials(filter: { sweepName?: string; sweepId?: string }): Promise<TrialRecord[]>;
  /**
   * Records of finished trials with the given trial keys, under any sweep name and sweep id: one record
   * per trial key found (its earliest finished run), each keeping the sweep id it ran in.
   */
  finishedTrialsByKeys(trialKeys: string[]): Promise<TrialRecord[]>;
}
