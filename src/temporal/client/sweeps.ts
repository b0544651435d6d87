/**
 * Sweep operations over a Temporal client: submit, status, list, cancel, pause/resume, resume a
 * finished or stuck sweep. The sweep id is the workflow id (`<name>-<spec hash>-<UTC timestamp>`); it
 * stays the same across continue-as-new and `resume` (which starts a new run of the same workflow id).
 */
import { withResolvedBackend } from './sweep-backend.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { UserError } from '../../core/common/errors.js';
import { badAnswer, temporalCall } from './temporal-errors.js';
import type { SweepSpec } from '../../sweep-spec/schema.js';
import { isStoredEstimate, type StoredEstimate } from '../../reporting/cost/format.js';
import { canonicalJson } from '../../sweep-spec/keys.js';
import { configuredTaskQueues } from '../shared/queue-prefix.js';
import {
  cancelSignal,
  pauseSignal,
  SweepPhase,
  progressQuery,
  resumeSignal,
  type FaultInjection,
  type ProgressQueryOptions,
  type SweepProgress,
  type SweepSummary,
  type SweepWorkflowInput,
  type TaskQueues,
  type WarmStartHistory,
} from '../shared/shared.js';

/** The workflow type name of sweeps (the exported function's name). */
export const SWEEP_WORKFLOW_TYPE = 'sweepWorkflow';

/** What a sweep's memo holds (kept small: memos have a 2 KB soft limit). The spec is in the input. */
export interface SweepMemo {
  sweepName: string;
  /** The cost estimated at submission (totals only), for the finished sweep's summary to compare. */
  costEstimate?: StoredEstimate;
}

/** `<name>-<8 hex of the spec hash>-<YYYYMMDDTHHMMSSZ>`; the name is made id-safe. */
export function makeSweepId(options: {
  spec: SweepSpec;
  /** @default new Date() */
  now?: Date;
}): string {
  const slug =
    options.spec.name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'sweep';
  const hash = bytesToHex(sha256(utf8ToBytes(canonicalJson(options.spec)))).slice(0, 8);
  const stamp = (options.now ?? new Date())
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${slug}-${hash}-${stamp}`;
}

export interface SubmitSweepOptions {
  client: Client;
  spec: SweepSpec;
  /** `datasetFingerprint(spec.dataset)`: part of every trial key. */
  datasetFingerprint: string;
  /** @default makeSweepId({ spec }) */
  sweepId?: string;
  /** @default the queues of SEEDSWEEP_QUEUE_PREFIX (src/temporal/shared/queue-prefix.ts) */
  taskQueues?: TaskQueues;
  /** Test-only: make trials fail at an epoch on their first attempt. */
  faultInjection?: FaultInjection;
  /** Test-only: continue as new after this many history events. */
  maxHistoryEventsBeforeContinue?: number;
  /** Folder (on the worker that aggregates) for the report files. */
  reportDir?: string;
  /** A sampler's warm start: earlier sweeps' finished configurations (src/temporal/client/warm-start.ts). */
  warmStart?: WarmStartHistory;
  /** The cost estimate made before submitting: kept in the sweep's memo. */
  costEstimate?: StoredEstimate;
}

/** Starts a sweep workflow; resolves with its ids once Temporal accepted it. */
export async function submitSweep(options: SubmitSweepOptions): Promise<{ sweepId: string; runId: string }> {
  const taskQueues = options.taskQueues ?? configuredTaskQueues();
  // Trial keys include the backend: fix it now, on the submitting host, not in each worker.
  const spec = withResolvedBackend(options.spec);
  const sweepId = options.sweepId ?? makeSweepId({ spec });
  const input: SweepWorkflowInput = {
    sweepId,
    spec,
    datasetFingerprint: options.datasetFingerprint,
    taskQueues,
    ...(options.faultInjection ? { faultInjection: options.faultInjection } : {}),
    ...(options.maxHistoryEventsBeforeContinue
      ? { maxHistoryEventsBeforeContinue: options.maxHistoryEventsBeforeContinue }
      : {}),
    ...(options.reportDir ? { reportDir: options.reportDir } : {}),
    ...(options.warmStart ? { warmStart: options.warmStart } : {}),
  };
  const memo: SweepMemo = {
    sweepName: spec.name,
    ...(options.costEstimate ? { costEstimate: options.costEstimate } : {}),
  };
  const handle = await temporalCall(options.client, `starting sweep ${sweepId}`, async () => {
    try {
      return await options.client.workflow.start(SWEEP_WORKFLOW_TYPE, {
        workflowId: sweepId,
        taskQueue: taskQueues.control,
        args: [input],
        memo: memo as unknown as Record<string, unknown>,
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new UserError(
          'E_SWEEP_RUNNING',
          `sweep ${sweepId} is already running; watch it with 'seedsweep status ${sweepId}'.`,
        );
      }
      throw error;
    }
  });
  if (typeof handle.firstExecutionRunId !== 'string' || handle.firstExecutionRunId === '')
    throw badAnswer(options.client, `starting sweep ${sweepId}`, 'no run id');
  return { sweepId, runId: handle.firstExecutionRunId };
}

/** Temporal's execution status names, e.g. RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT. */
export type ExecutionStatus = WorkflowExecutionInfo['status']['name'];

export interface SweepStatus {
  sweepId: string;
  runId: string;
  sweepName: string;
  status: ExecutionStatus;
  startTime: string;
  closeTime?: string;
  /** Live progress of a running sweep (query: the summary and one page of trials); absent when no worker answered. */
  progress?: SweepProgress;
  /** The result of a completed sweep. */
  summary?: SweepSummary;
  /** Why the last run failed, when it did. */
  failure?: string;
}

/** Temporal's execution status names: an answer with another one is not a description. */
const EXECUTION_STATUSES = new Set<string>([
  'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT', 'PAUSED',
]); // prettier-ignore

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && Number.isFinite(value.getTime());
}

/** What is wrong with a workflow's description or list entry for `sweepId`, if anything. */
function executionProblem(
  info: Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'status' | 'startTime' | 'closeTime' | 'memo'>,
  sweepId?: string,
): string | undefined {
  if (sweepId !== undefined && info.workflowId !== sweepId)
    return `the description of another workflow (${String(info.workflowId)})`;
  if (typeof info.workflowId !== 'string' || info.workflowId === '') return 'no workflow id';
  if (typeof info.runId !== 'string' || info.runId === '') return 'no run id';
  if (!EXECUTION_STATUSES.has(info.status?.name)) return `an unknown status (${String(info.status?.name)})`;
  if (!isValidDate(info.startTime)) return 'no valid start time';
  if (info.closeTime !== undefined && !isValidDate(info.closeTime)) return 'an invalid close time';
  const name = (info.memo as Partial<SweepMemo> | undefined)?.sweepName;
  if (name !== undefined && typeof name !== 'string') return 'a memo whose sweep name is not text';
  return undefined;
}

async function describe(client: Client, sweepId: string) {
  const what = `describing sweep ${sweepId}`;
  const info = await temporalCall(client, what, async () => {
    try {
      return await client.workflow.getHandle(sweepId).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw new UserError(
          'E_SWEEP_NOT_FOUND',
          `no sweep with id '${sweepId}'; 'seedsweep list' shows the known ones.`,
        );
      }
      throw error;
    }
  });
  const problem = executionProblem(info, sweepId);
  if (problem) throw badAnswer(client, what, problem);
  return info;
}

/** Status of a sweep: progress while running (if a worker answers within `queryTimeoutMs`), the summary when completed. */
export async function getSweepStatus(options: {
  client: Client;
  sweepId: string;
  /** Which page of which trials the progress query answers. @default page 1 of every trial */
  progress?: ProgressQueryOptions;
  /** @default 5000 */
  queryTimeoutMs?: number;
}): Promise<SweepStatus> {
  const { client, sweepId } = options;
  const info = await describe(client, sweepId);
  const memo = (info.memo ?? {}) as Partial<SweepMemo>;
  const status: SweepStatus = {
    sweepId,
    runId: info.runId,
    sweepName: memo.sweepName ?? sweepId,
    status: info.status.name,
    startTime: info.startTime.toISOString(),
    ...(info.closeTime ? { closeTime: info.closeTime.toISOString() } : {}),
  };
  const handle = client.workflow.getHandle(sweepId);
  if (info.status.name === 'RUNNING') {
    const progress = await queryProgress(client, sweepId, options.progress ?? {}, options.queryTimeoutMs);
    if (progress) status.progress = progress;
  } else if (info.status.name === 'COMPLETED') {
    const what = `the result of sweep ${sweepId}`;
    const summary = await temporalCall(client, what, () => handle.result());
    const problem = summaryProblem(summary);
    if (problem) throw badAnswer(client, what, problem);
    status.summary = summary as SweepSummary;
  } else if (info.status.name === 'FAILED') {
    status.failure = await handle.result().then(
      () => undefined,
      (error: unknown) =>
        error instanceof Error
          ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}`
          : String(error),
    );
  }
  return status;
}

/**
 * The progress query of `getSweepStatus`: undefined when no worker answered in time (the server holds
 * a query until a worker takes it), a UserError when Temporal failed the call or the answer is not a
 * progress page.
 */
async function queryProgress(
  client: Client,
  sweepId: string,
  query: ProgressQueryOptions,
  timeoutMs = 5000,
): Promise<SweepProgress | undefined> {
  const what = `the progress query of sweep ${sweepId}`;
  const answer = await temporalCall(client, what, () =>
    withTimeout(client.workflow.getHandle(sweepId).query(progressQuery, query), timeoutMs).catch(
      (error: unknown) => {
        if (error instanceof QueryTimeout) return undefined;
        throw error;
      },
    ),
  );
  if (answer === undefined) return undefined;
  const problem = progressProblem(answer, sweepId);
  if (problem) throw badAnswer(client, what, problem);
  return answer;
}

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** What is wrong with a progress query's answer, if anything (it is read as a SweepProgress after). */
function progressProblem(value: unknown, sweepId: string): string | undefined {
  if (typeof value !== 'object' || value === null)
    return `a ${value === null ? 'null' : typeof value}, not a progress page`;
  const p = value as Partial<Record<keyof SweepProgress, unknown>>;
  if (p.sweepId !== sweepId) return `the progress of another sweep (${String(p.sweepId).slice(0, 80)})`;
  if (typeof p.sweepName !== 'string' || typeof p.phase !== 'string')
    return 'a progress page without its sweep name or phase';
  if (!(Object.values(SweepPhase) as string[]).includes(p.phase))
    return `an unknown phase (${p.phase.slice(0, 40)})`;
  const counts = p.counts as Record<string, unknown> | undefined;
  if (typeof counts !== 'object' || counts === null || !Object.values(counts).every(isCount))
    return 'a progress page whose counts are not whole numbers';
  const page = p.page as Partial<Record<string, unknown>> | undefined;
  if (
    typeof page !== 'object' ||
    page === null ||
    ![page.number, page.size, page.pages, page.matching].every(isCount)
  )
    return 'a progress page without valid page numbers';
  if (
    !Array.isArray(p.trials) ||
    !p.trials.every(
      (t) =>
        typeof t === 'object' &&
        t !== null &&
        typeof (t as { trialKey?: unknown }).trialKey === 'string' &&
        typeof (t as { state?: unknown }).state === 'string',
    )
  )
    return 'a progress page whose trials are not trial entries';
  if (!isCount(p.continuedRuns)) return 'a progress page without its run count';
  return undefined;
}

/** What is wrong with a completed sweep's result, if anything. */
function summaryProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null)
    return `a ${value === null ? 'null' : typeof value}, not a sweep summary`;
  const s = value as Partial<Record<keyof SweepSummary, unknown>>;
  if (typeof s.sweepId !== 'string' || typeof s.sweepName !== 'string' || typeof s.status !== 'string')
    return 'a sweep summary without its id, name or status';
  const counts = s.counts as Record<string, unknown> | undefined;
  if (typeof counts !== 'object' || counts === null || !Object.values(counts).every(isCount))
    return 'a sweep summary whose counts are not whole numbers';
  if (typeof s.failures !== 'object' || s.failures === null) return 'a sweep summary without its failures';
  return undefined;
}

/** One line of `seedsweep list`. */
export interface SweepListEntry {
  sweepId: string;
  sweepName: string;
  status: ExecutionStatus;
  startTime: string;
  closeTime?: string;
}

/** Sweeps known to the namespace, newest first, one entry per sweep id (its latest run). */
export async function listSweeps(options: {
  client: Client;
  /** Only sweeps of this name. */
  name?: string;
  /** @default 200 */
  limit?: number;
}): Promise<SweepListEntry[]> {
  const latest = new Map<string, SweepListEntry & { started: number }>();
  const limit = options.limit ?? 200;
  const what = 'listing sweeps';
  await temporalCall(options.client, what, async () => {
    for await (const info of options.client.workflow.list({
      query: `WorkflowType = '${SWEEP_WORKFLOW_TYPE}'`,
    })) {
      const problem = executionProblem(info);
      if (problem) throw badAnswer(options.client, what, problem);
      const memo = (info.memo ?? {}) as Partial<SweepMemo>;
      const sweepName = memo.sweepName ?? info.workflowId;
      if (options.name && sweepName !== options.name) continue;
      const started = info.startTime.getTime();
      const known = latest.get(info.workflowId);
      if (known && known.started >= started) continue;
      latest.set(info.workflowId, {
        sweepId: info.workflowId,
        sweepName,
        status: info.status.name,
        startTime: info.startTime.toISOString(),
        ...(info.closeTime ? { closeTime: info.closeTime.toISOString() } : {}),
        started,
      });
      if (latest.size >= limit * 4) break;
    }
  });
  return [...latest.values()]
    .sort((a, b) => b.started - a.started)
    .slice(0, limit)
    .map(({ started: _started, ...entry }) => entry);
}

async function requireRunning(client: Client, sweepId: string): Promise<void> {
  const info = await describe(client, sweepId);
  if (info.status.name !== 'RUNNING') {
    throw new UserError(
      'E_SWEEP_NOT_RUNNING',
      `sweep ${sweepId} is not running (it is ${info.status.name}).`,
    );
  }
}

/** Asks a running sweep to stop: no new trials, running ones stop at the next epoch boundary with a checkpoint. */
export async function cancelSweep(options: { client: Client; sweepId: string }): Promise<void> {
  const { client, sweepId } = options;
  await requireRunning(client, sweepId);
  await temporalCall(client, `cancelling sweep ${sweepId}`, () =>
    client.workflow.getHandle(sweepId).signal(cancelSignal),
  );
}

/** Pauses (`pause: true`) or un-pauses a running sweep. */
export async function pauseSweep(options: {
  client: Client;
  sweepId: string;
  pause: boolean;
}): Promise<void> {
  const { client, sweepId } = options;
  await requireRunning(client, sweepId);
  await temporalCall(client, `${options.pause ? 'pausing' : 'un-pausing'} sweep ${sweepId}`, () =>
    client.workflow.getHandle(sweepId).signal(options.pause ? pauseSignal : resumeSignal),
  );
}

/**
 * Resumes a sweep that ended with failed trials, was cancelled, terminated, failed or timed out, or
 * is still open but stuck (its workers died): a new run of the same workflow id and spec, which runs
 * only trials not finished yet, resuming from their checkpoints. A stuck open run is terminated first.
 * A paused sweep is un-paused instead (same run; `previousStatus: 'PAUSED'`).
 */
export async function resumeSweep(options: {
  client: Client;
  sweepId: string;
}): Promise<{ sweepId: string; runId: string; previousStatus: ExecutionStatus | 'PAUSED' }> {
  const { client, sweepId } = options;
  const info = await describe(client, sweepId);
  const input = await latestInput(client, sweepId);
  if (info.status.name === 'RUNNING') {
    // A paused sweep is not stuck: un-pause it in place rather than replacing its run.
    const progress = await querySweepProgress({ client, sweepId });
    if (progress?.phase === SweepPhase.paused) {
      await temporalCall(client, `un-pausing sweep ${sweepId}`, () =>
        client.workflow.getHandle(sweepId).signal(resumeSignal),
      );
      return { sweepId, runId: info.runId, previousStatus: 'PAUSED' };
    }
    await temporalCall(client, `terminating the stuck run of sweep ${sweepId}`, () =>
      client.workflow.getHandle(sweepId).terminate('seedsweep resume: replaced by a new run'),
    );
  }
  const carried = (info.memo as Partial<SweepMemo> | undefined)?.costEstimate;
  // Same spec, queues and settings; no carried state (the tracker says what finished) and no fault injection.
  const started = await submitSweep({
    client,
    spec: input.spec,
    datasetFingerprint: input.datasetFingerprint,
    sweepId,
    ...(input.taskQueues ? { taskQueues: input.taskQueues } : {}),
    ...(input.reportDir ? { reportDir: input.reportDir } : {}),
    // The warm history read when the sweep was submitted: a resumed sweep starts from the same one.
    ...(input.warmStart ? { warmStart: input.warmStart } : {}),
    // The cost estimated at submission: the new run's memo keeps it, so status and the summary compare with it.
    ...(isStoredEstimate(carried) ? { costEstimate: carried } : {}),
    ...(input.maxHistoryEventsBeforeContinue
      ? { maxHistoryEventsBeforeContinue: input.maxHistoryEventsBeforeContinue }
      : {}),
  });
  return { ...started, previousStatus: info.status.name };
}

/** The input of a sweep's latest run: the first event of its history (one event fetched, not the whole history). */
export async function latestInput(client: Client, sweepId: string): Promise<SweepWorkflowInput> {
  const what = `reading the input of sweep ${sweepId}`;
  const response = await temporalCall(client, what, async () => {
    try {
      return await client.workflowService.getWorkflowExecutionHistory({
        namespace: client.options.namespace,
        execution: { workflowId: sweepId },
        maximumPageSize: 1,
      });
    } catch (error) {
      // gRPC NOT_FOUND: no workflow with this id in the namespace.
      if ((error as { code?: number }).code === 5) {
        throw new UserError(
          'E_SWEEP_NOT_FOUND',
          `no sweep with id '${sweepId}'; 'seedsweep list' shows the known ones.`,
        );
      }
      throw error;
    }
  });
  const payload =
    response.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  let input: Partial<SweepWorkflowInput> | undefined;
  try {
    input = payload
      ? (client.options.loadedDataConverter.payloadConverter.fromPayload(
          payload,
        ) as Partial<SweepWorkflowInput>)
      : undefined;
  } catch (error) {
    throw badAnswer(client, what, `an input that cannot be decoded (${(error as Error).message})`);
  }
  if (typeof input !== 'object' || input === null || !input.spec || !input.datasetFingerprint) {
    throw new UserError(
      'E_SWEEP_NOT_RESUMABLE',
      `sweep ${sweepId} has no seedsweep input (it was not started by seedsweep).`,
    );
  }
  return input as SweepWorkflowInput;
}

/**
 * Queries a running sweep's progress: the summary and one page of trials (ask only for what is shown:
 * `states`, `pageSize`); undefined if it is not running or no worker answered in time.
 */
export async function querySweepProgress(
  options: {
    client: Client;
    sweepId: string;
    /** Include pending and skipped trials (when `states` is not given). @default false */
    pending?: boolean;
    /** @default 5000 */
    timeoutMs?: number;
  } & Omit<ProgressQueryOptions, 'pending'>,
): Promise<SweepProgress | undefined> {
  const { client, sweepId, pending, timeoutMs, ...query } = options;
  const handle = client.workflow.getHandle(sweepId);
  return withTimeout(
    handle.query(progressQuery, query.states ? query : { ...query, pending: pending ?? false }),
    timeoutMs ?? 5000,
  ).catch(() => undefined);
}

/** No answer within the query's time: no worker took the query. */
class QueryTimeout extends Error {
  override readonly name = 'QueryTimeout';
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new QueryTimeout(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
