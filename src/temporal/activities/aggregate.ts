/**
 * The aggregation activity: finished trials of the sweep's plan → report (statistics, table, files),
 * whose files and status are logged to the sweep's parent run. Planned trials without a result
 * (`input.missing`: stopped by a pruner, failed, …) are stated in the report, never silently left out.
 */
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { isUserError, UserError } from '../../core/common/errors.js';
import { resolveInside } from '../../core/common/safe-names.js';
import {
  buildReport,
  leaderboardInputOf,
  ReportFormat,
  renderTable,
  writeReport,
  type LeaderboardInput,
  type SweepReport,
} from '../../reporting/analysis/report.js';
import type { TrialRecord } from '../../reporting/analysis/types.js';
import { backendUsage } from '../../reporting/results/backends.js';
import { expandSweep } from '../../sweep-spec/expand.js';
import type { Tracker } from '../../tracking/types.js';
import type { PlannedTrial } from '../../core/domain/trial.js';
import type { AggregateInput, AggregateOutput, MissingTrial } from '../shared/shared.js';
import { decodeIndexSet } from '../workflows/index-set.js';

export interface AggregateDeps {
  tracker: Tracker;
  /** Reports go to `<reportRoot>/<sweepId>` unless the input names a folder. */
  reportRoot: string;
}

/** Report formats written for every sweep. */
const REPORT_FORMATS: ReportFormat[] = [
  ReportFormat.json,
  ReportFormat.md,
  ReportFormat.html,
  ReportFormat.table,
];

/**
 * Input of the aggregation activity: the workflow's input plus, optionally, the trial keys whose
 * records may come from sweeps of other names (trials the workflow reused rather than ran).
 */
export type AggregateActivityInput = AggregateInput & {
  /** Planned trial keys that, when no sweep of this name finished them, are looked up under any sweep name. */
  trialKeys?: string[];
  /** An adaptive sweep's plan as it grew (its spec alone gives only the first trials). */
  plannedKeys?: string[];
};

/**
 * The finished trials of a sweep's plan: finished by this sweep or by an earlier one of the same
 * name (those were skipped, not rerun), one record per trial key, this sweep's own record preferred.
 * Keys of `trialKeys` (within the plan) that no sweep of this name finished are then looked up under
 * every sweep name; such a record keeps the sweep id it ran in. Keys of `withoutResult` are not: the
 * workflow knows they have no result (failed, cancelled, not run), and at one search per group a
 * cancelled sweep of 100,000 trials would cost tens of thousands of searches to find nothing.
 */
export async function collectSweepRecords(options: {
  tracker: Tracker;
  spec: AggregateInput['spec'];
  datasetFingerprint: string;
  sweepId: string;
  trialKeys?: string[];
  plannedKeys?: string[];
  /** Trials the pruner stopped: not results, even if an attempt finished anyway. */
  stoppedKeys?: string[];
  /** Planned trials the workflow saw end without a result: not looked up under other sweep names. */
  withoutResult?: string[];
  /** The spec's plan when the caller expanded it already (hashing its keys costs seconds at 100,000 trials). */
  expanded?: PlannedTrial[];
}): Promise<TrialRecord[]> {
  const expanded = options.plannedKeys
    ? undefined
    : (options.expanded ??
      expandSweep({ spec: options.spec, datasetFingerprint: options.datasetFingerprint }));
  const planned = new Set(options.plannedKeys ?? expanded!.map((t) => t.trialKey));
  for (const key of options.stoppedKeys ?? []) planned.delete(key);
  const byKey = new Map<string, TrialRecord>();
  for (const record of await options.tracker.finishedTrials({ sweepName: options.spec.name })) {
    if (!planned.has(record.trialKey)) continue;
    const current = byKey.get(record.trialKey);
    if (!current || record.sweepId === options.sweepId) byKey.set(record.trialKey, record);
  }
  // A spec that allows reuse (the default) may have skipped trials finished under other sweep names.
  const reusable = options.trialKeys ?? (options.spec.reuse === false ? [] : [...planned]);
  const noResult = new Set(options.withoutResult);
  const elsewhere = [...new Set(reusable)].filter(
    (key) => planned.has(key) && !byKey.has(key) && !noResult.has(key),
  );
  if (elsewhere.length > 0) {
    // Seeds of one configuration are looked up together when the plan says which go together.
    const groupKeys = expanded ? Object.fromEntries(expanded.map((t) => [t.trialKey, t.groupKey])) : {};
    for (const record of await options.tracker.finishedTrialsByKeys(elsewhere, { groupKeys })) {
      if (planned.has(record.trialKey) && !byKey.has(record.trialKey)) byKey.set(record.trialKey, record);
    }
  }
  return [...byKey.values()];
}

/** How long aggregation waits for finished trials' records to reach the tracking server. */
const RECORDS_WAIT_MS = 20 * 60_000;

/**
 * Trials the workflow saw finish whose records are not on the tracking server yet: their writes are
 * journaled on the worker that ran them (the server was away) and still on their way.
 */
function recordsNotArrived(options: {
  planned: readonly string[];
  withoutResult: readonly string[];
  stoppedKeys?: readonly string[];
  records: readonly TrialRecord[];
}): string[] {
  const without = new Set([...options.withoutResult, ...(options.stoppedKeys ?? [])]);
  const have = new Set(options.records.map((r) => r.trialKey));
  return options.planned.filter((key) => !without.has(key) && !have.has(key));
}

/**
 * The planned trials without a result, from the workflow: its list when it sent one, else its index
 * sets (reason → plan indices; large sweeps) read against the plan. An adaptive plan comes as keys
 * only, so its trials are known by key and reason but not by group: the report then has no list.
 */
export function missingTrials(options: {
  input: Pick<AggregateActivityInput, 'missing' | 'missingSets' | 'plannedKeys'>;
  expanded?: readonly PlannedTrial[];
}): { keys: string[]; list?: MissingTrial[] } {
  const { input, expanded } = options;
  if (input.missing) return { keys: input.missing.map((m) => m.trialKey), list: input.missing };
  if (!input.missingSets) return { keys: [] };
  const keys: string[] = [];
  const list: MissingTrial[] = [];
  for (const [reason, set] of Object.entries(input.missingSets)) {
    for (const index of decodeIndexSet(set)) {
      const key = input.plannedKeys?.[index];
      const trial = input.plannedKeys ? undefined : expanded?.[index];
      if (key !== undefined) keys.push(key);
      else if (trial) {
        keys.push(trial.trialKey);
        list.push({
          trialKey: trial.trialKey,
          groupKey: trial.groupKey,
          groupLabel: trial.groupLabel,
          seed: trial.seed,
          reason,
        });
      }
    }
  }
  return input.plannedKeys ? { keys } : { keys, list };
}

/** Milliseconds since this activity was first scheduled (0 outside an activity, e.g. in tests). */
function sinceFirstScheduled(): number {
  try {
    return Date.now() - Context.current().info.scheduledTimestampMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Builds the `aggregateSweep` activity. */
export function createAggregate(deps: AggregateDeps) {
  return async function aggregateSweep(input: AggregateActivityInput): Promise<AggregateOutput> {
    const stopHeartbeats = keepAlive();
    try {
      return await aggregate(input);
    } finally {
      stopHeartbeats();
    }
  };

  async function aggregate(input: AggregateActivityInput): Promise<AggregateOutput> {
    // Before any tracker call: a sweep id that would lead outside the report root fails at once.
    const outDir = input.reportDir ?? reportFolder(deps.reportRoot, input.sweepId);
    // Expanded once: the records, the missing trials and the plan's keys all read it.
    const expanded = input.plannedKeys
      ? undefined
      : expandSweep({ spec: input.spec, datasetFingerprint: input.datasetFingerprint });
    const missing = missingTrials({ input, ...(expanded ? { expanded } : {}) });
    const records = await collectSweepRecords({
      tracker: deps.tracker,
      ...input,
      ...(expanded ? { expanded } : {}),
      withoutResult: missing.keys,
    });
    const notArrived = recordsNotArrived({
      planned: input.plannedKeys ?? expanded!.map((t) => t.trialKey),
      withoutResult: missing.keys,
      ...(input.stoppedKeys ? { stoppedKeys: input.stoppedKeys } : {}),
      records,
    });
    if (notArrived.length > 0 && sinceFirstScheduled() < RECORDS_WAIT_MS) {
      // Retried by Temporal: a report without them would quietly count fewer seeds.
      throw new Error(
        `${notArrived.length} finished trial(s) of sweep ${input.sweepId} have no record on the tracking server yet ` +
          `(e.g. ${notArrived[0]?.slice(0, 12)}): their writes are journaled on the worker that ran them and are sent ` +
          `once the server answers; aggregation is retried for up to ${RECORDS_WAIT_MS / 60_000} minutes, then reports without them.`,
      );
    }
    if (records.length === 0) {
      // e.g. cancelled before any trial finished: nothing to compute, but the parent run still ends.
      await deps.tracker.finishSweep(input.sweepId, { status: input.status });
      const count = input.missingCount ?? missing.keys.length;
      const table =
        count > 0
          ? `(no finished trials: no report; ${count} planned ${count === 1 ? 'trial' : 'trials'} without a result)`
          : '(no finished trials: no report)';
      return { records: 0, reportDir: outDir, files: [], table };
    }
    const report: SweepReport = {
      ...buildReport({
        sweepName: input.spec.name,
        sweepId: input.sweepId,
        records,
        comparisons: input.spec.comparisons,
        ...(input.spec.objective ? { objective: input.spec.objective } : {}),
        ...(input.spec.objectives ? { objectives: input.spec.objectives } : {}),
        ...(input.spec.interpretation ? { interpretation: input.spec.interpretation } : {}),
        // Planned trials without a result (stopped, failed, …): n per group, missing seeds, dropped pairs.
        ...(missing.list ? { missing: missing.list } : {}),
        // A search's charts number trials by plan order (pruned ones drawn from the workflow's curves);
        // a sampler sweep gets a leaderboard.
        search: {
          plannedKeys: input.plannedKeys ?? expanded!.map((t) => t.trialKey),
          ...(input.stoppedCurves ? { stopped: input.stoppedCurves } : {}),
        },
        ...leaderboardOption(input.spec),
      }),
      backends: backendUsage(records),
    };
    const files = (await writeReport({ report, formats: REPORT_FORMATS, outDir })).map((f) => f.path);
    await deps.tracker.finishSweep(input.sweepId, {
      status: input.status,
      files: files.map((localPath) => ({ localPath, artifactPath: `report/${path.basename(localPath)}` })),
    });
    return {
      records: records.length,
      reportDir: outDir,
      files,
      table: renderTable(report),
      backends: report.backends ?? [],
    };
  }
}

/**
 * `<reportRoot>/<sweepId>`. Sweep ids are generated; one that would lead outside the root (`../x`, an
 * absolute path, a NUL byte) is refused with `E_PATH_ESCAPE` as a non-retryable failure.
 */
function reportFolder(reportRoot: string, sweepId: string): string {
  try {
    // The root itself (an empty id, `.`) would mix every sweep's reports.
    if (resolveInside(reportRoot, sweepId) === path.resolve(reportRoot))
      throw new UserError(
        'E_PATH_ESCAPE',
        `${JSON.stringify(sweepId.slice(0, 60))} names ${reportRoot} itself, not a folder in it.`,
      );
  } catch (error) {
    if (!isUserError(error)) throw error;
    throw ApplicationFailure.nonRetryable(`${error.code}: sweep id: ${error.message}`, 'UserError');
  }
  return path.join(reportRoot, sweepId);
}

/** Heartbeats every 5 s while inside an activity (none in tests); returns the stop function. */
function keepAlive(): () => void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return () => undefined;
  }
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), 5_000);
  return () => clearInterval(timer);
}

/** The leaderboard option of `buildReport` for a sampler sweep's spec, else nothing. */
function leaderboardOption(spec: AggregateInput['spec']): { leaderboard?: LeaderboardInput } {
  const leaderboard = leaderboardInputOf(spec);
  return leaderboard ? { leaderboard } : {};
}
