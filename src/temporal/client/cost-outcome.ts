/**
 * The cost estimate a sweep carries from submission to its summary: made before `run` submits (from a
 * tracking server already running, as `plan` makes it; never a probe), kept in the sweep's workflow
 * memo, and compared when the sweep has finished with its wall time and the training time of the trials
 * it trained (read from the tracking server when one answers).
 *
 * Why the memo and not a tag on the sweep's MLflow parent run: the client has the memo in hand when it
 * starts the workflow (the parent run is made later, by a worker's activity, possibly on another host),
 * a memo needs no tracking server to read back (`status` works with Temporal alone), and a sweep
 * estimated without a tracking server still has nowhere else to keep it.
 */
import os from 'node:os';
import type { Client } from '@temporalio/client';
import { stateDir as defaultStateDir } from '../../core/common/paths.js';
import type { SweepSpec } from '../../sweep-spec/schema.js';
import {
  formatCostComparison,
  formatCostEstimate,
  isStoredEstimate,
  storedEstimate,
  type StoredEstimate,
} from '../../reporting/cost/format.js';
import { readSweepTrialSeconds, trackerForPlan } from '../../reporting/cost/history.js';
import { planCost } from '../../reporting/cost/plan-cost.js';
import { costPlanTrials } from '../../reporting/cost/plan-trials.js';
import { MlflowClient } from '../../tracking/mlflow-client.js';
import { withResolvedBackend } from './sweep-backend.js';
import { SWEEP_WORKFLOW_TYPE, type SweepMemo } from './sweeps.js';

/**
 * The estimate to store with a sweep about to be submitted, and its first line for the user; nothing
 * when no tracking server answers or nothing matched. Never throws: a failed estimate costs the run
 * nothing but the line.
 */
export async function submissionEstimate(options: {
  spec: SweepSpec;
  datasetFingerprint: string;
  /** Training threads of the workers. @default os.availableParallelism() */
  threads?: number;
  /** @default stateDir() */
  stateDir?: string;
}): Promise<{ stored?: StoredEstimate; line?: string }> {
  try {
    // Keys include the backend: expand as submitSweep will submit it.
    const spec = withResolvedBackend(options.spec);
    const cost = await planCost({
      trials: costPlanTrials({ spec, datasetFingerprint: options.datasetFingerprint }),
      specConcurrency: spec.concurrency,
      threads: options.threads ?? os.availableParallelism(),
      stateDir: options.stateDir ?? defaultStateDir(),
      probe: false,
    });
    if ('unavailable' in cost) return {};
    const stored = storedEstimate(cost.estimate);
    if (!stored) return {};
    return { stored, line: formatCostEstimate(cost.estimate, { backend: spec.backend ?? 'wasm' })[0]! };
  } catch {
    return {};
  }
}

/**
 * Training seconds and count of the trials sweep `sweepId` trained, from a tracking server that is
 * running (none is started); undefined when none answers or the read fails.
 */
export async function trainedTrialSeconds(options: {
  sweepId: string;
  sweepName: string;
  /** @default stateDir() */
  stateDir?: string;
}): Promise<{ trialSeconds: number; trained: number } | undefined> {
  try {
    const tracker = await trackerForPlan({ stateDir: options.stateDir ?? defaultStateDir() });
    if (!('uri' in tracker)) return undefined;
    const client = MlflowClient.fromEnv({ trackingUri: tracker.uri, maxRetries: 1, timeoutMs: 15_000 });
    return await readSweepTrialSeconds({ client, sweepId: options.sweepId, sweepName: options.sweepName });
  } catch {
    return undefined;
  }
}

/** The comparison line of a sweep `run` followed to its end (`wallSeconds` from submission to now). */
export async function comparisonAfterRun(options: {
  sweepId: string;
  sweepName: string;
  estimate?: StoredEstimate;
  wallSeconds: number;
}): Promise<string> {
  const trained = await trainedTrialSeconds(options);
  return formatCostComparison(options.estimate, {
    wallSeconds: options.wallSeconds,
    ...(trained ? { trialSeconds: trained.trialSeconds } : {}),
    trained: trained?.trained ?? 0,
  });
}

/** One run of a sweep's workflow as the comparison reads it. */
export interface SweepRunTimes {
  startTime: Date;
  closeTime?: Date;
  memo?: Record<string, unknown>;
}

/**
 * The estimate stored with a sweep's runs and the wall time it is compared with: the earliest run that
 * holds an estimate (a `resume` starts a run without one) and the time every run from it was open,
 * summed (continued runs follow each other; the time between a run's end and its `resume` is not
 * counted). Undefined while a run is open.
 */
export function estimateAndWall(
  runs: readonly SweepRunTimes[],
): { estimate?: StoredEstimate; wallSeconds: number } | undefined {
  if (runs.length === 0 || runs.some((r) => r.closeTime === undefined)) return undefined;
  const sorted = [...runs].sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  const first = sorted.findIndex((r) =>
    isStoredEstimate((r.memo as Partial<SweepMemo> | undefined)?.costEstimate),
  );
  const counted = first < 0 ? sorted : sorted.slice(first);
  const wallSeconds =
    counted.reduce((sum, r) => sum + (r.closeTime!.getTime() - r.startTime.getTime()), 0) / 1000;
  const estimate = first < 0 ? undefined : (sorted[first]!.memo as Partial<SweepMemo>).costEstimate;
  return estimate ? { estimate, wallSeconds } : { wallSeconds };
}

/**
 * The comparison line of a completed sweep for `status`: its runs from Temporal's visibility store,
 * the trained trials' time from a running tracking server. Undefined when the runs cannot be listed.
 */
export async function comparisonForStatus(options: {
  client: Client;
  sweepId: string;
  sweepName: string;
}): Promise<string | undefined> {
  const runs: SweepRunTimes[] = [];
  try {
    for await (const info of options.client.workflow.list({
      query: `WorkflowType = '${SWEEP_WORKFLOW_TYPE}' AND WorkflowId = '${options.sweepId.replace(/'/g, '')}'`,
    })) {
      runs.push({
        startTime: info.startTime,
        ...(info.closeTime ? { closeTime: info.closeTime } : {}),
        ...(info.memo ? { memo: info.memo } : {}),
      });
      if (runs.length >= 1000) break;
    }
  } catch {
    return undefined;
  }
  const found = estimateAndWall(runs);
  if (!found) return undefined;
  const trained = await trainedTrialSeconds(options);
  return formatCostComparison(found.estimate, {
    wallSeconds: found.wallSeconds,
    ...(trained ? { trialSeconds: trained.trialSeconds } : {}),
    trained: trained?.trained ?? 0,
  });
}
