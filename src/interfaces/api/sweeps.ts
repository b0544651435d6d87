/**
 * Sweeps as functions, with the CLI's semantics: `runSweep` submits (starting the embedded Temporal and
 * MLflow servers when their addresses are unset) and, unless `detach`, hosts a worker in this process
 * until the sweep ends; `resumeSweep` runs what is not finished; `getReport` and `listSweeps` read back.
 */
import { renderReport, type ReportFormat } from '../../reporting/analysis/report.js';
import type { SweepReport as Report } from '../../reporting/analysis/report-types.js';
import { runAttached } from '../../temporal/client/attached-run.js';
import { openTemporalSession, type TemporalSession } from '../../temporal/client/session.js';
import {
  cancelSweep as cancelSweepRun,
  listSweeps as listSweepEntries,
  pauseSweep as pauseSweepRun,
  resumeSweep as resumeSweepRun,
  submitSweep,
  type SweepListEntry,
} from '../../temporal/client/sweeps.js';
import {
  loadSweep,
  reportOfSweep,
  requireRecords,
  withSweepLookup,
} from '../../temporal/client/sweep-records.js';
import { fingerprintDataset } from '../../datasets/plugins.js';
import type { SweepSummary } from '../../temporal/shared/shared.js';
import { expandSweep } from '../../sweep-spec/expand.js';
import { loadSweepSpec } from '../../sweep-spec/load.js';
import type { SweepSpec } from '../../sweep-spec/schema.js';
import { UserError } from '../../core/common/errors.js';
import { checkTrackingServer } from '../setup/tracking-check.js';
import { warmStartAtSubmission } from '../../temporal/client/warm-start.js';
import { submissionEstimate } from '../../temporal/client/cost-outcome.js';
import type { StoredEstimate } from '../../reporting/cost/format.js';
import { experimentSpec, isExperiment, type Experiment } from './experiment.js';
import { checkSpecObject } from './spec-object.js';

/** Options of {@link runSweep} and {@link resumeSweep}. */
export interface RunSweepOptions {
  /** Submit and return at once; workers (`seedsweep worker`) train. @default false */
  detach?: boolean;
  /** Training threads of the in-process worker. @default the core count */
  threads?: number;
  /** Spec overrides `path=value`, as `--set`. @default [] */
  overrides?: readonly string[];
}

/** What {@link runSweep} resolves with. */
export interface SweepRun {
  sweepId: string;
  /** Trials the spec expands to. */
  trials: number;
  /** The sweep's summary (absent when detached). */
  summary?: SweepSummary;
  /** A warm start's earlier sweeps: one line each, the trials used and skipped (absent without one). */
  warmStart?: string[];
  /**
   * The cost estimated at submission from earlier trials in a running tracking server, as the CLI's
   * `run` keeps it with the sweep (`status` compares it with the actual); absent when nothing matched.
   */
  costEstimate?: StoredEstimate;
}

/**
 * The validated spec of what `runSweep` was given. A spec object is checked like a file (see
 * spec-object.ts), never trusted: it becomes a Temporal payload and every trial key.
 */
export async function specOf(
  source: Experiment | SweepSpec | string,
  overrides: readonly string[],
): Promise<SweepSpec> {
  if (typeof source === 'string') return loadSweepSpec(source, { overrides });
  if (isExperiment(source)) return experimentSpec(source, { overrides });
  return checkSpecObject(source, { overrides });
}

/** `runSweep`'s options, checked: a wrong type is a UserError naming the option, not a TypeError later. */
function checkRunOptions(options: unknown): RunSweepOptions {
  if (options === undefined) return {};
  const bad = (message: string): never => {
    throw new UserError('E_BAD_ARGUMENT', `runSweep options: ${message}`);
  };
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    bad(`expected { detach?, threads?, overrides? }; found ${options === null ? 'null' : typeof options}.`);
  const { detach, threads, overrides } = options as Record<string, unknown>;
  if (detach !== undefined && typeof detach !== 'boolean') bad(`detach must be true or false.`);
  if (threads !== undefined && !(Number.isSafeInteger(threads) && (threads as number) >= 1))
    bad(`threads must be an integer ≥ 1.`);
  if (overrides !== undefined && !(Array.isArray(overrides) && overrides.every((o) => typeof o === 'string')))
    bad(`overrides must be a list of 'path=value' strings, as --set takes.`);
  return options as RunSweepOptions;
}

async function follow(
  session: TemporalSession,
  sweepId: string,
  options: RunSweepOptions,
): Promise<SweepSummary> {
  return runAttached({
    session,
    sweepId,
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
  });
}

/** Runs a sweep from an experiment, a spec file (or shipped sweep name) or a validated spec. */
export async function runSweep(
  source: Experiment | SweepSpec | string,
  runOptions: RunSweepOptions = {},
): Promise<SweepRun> {
  const options = checkRunOptions(runOptions);
  const spec = await specOf(source, options.overrides ?? []);
  const datasetFingerprint = await fingerprintDataset(spec.dataset);
  const trials = expandSweep({ spec, datasetFingerprint }).length;
  // A tracking server the trials' results could never reach fails now, not after training.
  await checkTrackingServer({ sweepName: spec.name });
  const warm = await warmStartAtSubmission({
    spec,
    ...(typeof source === 'string' ? { specFile: source } : {}),
    overrides: options.overrides ?? [],
  });
  const cost = await submissionEstimate({
    spec,
    datasetFingerprint,
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
  });
  const session = await openTemporalSession();
  try {
    const { sweepId } = await submitSweep({
      client: session.client,
      spec,
      datasetFingerprint,
      ...(warm ? { warmStart: warm.history } : {}),
      ...(cost.stored ? { costEstimate: cost.stored } : {}),
    });
    const used = {
      ...(warm ? { warmStart: warm.lines } : {}),
      ...(cost.stored ? { costEstimate: cost.stored } : {}),
    };
    if (options.detach) return { sweepId, trials, ...used };
    return { sweepId, trials, ...used, summary: await follow(session, sweepId, options) };
  } finally {
    await session.close();
  }
}

/** Resumes a sweep (same id): runs only trials not finished yet, from their checkpoints. */
export async function resumeSweep(
  sweepId: string,
  resumeOptions: Omit<RunSweepOptions, 'overrides'> = {},
): Promise<{ sweepId: string; summary?: SweepSummary }> {
  const options = checkRunOptions(resumeOptions);
  const session = await openTemporalSession();
  try {
    await resumeSweepRun({ client: session.client, sweepId });
    if (options.detach) return { sweepId };
    return { sweepId, summary: await follow(session, sweepId, options) };
  } finally {
    await session.close();
  }
}

/** The report of a sweep (id or name) from the tracker; `format` renders it as text. */
export async function getReport(sweep: string): Promise<Report>;
export async function getReport(sweep: string, options: { format: ReportFormat }): Promise<string>;
export async function getReport(sweep: string, options?: { format: ReportFormat }): Promise<Report | string> {
  const loaded = await withSweepLookup((lookup) => loadSweep(lookup, sweep));
  const records = requireRecords(loaded, 'E_REPORT_NO_TRIALS');
  const report = reportOfSweep(loaded, records, loaded.sweepId ?? sweep);
  return options ? renderReport({ report, format: options.format }) : report;
}

/** Sweeps Temporal knows, newest first. */
export async function listSweeps(options: { name?: string; limit?: number } = {}): Promise<SweepListEntry[]> {
  const session = await openTemporalSession();
  try {
    return await listSweepEntries({ client: session.client, ...options });
  } finally {
    await session.close();
  }
}

/** A sweep id as a function argument: a non-empty string (the CLI checks it as `sweepArgument` does). */
function checkSweepId(sweepId: unknown, fn: string): string {
  if (typeof sweepId !== 'string' || sweepId.trim() === '')
    throw new UserError('E_BAD_SWEEP_ID', `${fn}: pass a sweep id as 'seedsweep list' shows it.`);
  return sweepId.trim();
}

/** Sends a running sweep a signal through a session of its own. */
async function signalSweep(
  sweepId: string,
  send: (client: TemporalSession['client'], sweepId: string) => Promise<void>,
): Promise<void> {
  const session = await openTemporalSession();
  try {
    await send(session.client, sweepId);
  } finally {
    await session.close();
  }
}

/** Pauses a running sweep: no new trials start; running ones stop at their next epoch boundary, keeping checkpoints. */
export async function pauseSweep(sweepId: string): Promise<void> {
  const id = checkSweepId(sweepId, 'pauseSweep');
  await signalSweep(id, (client) => pauseSweepRun({ client, sweepId: id, pause: true }));
}

/** Un-pauses a paused sweep (same run): queued trials start again, from their checkpoints. */
export async function unpauseSweep(sweepId: string): Promise<void> {
  const id = checkSweepId(sweepId, 'unpauseSweep');
  await signalSweep(id, (client) => pauseSweepRun({ client, sweepId: id, pause: false }));
}

/** Cancels a running sweep: no new trials; running ones stop at their next epoch boundary, keeping checkpoints. */
export async function cancelSweep(sweepId: string): Promise<void> {
  const id = checkSweepId(sweepId, 'cancelSweep');
  await signalSweep(id, (client) => cancelSweepRun({ client, sweepId: id }));
}
