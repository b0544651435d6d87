/**
 * Sends a trial's epoch report to its sweep workflow (the `reportEpoch` update) and returns the
 * workflow's decision. A report that cannot be delivered never stops training: the activity goes on
 * and still learns of cancellation through its heartbeats.
 */
import type { Client } from '@temporalio/client';
import { reportEpochUpdate, type EpochDecision, type EpochReport } from '../shared/shared.js';

/** Delivers an epoch report to the workflow `workflowId`; resolves with its decision. */
export type EpochReporter = (workflowId: string, report: EpochReport) => Promise<EpochDecision>;

/** The reporter used by workers: a Temporal update to the sweep's current run. */
export function clientEpochReporter(client: Client): EpochReporter {
  return async (workflowId, report) => {
    try {
      return await client.workflow.getHandle(workflowId).executeUpdate(reportEpochUpdate, { args: [report] });
    } catch {
      // The run may be continuing as new, closed, or unreachable: keep training.
      return { action: 'continue' };
    }
  };
}
