/** Tracker activities: thin adapters over the `Tracker` (which journals, so these rarely fail). */
import type { SweepInfo, Tracker } from '../tracking/types.js';

/** Builds the tracker activities over one tracker. */
export function createTrackingActivities(tracker: Tracker) {
  return {
    /** Gets or creates the sweep's experiment and parent run. */
    async startSweep(sweep: SweepInfo): Promise<void> {
      await tracker.startSweep(sweep);
    },
    /** Keys of trials finished by any sweep of this name: the workflow skips them. */
    async finishedTrialKeys(input: { sweepName: string }): Promise<string[]> {
      const records = await tracker.finishedTrials({ sweepName: input.sweepName });
      return [...new Set(records.map((r) => r.trialKey))];
    },
    /** Marks a trial's run failed once the workflow gives up on it (retries exhausted or not retryable). */
    async recordTrialFailure(input: { sweepId: string; trialKey: string; reason: string }): Promise<void> {
      await tracker.finishTrial(input.sweepId, input.trialKey, { status: 'FAILED', error: input.reason });
    },
  };
}
