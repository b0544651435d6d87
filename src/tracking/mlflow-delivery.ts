/**
 * Delivering journaled tracking writes to MLflow: one {@link TrackingEntry} (or a group of one trial's
 * epochs) → the REST calls that make the server hold it.
 *
 * Delivery is idempotent, because an entry may be sent again after a crash or a lost answer:
 * - runs are found by tags (through the {@link RunIndex}) before one is created;
 * - metric points are compared with the run's metric history by (key, step) and only missing ones are
 *   logged;
 * - params already set are skipped (MLflow refuses to change one), tags and artifacts are overwritten
 *   with the same content.
 */
import { isUserError } from '../core/common/errors.js';
import { faultPoint } from '../core/common/fault-points.js';
import type { EpochMetrics, PlannedTrial, TrialRecord, TrialResult } from '../core/domain/trial.js';
import type { Delivery, DeliveryErrorKind } from './journaled-sender.js';
import { NotReadyError } from './journaled-sender.js';
import { toJson } from './json-numbers.js';
import type { MetricPoint, MlflowClient } from './mlflow-client.js';
import { MlflowRequestError, MlflowUnavailableError } from './mlflow-errors.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import {
  ARTIFACT,
  RunRole,
  TAG,
  clampTag,
  epochMetricValues,
  finalMetricValues,
  trialParams,
  trialRunName,
  trialTags,
} from './run-data.js';
import { mapLimited, sweepRefOf, trialRef, type RunIndex } from './run-index.js';
import type { RunStatus, SweepInfo } from './types.js';

/** One journaled tracking write. `time` (ms since the epoch) is when the caller made it. */
export type TrackingEntry =
  | { kind: 'startSweep'; time: number; sweep: SweepInfo }
  | { kind: 'startTrial'; time: number; sweepId: string; trial: PlannedTrial; tags: Record<string, string> }
  | {
      kind: 'logEpoch';
      time: number;
      sweepId: string;
      trialKey: string;
      metrics: EpochMetrics;
      /** The trial attempt that wrote it (see {@link MlflowDelivery.superseded}). */
      attempt?: number;
    }
  | {
      kind: 'finishTrial';
      time: number;
      sweepId: string;
      trialKey: string;
      attempt?: number;
      status: RunStatus;
      result?: TrialResult;
      error?: string;
      /** True when the model folder was copied into the entry's blobs as `model`. */
      hasModel: boolean;
    }
  | {
      kind: 'finishSweep';
      time: number;
      sweepId: string;
      status: RunStatus;
      files: { blob: string; artifactPath: string }[];
    };

export class MlflowDelivery implements Delivery<TrackingEntry> {
  private readonly client: MlflowClient;
  private readonly index: RunIndex;
  private readonly warn: (message: string) => void;

  constructor(options: { client: MlflowClient; index: RunIndex; warn?: (message: string) => void }) {
    this.client = options.client;
    this.index = options.index;
    this.warn = options.warn ?? (() => undefined);
  }

  get target(): string {
    return `tracking server ${this.client.trackingUri}`;
  }

  /** A sweep's own writes form one stream, each trial's writes another, which also waits on its sweep's. */
  streamsOf(entry: TrackingEntry): [string, ...string[]] {
    switch (entry.kind) {
      case 'startSweep':
        return [sweepStream(entry.sweep.sweepId)];
      case 'finishSweep':
        return [sweepStream(entry.sweepId)];
      case 'startTrial':
        return [trialRef(entry.sweepId, entry.trial.trialKey), sweepStream(entry.sweepId)];
      default:
        return [trialRef(entry.sweepId, entry.trialKey), sweepStream(entry.sweepId)];
    }
  }

  /** Consecutive epochs of one trial go out in the same requests. */
  batchable(entry: TrackingEntry): boolean {
    return entry.kind === 'logEpoch';
  }

  describe(entry: TrackingEntry): string {
    return `a ${entry.kind} write`;
  }

  /** Errors about the server or the setup rather than one entry stop the pass and keep everything. */
  classify(error: unknown): DeliveryErrorKind {
    if (error instanceof MlflowUnavailableError) return 'unavailable';
    if (error instanceof MlflowRequestError)
      return error.status === 401 || error.status === 403 ? 'stop' : 'reject';
    return isUserError(error) && SETUP_ERROR_CODES.has(error.code) ? 'stop' : 'reject';
  }

  async deliver(group: OutboxEntry<TrackingEntry>[], outbox: Outbox<TrackingEntry>): Promise<void> {
    const first = group[0]!;
    const body = first.body;
    switch (body.kind) {
      case 'startSweep':
        return this.startSweep(body);
      case 'startTrial':
        return this.startTrial(body);
      case 'logEpoch': {
        const runId = await this.index.trialRunId(body.sweepId, body.trialKey);
        const current = await this.superseded(runId, body);
        const points = group.flatMap(({ body: member }) =>
          member.kind === 'logEpoch' && !(current !== undefined && (member.attempt ?? current) < current)
            ? metricPoints(epochMetricValues(member.metrics), member.metrics.epoch, member.time)
            : [],
        );
        await this.logMissingPoints(runId, points);
        faultPoint('log-batch'); // the sender marks the group delivered right after this returns
        return;
      }
      case 'finishTrial':
        return this.finishTrial(body, (name) => outbox.blobPath(first.id, name));
      case 'finishSweep':
        return this.finishSweep(body, (name) => outbox.blobPath(first.id, name));
    }
  }

  private async startSweep(entry: Extract<TrackingEntry, { kind: 'startSweep' }>): Promise<void> {
    const { sweep } = entry;
    const experimentId = await this.client.getOrCreateExperiment(sweep.sweepName);
    const tags: Record<string, string> = {
      ...sweep.tags,
      ...(sweep.datasetFingerprint !== undefined
        ? { [TAG.datasetFingerprint]: sweep.datasetFingerprint }
        : {}),
      [TAG.role]: RunRole.sweep,
      [TAG.sweepId]: sweep.sweepId,
      [TAG.sweepName]: sweep.sweepName,
    };
    let parent = await this.index.findParentRun([experimentId], sweep.sweepId);
    if (!parent) {
      parent = await this.client.createRun({
        experimentId,
        runName: sweep.sweepId,
        startTime: entry.time,
        tags,
      });
    } else {
      await this.client.logBatch({ runId: parent.runId, tags: keyValues(tags) });
      // A resumed sweep: its parent run is running again.
      if (parent.status !== 'RUNNING')
        await this.client.updateRun({ runId: parent.runId, status: 'RUNNING' });
    }
    const fingerprint = tags[TAG.datasetFingerprint] ?? sweepRefOf(parent).datasetFingerprint;
    this.index.rememberSweep(sweep.sweepId, {
      experimentId,
      parentRunId: parent.runId,
      ...(fingerprint !== undefined ? { datasetFingerprint: fingerprint } : {}),
    });
  }

  private async startTrial(entry: Extract<TrackingEntry, { kind: 'startTrial' }>): Promise<void> {
    const sweep = await this.index.requireSweep(entry.sweepId);
    const identity = trialTags(entry.sweepId, entry.trial);
    let run = await this.index.findTrialRun(sweep.experimentId, entry.sweepId, entry.trial.trialKey);
    if (!run) {
      // Look-up then create is not atomic: two hosts (a restarted worker re-sending its journal and
      // the retry's worker) may both create. Each then keeps the EARLIEST-created run, which both see
      // once both exist, and deletes its own if it lost: one run per trial, whoever writes.
      const created = await this.client.createRun({
        experimentId: sweep.experimentId,
        runName: trialRunName(entry.trial),
        startTime: Date.now(),
        tags: { ...identity, [TAG.parentRunId]: sweep.parentRunId },
      });
      run =
        (await this.index.findTrialRun(sweep.experimentId, entry.sweepId, entry.trial.trialKey)) ?? created;
      if (run.runId !== created.runId) await this.client.deleteRun(created.runId);
    } else if (run.status === 'FAILED' || run.status === 'KILLED') {
      // The trial is being retried: same run, running again.
      await this.client.updateRun({ runId: run.runId, status: 'RUNNING' });
    }
    this.index.rememberTrialRun(entry.sweepId, entry.trial.trialKey, run.runId);
    // MLflow refuses to change a param: set only those not there yet.
    const params = Object.entries(trialParams(entry.trial))
      .filter(([key]) => !(key in run.params))
      .map(([key, value]) => ({ key, value }));
    // The sweep's dataset fingerprint, unless the caller gave the trial's own.
    const inherited: Record<string, string> =
      sweep.datasetFingerprint !== undefined ? { [TAG.datasetFingerprint]: sweep.datasetFingerprint } : {};
    // The attempt tag only grows: a superseded attempt's start, sent late, does not take the trial back.
    const { [TAG.attempt]: attempt, ...callerTags } = entry.tags;
    const latest = Number(run.tags[TAG.attempt]);
    const keepAttempt = attempt !== undefined && !(Number.isInteger(latest) && Number(attempt) < latest);
    const tags = keyValues({
      ...inherited,
      ...callerTags,
      ...(keepAttempt ? { [TAG.attempt]: attempt } : {}),
      ...identity,
      [TAG.parentRunId]: sweep.parentRunId,
    });
    await this.client.logBatch({ runId: run.runId, params, tags });
    await this.client.putArtifact({
      runId: run.runId,
      artifactPath: ARTIFACT.plannedTrial,
      data: JSON.stringify({ sweepId: entry.sweepId, trial: entry.trial }, null, 2),
    });
  }

  private async finishTrial(
    entry: Extract<TrackingEntry, { kind: 'finishTrial' }>,
    blobPath: (name: string) => string,
  ): Promise<void> {
    const runId = entry.result
      ? await this.index.trialRunId(entry.sweepId, entry.trialKey)
      : await this.trialRunIdOrCreate(entry.sweepId, entry.trialKey, entry.time);
    const current = await this.superseded(runId, entry);
    if (current !== undefined && entry.attempt !== undefined && entry.attempt < current) return;
    const tags: Record<string, string> = {};
    if (entry.error !== undefined) tags[TAG.error] = clampTag(entry.error);
    const result = entry.result;
    if (result) {
      // Epoch points too: a trial resumed on another host may have logged its first epochs elsewhere.
      const points = [
        ...result.epochs.flatMap((epoch) => metricPoints(epochMetricValues(epoch), epoch.epoch, entry.time)),
        ...metricPoints(finalMetricValues(result), 0, entry.time),
      ];
      await this.logMissingPoints(runId, points);
      tags[TAG.backend] = result.backend.name;
      tags[TAG.backendVersion] = result.backend.version;
      if (result.backend.tfVersion !== undefined) tags[TAG.tfVersion] = result.backend.tfVersion;
      if (result.backend.device !== undefined) tags[TAG.device] = result.backend.device;
      tags[TAG.resumedFromEpoch] = String(result.resumedFromEpoch);
      if (result.trainingPath !== undefined) tags[TAG.trainingPath] = result.trainingPath;
      if (entry.hasModel) {
        await this.client.uploadArtifactDir({
          runId,
          localDir: blobPath(ARTIFACT.model),
          artifactPath: ARTIFACT.model,
        });
      }
    }
    if (Object.keys(tags).length > 0) await this.client.logBatch({ runId, tags: keyValues(tags) });
    if (result) {
      const planned = await this.client.readArtifactText({ runId, artifactPath: ARTIFACT.plannedTrial });
      if (planned === undefined)
        throw new Error(
          `run ${runId} has no ${ARTIFACT.plannedTrial}; was the trial started through seedsweep?`,
        );
      const { trial } = JSON.parse(planned) as { trial: PlannedTrial };
      const { modelDir: _localOnly, ...portableResult } = result;
      const record: TrialRecord = {
        trialKey: trial.trialKey,
        groupKey: trial.groupKey,
        groupLabel: trial.groupLabel,
        factors: trial.factors,
        seed: trial.seed,
        config: trial.config,
        result: portableResult,
        runId,
        sweepId: entry.sweepId,
      };
      const curves = {
        trialKey: trial.trialKey,
        groupLabel: trial.groupLabel,
        seed: trial.seed,
        epochs: result.epochs,
      };
      await this.client.putArtifact({ runId, artifactPath: ARTIFACT.curves, data: toJson(curves, 2) });
      // Last before the status: a FINISHED run always has its record.
      await this.client.putArtifact({ runId, artifactPath: ARTIFACT.trialRecord, data: toJson(record, 2) });
    }
    await this.client.updateRun({ runId, status: entry.status, endTime: entry.time });
  }

  private async finishSweep(
    entry: Extract<TrackingEntry, { kind: 'finishSweep' }>,
    blobPath: (name: string) => string,
  ): Promise<void> {
    const sweep = await this.index.requireSweep(entry.sweepId);
    for (const file of entry.files) {
      await this.client.uploadArtifact({
        runId: sweep.parentRunId,
        localPath: blobPath(file.blob),
        artifactPath: file.artifactPath,
      });
    }
    await this.client.updateRun({ runId: sweep.parentRunId, status: entry.status, endTime: entry.time });
  }

  /**
   * Fencing for a trial retried while its earlier attempt still runs (a host cut off from Temporal but
   * not from MLflow, or everyone during a Temporal outage): the run's `seedsweep.attempt` tag names the
   * latest attempt that started it, and writes of an earlier attempt are dropped. Returns that latest
   * attempt when `entry` carries an attempt, else undefined (no check: older journals, other callers).
   */
  private async superseded(
    runId: string,
    entry: { attempt?: number; trialKey: string },
  ): Promise<number | undefined> {
    if (entry.attempt === undefined) return undefined;
    const run = await this.index.findRun(runId);
    const latest = Number(run?.tags[TAG.attempt] ?? NaN);
    if (!Number.isInteger(latest)) return undefined;
    if (entry.attempt < latest)
      this.warn(
        `dropped late writes of trial ${entry.trialKey.slice(0, 12)} attempt ${entry.attempt}: attempt ${latest} has taken it over`,
      );
    return latest;
  }

  /**
   * The trial's run, created bare if there is none: a trial can fail (and be recorded as failed) before
   * its start was ever written, and that record must not wait forever for a start that never comes.
   */
  private async trialRunIdOrCreate(sweepId: string, trialKey: string, time: number): Promise<string> {
    try {
      return await this.index.trialRunId(sweepId, trialKey);
    } catch (error) {
      if (!(error instanceof NotReadyError)) throw error;
    }
    const sweep = await this.index.requireSweep(sweepId);
    const run = await this.client.createRun({
      experimentId: sweep.experimentId,
      runName: trialKey,
      startTime: time,
      tags: {
        [TAG.role]: RunRole.trial,
        [TAG.sweepId]: sweepId,
        [TAG.trialKey]: trialKey,
        [TAG.parentRunId]: sweep.parentRunId,
        ...(sweep.datasetFingerprint !== undefined
          ? { [TAG.datasetFingerprint]: sweep.datasetFingerprint }
          : {}),
      },
    });
    this.index.rememberTrialRun(sweepId, trialKey, run.runId);
    return run.runId;
  }

  /** Logs the points whose (key, step) the run does not have yet, reading the run's history first. */
  private async logMissingPoints(runId: string, points: MetricPoint[]): Promise<void> {
    const keys = [...new Set(points.map((point) => point.key))];
    const existing = new Set<string>();
    const histories = await mapLimited(keys, 8, (key) => this.client.getMetricHistory({ runId, key }));
    for (const history of histories) for (const point of history) existing.add(pointId(point));
    const missing: MetricPoint[] = [];
    for (const point of points) {
      const idOfPoint = pointId(point);
      if (existing.has(idOfPoint)) continue;
      existing.add(idOfPoint);
      missing.push(point);
    }
    if (missing.length > 0) await this.client.logBatch({ runId, metrics: missing });
  }
}

const SETUP_ERROR_CODES = new Set(['E_MLFLOW_ARTIFACTS_NOT_PROXIED', 'E_MLFLOW_URI']);

function sweepStream(sweepId: string): string {
  return `sweep\u0000${sweepId}`;
}

function metricPoints(values: Record<string, number>, step: number, timestamp: number): MetricPoint[] {
  return Object.entries(values).map(([key, value]) => ({ key, value, step, timestamp }));
}

function pointId(point: { key: string; step: number }): string {
  return `${point.key}\u0000${point.step}`;
}

function keyValues(record: Record<string, string>): { key: string; value: string }[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}
