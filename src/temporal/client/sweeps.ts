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
import type { SweepSpec } from '../../sweep-spec/schema.js';
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
} from '../shared/shared.js';

/** The workflow type name of sweeps (the exported function's name). */
export const SWEEP_WORKFLOW_TYPE = 'sweepWorkflow';

/** What a sweep's memo holds (kept small: memos have a 2 KB soft limit). The spec is in the input. */
export interface SweepMemo {
  sweepName: string;
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
  };
  const memo: SweepMemo = { sweepName: spec.name };
  try {
    const handle = await options.client.workflow.start(SWEEP_WORKFLOW_TYPE, {
      workflowId: sweepId,
      taskQueue: taskQueues.control,
      args: [input],
      memo: memo as unknown as Record<string, unknown>,
    });
    return { sweepId, runId: handle.firstExecutionRunId };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new UserError(
        'E_SWEEP_RUNNING',
        `sweep ${sweepId} is already running; watch it with 'seedsweep status ${sweepId}'.`,
      );
    }
    throw error;
  }
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

async function describe(client: Client, sweepId: string) {
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
    const progress = await withTimeout(
      handle.query(progressQuery, options.progress ?? {}),
      options.queryTimeoutMs ?? 5000,
    ).catch(() => undefined);
    if (progress) status.progress = progress;
  } else if (info.status.name === 'COMPLETED') {
    status.summary = (await handle.result()) as SweepSummary;
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
  for await (const info of options.client.workflow.list({
    query: `WorkflowType = '${SWEEP_WORKFLOW_TYPE}'`,
  })) {
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
  await requireRunning(options.client, options.sweepId);
  await options.client.workflow.getHandle(options.sweepId).signal(cancelSignal);
}

/** Pauses (`pause: true`) or un-pauses a running sweep. */
export async function pauseSweep(options: {
  client: Client;
  sweepId: string;
  pause: boolean;
}): Promise<void> {
  await requireRunning(options.client, options.sweepId);
  await options.client.workflow.getHandle(options.sweepId).signal(options.pause ? pauseSignal : resumeSignal);
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
      await client.workflow.getHandle(sweepId).signal(resumeSignal);
      return { sweepId, runId: info.runId, previousStatus: 'PAUSED' };
    }
    await client.workflow.getHandle(sweepId).terminate('seedsweep resume: replaced by a new run');
  }
  // Same spec, queues and settings; no carried state (the tracker says what finished) and no fault injection.
  const started = await submitSweep({
    client,
    spec: input.spec,
    datasetFingerprint: input.datasetFingerprint,
    sweepId,
    ...(input.taskQueues ? { taskQueues: input.taskQueues } : {}),
    ...(input.reportDir ? { reportDir: input.reportDir } : {}),
    ...(input.maxHistoryEventsBeforeContinue
      ? { maxHistoryEventsBeforeContinue: input.maxHistoryEventsBeforeContinue }
      : {}),
  });
  return { ...started, previousStatus: info.status.name };
}

/** The input of a sweep's latest run: the first event of its history (one event fetched, not the whole history). */
export async function latestInput(client: Client, sweepId: string): Promise<SweepWorkflowInput> {
  let response;
  try {
    response = await client.workflowService.getWorkflowExecutionHistory({
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
  const payload =
    response.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const input = payload
    ? (client.options.loadedDataConverter.payloadConverter.fromPayload(
        payload,
      ) as Partial<SweepWorkflowInput>)
    : undefined;
  if (!input?.spec || !input.datasetFingerprint) {
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

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
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
