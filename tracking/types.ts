/**
 * What the rest of seedsweep needs from a tracker. Everything is addressed by names the orchestration
 * already knows (sweep id, trial key), never by server-side ids, so callers can write before the
 * server is reachable: implementations journal first and send later.
 * Every method is idempotent: calling it again with the same arguments changes nothing.
 */
import type { TrialRecord } from '../analysis/types.js';
import type { EpochMetrics, TrialResult } from '../engine/types.js';
import type { PlannedTrial } from '../spec/types.js';

export interface SweepInfo {
  sweepId: string;
  /** Experiment name: one experiment per sweep name. */
  sweepName: string;
  tags?: Record<string, string>;
}

export type RunStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface Tracker {
  /** Get or create the sweep's experiment and its parent run. */
  startSweep(sweep: SweepInfo): Promise<void>;
  /** Get or create the trial's run nested under the sweep's parent run, with params and tags. */
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
}
