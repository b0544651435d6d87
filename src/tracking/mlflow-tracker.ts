/**
 * The MLflow implementation of {@link Tracker}: a thin facade over four parts.
 * - {@link JournaledSender}: every write is journaled in the durable outbox first and sent afterwards
 *   (right away when `autoSync` is on; epoch metrics at most once per flush interval, or with their
 *   trial's end), so callers never wait on, or fail because of, an unreachable tracking server.
 * - {@link MlflowDelivery}: what journaled writes become on the server (idempotently: an entry may
 *   be sent again after a crash or a lost answer), without reading the server on the common path.
 * - {@link TrialRunJournal}: which run each trial started here writes to, journaled right after its
 *   creation.
 * - {@link RunIndex}: finding and caching runs by sweep id and trial key, and reading finished trials.
 * Reads of artifacts (a trial's model, a sweep's report) and standalone runs (EDA) go to the server
 * directly through the client.
 *
 * Thread safety: one instance serialises its own sends; instances in several processes sharing an
 * outbox folder take turns through the outbox's lock file.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../core/common/errors.js';
import type { EpochMetrics, PlannedTrial, TrialRecord, TrialResult } from '../core/domain/trial.js';
import { JournaledSender, NotReadyError, type SyncResult } from './journaled-sender.js';
import type { MlflowClient } from './mlflow-client.js';
import { MlflowDelivery, type TrackingEntry } from './mlflow-delivery.js';
import { isUnavailable } from './mlflow-errors.js';
import { Outbox, type BlobSource } from './outbox.js';
import { fromJson } from './json-numbers.js';
import { ARTIFACT, clampTag, environmentTags, MAX_PARAM_VALUE, TAG } from './run-data.js';
import { RunIndex, trialRef, type RecordReads } from './run-index.js';
import { TrialRunJournal } from './trial-run-journal.js';
import {
  SWEEP_REPORT_ARTIFACT,
  type DownloadedModel,
  type LoggedRun,
  type RunStatus,
  type StandaloneRun,
  type StartTrialOptions,
  type SweepInfo,
  type Tracker,
} from './types.js';

export type { SyncResult } from './journaled-sender.js';
export type { TrackingEntry } from './mlflow-delivery.js';

export interface MlflowTrackerOptions {
  client: MlflowClient;
  /** Outbox folder; may be shared by several processes on one host. */
  outboxDir: string;
  /** Send immediately after journaling. @default true */
  autoSync?: boolean;
  /** Where warnings go (outage, rejected entries). Never given secrets. @default a line on stderr */
  warn?: (message: string) => void;
  /** How long an explicit `sync()` waits for another process's send to finish, in ms. @default 300000 */
  lockWaitMs?: number;
  /**
   * Epoch metrics written meanwhile go out together at most this often (or with their trial's end), in
   * ms; other writes go out right away. @default 1000
   */
  flushIntervalMs?: number;
}

/** What this tracker journaled of a trial's current start: for its end entry. */
interface StartedTrial {
  trial?: PlannedTrial;
  attempt?: number;
  /** Epochs journaled as `logEpoch` entries since the start. */
  epochs: Set<number>;
  /** True when this tracker journaled the start (of `attempt`): see `startJournaled` of the entries. */
  startJournaled?: boolean;
}

export class MlflowTracker implements Tracker {
  readonly client: MlflowClient;
  readonly outbox: Outbox<TrackingEntry>;
  private readonly warn: (message: string) => void;
  private readonly index: RunIndex;
  private readonly runs: TrialRunJournal;
  private readonly sender: JournaledSender<TrackingEntry>;
  /** Marks this tracker's entries: a start journaled by another one (an earlier process) may have been sent. */
  private readonly writer = randomUUID();
  /** Trials started through this tracker and not finished yet, by {@link trialRef}. */
  private readonly started = new Map<string, StartedTrial>();

  constructor(options: MlflowTrackerOptions) {
    this.client = options.client;
    this.outbox = new Outbox<TrackingEntry>({ dir: options.outboxDir });
    this.warn = options.warn ?? ((message) => process.stderr.write(`seedsweep tracking: ${message}\n`));
    this.index = new RunIndex({ client: this.client, indexDir: path.join(this.outbox.dir, 'sweeps') });
    this.runs = new TrialRunJournal({ dir: path.join(this.outbox.dir, 'runs'), warn: this.warn });
    this.sender = new JournaledSender<TrackingEntry>({
      outbox: this.outbox,
      delivery: new MlflowDelivery({
        client: this.client,
        index: this.index,
        runs: this.runs,
        writer: this.writer,
        warn: this.warn,
      }),
      warn: this.warn,
      ...(options.autoSync !== undefined ? { autoSync: options.autoSync } : {}),
      ...(options.lockWaitMs !== undefined ? { lockWaitMs: options.lockWaitMs } : {}),
      ...(options.flushIntervalMs !== undefined ? { flushIntervalMs: options.flushIntervalMs } : {}),
    });
  }

  // ---- Tracker: writes (journal, then maybe send) --------------------------------------------

  async startSweep(sweep: SweepInfo): Promise<void> {
    this.index.rememberSweepName(sweep.sweepId, sweep.sweepName);
    await this.sender.write({ kind: 'startSweep', time: Date.now(), sweep });
  }

  /** Also tags the run with the process's environment and lineage (see `environmentTags`); `tags` win. */
  async startTrial(
    sweepId: string,
    trial: PlannedTrial,
    tags: Record<string, string> = {},
    options: StartTrialOptions = {},
  ): Promise<void> {
    const attempt = Number(tags[TAG.attempt]);
    this.started.set(trialRef(sweepId, trial.trialKey), {
      trial,
      ...(Number.isInteger(attempt) ? { attempt } : {}),
      epochs: new Set(),
      startJournaled: true,
    });
    await this.sender.write({
      kind: 'startTrial',
      time: Date.now(),
      sweepId,
      trial,
      tags: { ...environmentTags(), ...tags },
      ...(options.firstStart ? { firstStart: true } : {}),
      writer: this.writer,
    });
  }

  /** The first report of an epoch counts: the same epoch again (of the same attempt) is not journaled. */
  async logEpoch(sweepId: string, trialKey: string, metrics: EpochMetrics, attempt?: number): Promise<void> {
    const ref = trialRef(sweepId, trialKey);
    let started = this.started.get(ref);
    if (!started || started.attempt !== attempt) {
      started = {
        ...(started?.trial ? { trial: started.trial } : {}),
        ...(attempt !== undefined ? { attempt } : {}),
        epochs: new Set(),
      };
      this.started.set(ref, started);
    }
    if (started.epochs.has(metrics.epoch)) return;
    started.epochs.add(metrics.epoch);
    await this.sender.write({
      kind: 'logEpoch',
      time: Date.now(),
      sweepId,
      trialKey,
      metrics,
      ...(attempt !== undefined ? { attempt } : {}),
      ...(started.startJournaled ? { startJournaled: true } : {}),
    });
  }

  async finishTrial(
    sweepId: string,
    trialKey: string,
    outcome: {
      status: RunStatus;
      result?: TrialResult;
      error?: string;
      attempt?: number;
      trial?: PlannedTrial;
    },
  ): Promise<void> {
    const modelDir = outcome.result?.modelDir;
    const blobs: BlobSource[] =
      modelDir && this.existsOrWarn(modelDir) ? [{ source: modelDir, name: ARTIFACT.model }] : [];
    const ref = trialRef(sweepId, trialKey);
    const started = this.started.get(ref);
    this.started.delete(ref);
    const trial = outcome.trial ?? started?.trial;
    // Epochs this start journaled go out on their own; the end adds only the others.
    const liveEpochs = started && started.attempt === outcome.attempt ? [...started.epochs] : [];
    const entry: TrackingEntry = {
      kind: 'finishTrial',
      time: Date.now(),
      sweepId,
      trialKey,
      status: outcome.status,
      hasModel: blobs.length > 0,
      ...(outcome.result ? { result: outcome.result } : {}),
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
      ...(outcome.attempt !== undefined ? { attempt: outcome.attempt } : {}),
      ...(trial ? { trial } : {}),
      ...(liveEpochs.length > 0 ? { liveEpochs } : {}),
      ...(started?.startJournaled && started.attempt === outcome.attempt ? { startJournaled: true } : {}),
    };
    await this.sender.write(entry, blobs);
  }

  async finishSweep(
    sweepId: string,
    outcome: { status: RunStatus; files?: { localPath: string; artifactPath: string }[] },
  ): Promise<void> {
    const present = (outcome.files ?? []).filter((file) => this.existsOrWarn(file.localPath));
    const files = present.map((file, index) => ({ blob: `file-${index}`, artifactPath: file.artifactPath }));
    const blobs = present.map((file, index) => ({ source: file.localPath, name: `file-${index}` }));
    await this.sender.write(
      { kind: 'finishSweep', time: Date.now(), sweepId, status: outcome.status, files },
      blobs,
    );
  }

  /** A file to upload that is already gone is reported and skipped rather than failing the write forever. */
  private existsOrWarn(localPath: string): boolean {
    if (existsSync(localPath)) return true;
    this.warn(`${localPath} does not exist; it is not uploaded.`);
    return false;
  }

  // ---- Tracker: reads ----------------------------------------------------------------------------

  /** How the finished trials this tracker read were read: from run tags, or `trial.json` one by one. */
  get recordReads(): RecordReads {
    return this.index.recordReads;
  }

  /**
   * Finished trials (run status FINISHED with a record) of every sweep id of a sweep name, or of one
   * sweep id. Sends pending writes first (best effort). Throws when the server is unreachable.
   */
  async finishedTrials(filter: { sweepName?: string; sweepId?: string }): Promise<TrialRecord[]> {
    await this.sync();
    return this.index.finishedTrials(filter);
  }

  /**
   * Finished trials with these keys in any experiment, one per key (the earliest run). Sends pending
   * writes first (best effort). Throws when the server is unreachable.
   */
  async finishedTrialsByKeys(
    trialKeys: string[],
    options: { groupKeys?: Readonly<Record<string, string>> } = {},
  ): Promise<TrialRecord[]> {
    if (trialKeys.length === 0) return [];
    await this.sync();
    return this.index.finishedTrialsByKeys(trialKeys, options.groupKeys);
  }

  /**
   * Downloads the run's `model/` artifacts to `destDir/model`. Nothing is downloaded (and `files` is
   * empty) when the run has no `model/` folder. Reads the server directly: throws when it is unreachable.
   * @throws UserError `E_RUN_NOT_FOUND` for a run id the server does not know.
   */
  async downloadTrialModel(runId: string, destDir: string): Promise<DownloadedModel> {
    const run = await this.index.findRun(runId);
    if (!run) {
      throw new UserError(
        'E_RUN_NOT_FOUND',
        `MLflow run ${runId} does not exist on ${this.client.trackingUri}; check the run id (seedsweep status lists trials and their runs) and MLFLOW_TRACKING_URI`,
      );
    }
    const artifactPath = ARTIFACT.model;
    const dir = path.join(destDir, artifactPath);
    const top = await this.client.listArtifacts({ runId, path: artifactPath });
    if (top.length === 0) return { dir, artifactPath, files: [] };
    const downloaded = await this.client.downloadArtifacts({ runId, artifactPath, destDir });
    return { dir: downloaded, artifactPath, files: await filesUnder(downloaded) };
  }

  /**
   * The sweep's report JSON (`report/report.json` on its parent run), parsed. Sends pending writes
   * first (best effort); throws when the server is unreachable.
   */
  async sweepReport(sweepId: string): Promise<unknown> {
    await this.sync();
    const text = await this.index.sweepArtifactText(sweepId, SWEEP_REPORT_ARTIFACT);
    if (text === undefined) return undefined;
    try {
      return fromJson<unknown>(text);
    } catch (error) {
      throw new Error(
        `the report ${SWEEP_REPORT_ARTIFACT} of sweep ${sweepId} on ${this.client.trackingUri} is not JSON: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /**
   * Creates the run (and its experiment if needed) with its tags, logs params and metrics in as few
   * requests as MLflow's limits allow, uploads the files and marks it FINISHED. Long tag and param
   * values are cut with a marker, as for trial runs. Should a step fail, the run is marked FAILED (best
   * effort) and the error is thrown.
   * @throws UserError `E_MLFLOW_UNAVAILABLE` when the server cannot be reached (saying that nothing was
   * journaled, unlike the other writes), or the client's `E_MLFLOW_REQUEST` / `E_MLFLOW_AUTH`.
   */
  async logStandaloneRun(run: StandaloneRun): Promise<LoggedRun> {
    try {
      return await this.sendStandaloneRun(run);
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      throw new UserError(
        'E_MLFLOW_UNAVAILABLE',
        `MLflow ${error.method} ${error.endpoint} at ${error.trackingUri} failed after ${error.attempts} attempt(s): ` +
          `${error.status === undefined ? '' : `HTTP ${error.status} `}${error.reason}; run ${run.runName} was not logged (runs outside a sweep are not journaled). ` +
          'Is the tracking server running and MLFLOW_TRACKING_URI right?',
        { cause: error },
      );
    }
  }

  private async sendStandaloneRun(run: StandaloneRun): Promise<LoggedRun> {
    const experimentId = await this.client.getOrCreateExperiment(run.experiment);
    const tags = Object.fromEntries(
      Object.entries(run.tags ?? {}).map(([key, value]) => [key, clampTag(value)]),
    );
    const { runId } = await this.client.createRun({ experimentId, runName: run.runName, tags });
    try {
      const now = Date.now();
      await this.client.logBatch({
        runId,
        params: Object.entries(run.params ?? {}).map(([key, value]) => ({ key, value: clampParam(value) })),
        metrics: (run.metrics ?? []).map((m) => ({
          key: m.key,
          value: m.value,
          step: m.step ?? 0,
          timestamp: m.timestamp ?? now,
        })),
      });
      for (const file of run.files ?? [])
        await this.client.uploadArtifact({
          runId,
          localPath: file.localPath,
          artifactPath: file.artifactPath,
        });
      await this.client.updateRun({ runId, status: 'FINISHED', endTime: Date.now() });
    } catch (error) {
      await this.client.updateRun({ runId, status: 'FAILED', endTime: Date.now() }).catch(() => undefined);
      throw error;
    }
    return { experimentId, runId };
  }

  /** The MLflow run id of a trial, once its run exists on the server; undefined before. */
  async runIdOf(sweepId: string, trialKey: string): Promise<string | undefined> {
    const journaled = this.runs.get(sweepId, trialKey);
    if (journaled && !journaled.superseded) return journaled.runId;
    try {
      return await this.index.trialRunId(sweepId, trialKey);
    } catch (error) {
      if (error instanceof NotReadyError) return undefined;
      throw error;
    }
  }

  /** Entries journaled but not yet delivered. */
  pendingCount(): number {
    return this.outbox.pendingCount();
  }

  /**
   * Sends every pending entry (of every process sharing the outbox), oldest first. Never throws
   * because the server is down: it reports what is still pending and why.
   */
  async sync(): Promise<SyncResult> {
    return this.sender.sync();
  }
}

function clampParam(value: string): string {
  return value.length > MAX_PARAM_VALUE ? `${value.slice(0, MAX_PARAM_VALUE - 20)}… [truncated]` : value;
}

/** Files under a local folder, relative to it, `/`-separated, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}
