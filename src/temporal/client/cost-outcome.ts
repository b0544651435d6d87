/**
 * The cost estimate a sweep carries from submission to its summary: made before `run` submits (from a
 * tracking server already running, as `plan` makes it; never a probe), kept in the sweep's workflow
 * memo, and compared when the sweep has finished with its wall time and the training time of the trials
 * it trained (read from the tracking server when one answers).
 *
 * Why the memo and not a tag on the sweep's MLflow parent run: the client has the memo in hand when it
 * starts the workflow (the parent run is made later, by a worker's activity, possibly on another host),
 * a memo needs no tracking server to read back (`status` works with Temporal alone), and a sweep
 * estimated without a tracking server still has nowhere else to keep it. `resume` copies it into its new
 * run's memo. `run --json` and `status --json` print the estimate and the comparison as fields
 * ({@link CostEstimateJson}, {@link CostComparison}); the API's `estimateCost` is {@link estimateSpecCost}.
 */
import os from 'node:os';
import type { Client } from '@temporalio/client';
import { stateDir as defaultStateDir } from '../../core/common/paths.js';
import type { SweepSpec } from '../../sweep-spec/schema.js';
import { CostMatch, type SecondsRange } from '../../reporting/cost/estimate.js';
import {
  costPosition,
  formatCostComparison,
  formatCostEstimate,
  scaledTrialSeconds,
  type CostPosition,
  isStoredEstimate,
  storedEstimate,
  type CostOutcome,
  type StoredEstimate,
} from '../../reporting/cost/format.js';
import { readSweepTrialSeconds, trackerForPlan } from '../../reporting/cost/history.js';
import { planCost, type PlanCost } from '../../reporting/cost/plan-cost.js';
import { costPlanTrials } from '../../reporting/cost/plan-trials.js';
import { MlflowClient } from '../../tracking/mlflow-client.js';
import { withResolvedBackend } from './sweep-backend.js';
import { SWEEP_WORKFLOW_TYPE, type SweepMemo } from './sweeps.js';

/**
 * The cost estimate of a spec as `plan` makes it: its trials (and a sampler's stand-ins) expanded with
 * the backend `run` would submit with, matched against earlier finished trials in a tracking server that
 * is already running (none is started), and with `probe` the groups nothing matched timed here.
 */
export async function estimateSpecCost(options: {
  spec: SweepSpec;
  datasetFingerprint: string;
  /** Training threads of the workers. @default os.availableParallelism() */
  threads?: number;
  /** Time one short epoch of each group no earlier trial matches, in this process. @default false */
  probe?: boolean;
  /** @default stateDir() */
  stateDir?: string;
  /** Called before each group's probe, with the group's label. */
  onProbe?: (label: string) => void;
}): Promise<{ cost: PlanCost; backend: string }> {
  // Keys include the backend: expand as submitSweep will submit it.
  const spec = withResolvedBackend(options.spec);
  const backend = spec.backend ?? 'wasm';
  const cost = await planCost({
    trials: costPlanTrials({ spec, datasetFingerprint: options.datasetFingerprint }),
    specConcurrency: spec.concurrency,
    threads: options.threads ?? os.availableParallelism(),
    stateDir: options.stateDir ?? defaultStateDir(),
    probe: options.probe ?? false,
    backend,
    ...(options.onProbe ? { onProbe: options.onProbe } : {}),
  });
  return { cost, backend };
}

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
    const { cost, backend } = await estimateSpecCost(options);
    if ('unavailable' in cost) return {};
    const stored = storedEstimate(cost.estimate);
    if (!stored) return {};
    return { stored, line: formatCostEstimate(cost.estimate, { backend })[0]! };
  } catch {
    return {};
  }
}

/** Where the stored estimate's seconds per epoch came from (`run` never probes; `plan --probe` may). */
export type CostSource = 'earlier-trials' | 'probe' | 'earlier-trials-and-probe';

/** The stored estimate as `run --json` and `status --json` print it (`costEstimate`). */
export interface CostEstimateJson extends StoredEstimate {
  /** `trialSeconds` in hours (trial-hours), low and high. */
  trialHours: SecondsRange;
  /** Where the seconds per epoch came from; `matches` counts the groups by how they matched. */
  source: CostSource;
}

/** The JSON form of a stored estimate: the record itself, its trial-hours and its source. */
export function costEstimateJson(estimate: StoredEstimate): CostEstimateJson {
  const probed = (estimate.matches[CostMatch.probe] ?? 0) > 0;
  const earlier =
    (estimate.matches[CostMatch.sameConfig] ?? 0) + (estimate.matches[CostMatch.sameTrainable] ?? 0) > 0;
  return {
    ...estimate,
    trialHours: { low: estimate.trialSeconds.low / 3600, high: estimate.trialSeconds.high / 3600 },
    source: probed ? (earlier ? 'earlier-trials-and-probe' : 'probe') : 'earlier-trials',
  };
}

/** Where an actual figure falls against an estimated range. */
/**
 * A finished sweep's cost against the estimate made at submission, as fields (`costComparison` in
 * `run --json` and `status --json`): the figures of the summary's `cost:` line, which `line` holds.
 */
export interface CostComparison {
  /** Wall time of the sweep's runs, seconds (start-up and report included). */
  wallSeconds: number;
  /** Where `wallSeconds` falls against the estimate's wall range; absent when none was made. */
  wallAgainstEstimate?: CostPosition;
  /** Trials this sweep trained (not reused, not failed). */
  trained: number;
  /** Their summed training seconds; absent when no tracking server answered. */
  trialSeconds?: number;
  /** `trialSeconds` in hours. */
  trialHours?: number;
  /**
   * The estimate's trial-hours, scaled to the trials trained when fewer or more were trained than it
   * counted; absent without an estimate or without `trialSeconds`.
   */
  estimatedTrialHours?: SecondsRange;
  /** The trials the estimate counted, when `estimatedTrialHours` was scaled from them to `trained`. */
  scaledFromTrials?: number;
  /** Where `trialHours` falls against `estimatedTrialHours`. */
  trialHoursAgainstEstimate?: CostPosition;
  /** The summary line (`cost: estimated at submission …`). */
  line: string;
}

/** The comparison of `outcome` with `estimate` (the same rules as its line, formatCostComparison). */
export function costComparison(estimate: StoredEstimate | undefined, outcome: CostOutcome): CostComparison {
  const actual: CostComparison = {
    wallSeconds: outcome.wallSeconds,
    trained: outcome.trained,
    ...(outcome.trialSeconds === undefined
      ? {}
      : { trialSeconds: outcome.trialSeconds, trialHours: outcome.trialSeconds / 3600 }),
    line: formatCostComparison(estimate, outcome),
  };
  if (!estimate) return actual;
  const compared: CostComparison = {
    ...actual,
    wallAgainstEstimate: costPosition(outcome.wallSeconds, estimate.wallSeconds),
  };
  if (outcome.trialSeconds === undefined) return compared;
  const { range, scale } = scaledTrialSeconds(estimate, outcome.trained);
  return {
    ...compared,
    estimatedTrialHours: { low: range.low / 3600, high: range.high / 3600 },
    ...(scale === 1 ? {} : { scaledFromTrials: estimate.estimatedTrials }),
    trialHoursAgainstEstimate: costPosition(outcome.trialSeconds, range),
  };
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

/** The comparison of a sweep `run` followed to its end (`wallSeconds` from submission to now). */
export async function comparisonAfterRun(options: {
  sweepId: string;
  sweepName: string;
  estimate?: StoredEstimate;
  wallSeconds: number;
}): Promise<CostComparison> {
  const trained = await trainedTrialSeconds(options);
  return costComparison(options.estimate, {
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

/** The runs from the earliest that holds an estimate (all of them when none does), and that estimate. */
function fromEstimatedRun(runs: readonly SweepRunTimes[]): {
  counted: SweepRunTimes[];
  estimate?: StoredEstimate;
} {
  const sorted = [...runs].sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  const first = sorted.findIndex((r) =>
    isStoredEstimate((r.memo as Partial<SweepMemo> | undefined)?.costEstimate),
  );
  if (first < 0) return { counted: sorted };
  const memo = sorted[first]!.memo as Partial<SweepMemo>;
  return { counted: sorted.slice(first), estimate: memo.costEstimate! };
}

/**
 * The estimate stored with a sweep's runs and the wall time it is compared with: the earliest run that
 * holds an estimate (a `resume` carries it into its new run; older resumed runs hold none) and the time
 * every run from it was open, summed (continued runs follow each other; the time between a run's end and
 * its `resume` is not counted). Undefined while a run is open, unless `openUntil` says when to count an
 * open run to (the end of a run this process followed, which the visibility store may not list closed yet).
 */
export function estimateAndWall(
  runs: readonly SweepRunTimes[],
  options: { openUntil?: Date } = {},
): { estimate?: StoredEstimate; wallSeconds: number } | undefined {
  const { openUntil } = options;
  if (runs.length === 0 || (openUntil === undefined && runs.some((r) => r.closeTime === undefined)))
    return undefined;
  const { counted, estimate } = fromEstimatedRun(runs);
  const wallSeconds =
    counted.reduce(
      (sum, r) => sum + Math.max(0, (r.closeTime ?? openUntil!).getTime() - r.startTime.getTime()),
      0,
    ) / 1000;
  return estimate ? { estimate, wallSeconds } : { wallSeconds };
}

/** A sweep's runs from Temporal's visibility store (at most 1000); undefined when they cannot be listed. */
async function sweepRuns(client: Client, sweepId: string): Promise<SweepRunTimes[] | undefined> {
  const runs: SweepRunTimes[] = [];
  try {
    for await (const info of client.workflow.list({
      query: `WorkflowType = '${SWEEP_WORKFLOW_TYPE}' AND WorkflowId = '${sweepId.replace(/'/g, '')}'`,
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
  return runs;
}

/** The comparison of `found` with the trained trials' time (from a running tracking server). */
async function compareFound(
  found: { estimate?: StoredEstimate; wallSeconds: number },
  sweep: { sweepId: string; sweepName: string },
): Promise<CostComparison> {
  const trained = await trainedTrialSeconds(sweep);
  return costComparison(found.estimate, {
    wallSeconds: found.wallSeconds,
    ...(trained ? { trialSeconds: trained.trialSeconds } : {}),
    trained: trained?.trained ?? 0,
  });
}

/**
 * A sweep's cost for `status`: the estimate stored with its runs (in their memos), and, once it
 * completed and every run is listed closed, the comparison with what it took (the trained trials' time
 * from a running tracking server). Undefined when the runs cannot be listed.
 */
export async function costForStatus(options: {
  client: Client;
  sweepId: string;
  sweepName: string;
  /** Whether the sweep completed (only a completed sweep is compared). */
  completed: boolean;
}): Promise<{ estimate?: StoredEstimate; comparison?: CostComparison } | undefined> {
  const runs = await sweepRuns(options.client, options.sweepId);
  if (!runs) return undefined;
  const { estimate } = fromEstimatedRun(runs);
  const found = options.completed ? estimateAndWall(runs) : undefined;
  const comparison = found ? await compareFound(found, options) : undefined;
  return { ...(estimate ? { estimate } : {}), ...(comparison ? { comparison } : {}) };
}

/**
 * The cost of a sweep `resume` followed to its end: the estimate its runs hold and the open time of the
 * runs from the one holding it, this process's run counted to now. Undefined when the runs cannot be
 * listed.
 */
export async function comparisonAfterResume(options: {
  client: Client;
  sweepId: string;
  /** @default new Date() */
  now?: Date;
}): Promise<{ estimate?: StoredEstimate; comparison: CostComparison } | undefined> {
  const runs = await sweepRuns(options.client, options.sweepId);
  if (!runs || runs.length === 0) return undefined;
  const found = estimateAndWall(runs, { openUntil: options.now ?? new Date() })!;
  const named = runs.map((r) => (r.memo as Partial<SweepMemo> | undefined)?.sweepName).find(Boolean);
  const comparison = await compareFound(found, {
    sweepId: options.sweepId,
    sweepName: named ?? options.sweepId,
  });
  return { ...(found.estimate ? { estimate: found.estimate } : {}), comparison };
}
