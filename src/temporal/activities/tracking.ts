/** Tracker activities: thin adapters over the `Tracker` (which journals, so these rarely fail). */
import type { SweepSpec } from '../../sweep-spec/schema.js';
import { expandSweep } from '../../sweep-spec/expand.js';
import { metricValue } from '../shared/metrics.js';
import type { SweepInfo, Tracker } from '../../tracking/types.js';

/** Input of the `finishedTrialKeys` activity. */
export interface FinishedTrialKeysInput {
  /** Trials finished by any sweep of this name count as done. */
  sweepName: string;
  /** The sweep's planned trial keys: those finished under another sweep name count as done too. */
  trialKeys?: string[];
  /** False: only trials of `sweepName` count. @default true */
  reuseAcrossSweeps?: boolean;
  /**
   * The sweep's spec and dataset fingerprint, instead of `trialKeys`: the activity expands the plan
   * itself, so a 10,000-trial sweep does not put its keys into workflow history.
   */
  plan?: { spec: SweepSpec; datasetFingerprint: string };
}

/** Builds the tracker activities over one tracker. */
export function createTrackingActivities(tracker: Tracker) {
  return {
    /** Gets or creates the sweep's experiment and parent run. */
    async startSweep(sweep: SweepInfo): Promise<void> {
      await tracker.startSweep(sweep);
    },
    /**
     * Keys of trials already finished, which the workflow skips: those finished by any sweep of this
     * name, then (when `trialKeys` is given and `reuseAcrossSweeps` is not false) those of `trialKeys`
     * finished under any other sweep name. With `{ sweepName }` only, exactly the former (recorded
     * workflow histories replay against that).
     */
    async finishedTrialKeys(input: FinishedTrialKeysInput): Promise<string[]> {
      const records = await tracker.finishedTrials({ sweepName: input.sweepName });
      const keys = new Set(records.map((r) => r.trialKey));
      const trials = !input.trialKeys && input.plan ? expandSweep(input.plan) : undefined;
      const planned = input.trialKeys ?? trials?.map((t) => t.trialKey);
      if (planned && input.reuseAcrossSweeps !== false) {
        const missing = planned.filter((key) => !keys.has(key));
        // With the plan, seeds of one configuration are looked up together.
        const groupKeys = trials ? Object.fromEntries(trials.map((t) => [t.trialKey, t.groupKey])) : {};
        if (missing.length > 0)
          for (const record of await tracker.finishedTrialsByKeys(missing, { groupKeys }))
            keys.add(record.trialKey);
      }
      return [...keys];
    },
    /**
     * Final values of `metric` of finished trials: those of sweep `sweepName` and those of `keys`
     * (reused from other sweeps). An adaptive sweep's plan decides on them after a resume.
     */
    async finishedTrialValues(input: {
      sweepName: string;
      metric: string;
      keys?: string[];
    }): Promise<Record<string, number>> {
      const records = await tracker.finishedTrials({ sweepName: input.sweepName });
      const known = new Set(records.map((r) => r.trialKey));
      const others = (input.keys ?? []).filter((key) => !known.has(key));
      if (others.length > 0) records.push(...(await tracker.finishedTrialsByKeys(others)));
      const values: Record<string, number> = {};
      for (const record of records) {
        const value = metricValue(record.result.final, input.metric);
        if (value !== undefined) values[record.trialKey] = value;
      }
      return values;
    },
    /** Marks a trial's run failed once the workflow gives up on it (retries exhausted or not retryable). */
    async recordTrialFailure(input: { sweepId: string; trialKey: string; reason: string }): Promise<void> {
      await tracker.finishTrial(input.sweepId, input.trialKey, { status: 'FAILED', error: input.reason });
    },
  };
}
