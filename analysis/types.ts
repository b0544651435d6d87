/** What analysis consumes: one record per finished trial. */
import type { TrialConfig, TrialResult } from '../engine/types.js';

export interface TrialRecord {
  /** Hash of canonical config + seed + dataset fingerprint. */
  trialKey: string;
  /** Hash of canonical config + dataset fingerprint (no seed): records sharing it are repeats. */
  groupKey: string;
  /** Short human label of the group, e.g. `cnn k=3` (from the spec's varying factors). */
  groupLabel: string;
  /** The factors that vary across the sweep and their values for this trial, e.g. `{ model: 'cnn', kernel_size: 3 }`. */
  factors: Record<string, number | string>;
  seed: number;
  config: TrialConfig;
  result: TrialResult;
  /** The tracker's id of the trial's run (MLflow run id), where known: serving loads the model from it. */
  runId?: string;
  /** Sweep id (workflow id) the trial ran in. */
  sweepId?: string;
}
