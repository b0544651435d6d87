/**
 * What commands that read results back (`report`, `export`, `compare`) share: a sweep the user names
 * → its finished trials in the tracker.
 *
 * A sweep id known to Temporal gives the sweep's plan (spec and dataset fingerprint from the workflow
 * input): its records are the planned trials finished by it or, reused, by an earlier sweep of the same
 * name. Otherwise the argument is looked up in the tracker alone: first as a sweep id (the trials that
 * ran in it), then as a sweep name (the finished trials of every sweep of that name).
 */
import { collectSweepRecords } from '../activities/aggregate.js';
import { openTemporalSession } from './session.js';
import { latestInput } from './sweeps.js';
import { isUserError, UserError } from '../../core/common/errors.js';
import { stateDir } from '../../core/common/paths.js';
import type { TrialRecord } from '../../core/domain/trial.js';
import { createTracker } from '../../tracking/index.js';
import type { Tracker } from '../../tracking/types.js';
import type { SweepWorkflowInput } from '../shared/shared.js';
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  buildReport,
  leaderboardInputOf,
  REPORT_FORMAT,
  type SweepReport,
} from '../../reporting/analysis/report.js';

/** Where sweeps are looked up: Temporal (workflow inputs) and the tracker. */
export interface SweepLookup {
  /** The sweep's workflow input; undefined when Temporal knows no sweep with this id. */
  input(sweepId: string): Promise<SweepWorkflowInput | undefined>;
  /** True when Temporal knows the sweep and it is not running; undefined when Temporal does not know it. */
  closed(sweepId: string): Promise<boolean | undefined>;
  tracker: Tracker;
}

export interface LoadedSweep {
  /** The argument as given. */
  ref: string;
  /** The sweep id, when the argument was one (Temporal's or the tracker's). */
  sweepId?: string;
  sweepName: string;
  /** The workflow input, when Temporal knows the sweep. */
  input?: SweepWorkflowInput;
  /** How the argument was resolved. */
  resolvedBy: 'temporal' | 'tracker-sweep-id' | 'tracker-sweep-name';
  /** One record per trial key; may be empty for a sweep known to Temporal with nothing finished yet. */
  records: TrialRecord[];
}

/** One record per trial key, the first one met. */
function uniqueByTrialKey(records: readonly TrialRecord[]): TrialRecord[] {
  const byKey = new Map<string, TrialRecord>();
  for (const record of records) if (!byKey.has(record.trialKey)) byKey.set(record.trialKey, record);
  return [...byKey.values()];
}

/**
 * The finished trials of the sweep `ref` (an id or a name). Throws `E_SWEEP_NOT_FOUND` when neither
 * Temporal nor the tracker knows it.
 */
export async function loadSweep(lookup: SweepLookup, ref: string): Promise<LoadedSweep> {
  const input = await lookup.input(ref);
  if (input) {
    const records = await collectSweepRecords({
      tracker: lookup.tracker,
      spec: input.spec,
      datasetFingerprint: input.datasetFingerprint,
      sweepId: ref,
    });
    return { ref, sweepId: ref, sweepName: input.spec.name, input, resolvedBy: 'temporal', records };
  }
  const byId = await lookup.tracker.finishedTrials({ sweepId: ref });
  if (byId.length > 0) {
    return {
      ref,
      sweepId: ref,
      sweepName: ref,
      resolvedBy: 'tracker-sweep-id',
      records: uniqueByTrialKey(byId),
    };
  }
  const byName = await lookup.tracker.finishedTrials({ sweepName: ref });
  if (byName.length > 0) {
    return { ref, sweepName: ref, resolvedBy: 'tracker-sweep-name', records: uniqueByTrialKey(byName) };
  }
  throw new UserError(
    'E_SWEEP_NOT_FOUND',
    `no sweep with id or name '${ref}' (Temporal does not know the id and the tracker has no finished trials under it); 'seedsweep list' shows the known ones.`,
  );
}

/**
 * The report the sweep's aggregation stored when it ended (`report/report.json` on its parent run),
 * when it is still the sweep's report: the sweep is not running (a resumed one aggregates again) and
 * the report has this version's layout. Reading it costs a request or two, where building the report
 * again reads every trial's record (a 100,000-trial sweep: 100 searches of 1,000 runs, minutes).
 * Undefined otherwise, or when it cannot be read: the caller builds the report from the records.
 */
export async function storedReport(lookup: SweepLookup, sweepId: string): Promise<SweepReport | undefined> {
  if ((await lookup.closed(sweepId)) === false) return undefined;
  let stored: unknown;
  try {
    stored = await lookup.tracker.sweepReport(sweepId);
  } catch {
    return undefined;
  }
  const report = stored as Partial<SweepReport> | null | undefined;
  return typeof report === 'object' &&
    report !== null &&
    report.format === REPORT_FORMAT &&
    report.sweepId === sweepId
    ? (report as SweepReport)
    : undefined;
}

/**
 * Runs `fn` with a lookup over the environment's Temporal server and tracker (starting the embedded
 * ones when their addresses are unset); the Temporal connection is closed afterwards.
 */
export async function withSweepLookup<T>(fn: (lookup: SweepLookup) => Promise<T>): Promise<T> {
  const session = await openTemporalSession();
  try {
    const tracker = await createTracker({ stateDir: stateDir() });
    return await fn({
      tracker,
      closed: async (sweepId) => {
        try {
          return (await session.client.workflow.getHandle(sweepId).describe()).status.name !== 'RUNNING';
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) return undefined;
          throw error;
        }
      },
      input: async (sweepId) => {
        try {
          return await latestInput(session.client, sweepId);
        } catch (error) {
          if (isUserError(error) && error.code === 'E_SWEEP_NOT_FOUND') return undefined;
          throw error;
        }
      },
    });
  } finally {
    await session.close();
  }
}

/** The records of `ref`, refusing a sweep with no finished trial (`code` names the command's error). */
export function requireRecords(sweep: LoadedSweep, code: string): TrialRecord[] {
  if (sweep.records.length === 0) {
    throw new UserError(
      code,
      `sweep ${sweep.ref} has no finished trials in the tracker yet; check 'seedsweep status ${sweep.ref}' and run 'seedsweep sync' if the tracker was down.`,
    );
  }
  return sweep.records;
}

/**
 * The report of a loaded sweep's finished records, built from what its spec says (comparisons,
 * objectives, interpretation, a sampler's leaderboard) as `report`, the API and the live page show it.
 */
export function reportOfSweep(
  sweep: LoadedSweep,
  records: TrialRecord[] = sweep.records,
  sweepId: string = sweep.sweepId ?? sweep.ref,
): SweepReport {
  const spec = sweep.input?.spec;
  const leaderboard = leaderboardInputOf(spec);
  return buildReport({
    sweepName: sweep.sweepName,
    sweepId,
    records,
    comparisons: spec?.comparisons,
    ...(spec?.objective ? { objective: spec.objective } : {}),
    ...(spec?.objectives ? { objectives: spec.objectives } : {}),
    ...(spec?.interpretation ? { interpretation: spec.interpretation } : {}),
    ...(leaderboard ? { leaderboard } : {}),
  });
}
