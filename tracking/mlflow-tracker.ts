/**
 * The MLflow implementation of {@link Tracker}. Every write is journaled in the durable
 * {@link Outbox} first and sent afterwards (right away when `autoSync` is on), so callers never wait
 * on, or fail because of, an unreachable tracking server.
 *
 * Sending is idempotent, because an entry may be sent again after a crash or a lost answer:
 * - runs are found by tags (`seedsweep.sweep_id`, `seedsweep.trial_key`, `seedsweep.role`) before one
 *   is created; the earliest wins if duplicates ever exist;
 * - metric points are compared with the run's metric history by (key, step) and only missing ones are
 *   logged;
 * - params already set are skipped (MLflow refuses to change one), tags and artifacts are overwritten
 *   with the same content.
 *
 * Thread safety: one instance serialises its own sends; instances in several processes sharing an
 * outbox folder take turns through the outbox's lock file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TrialRecord } from '../analysis/types.js';
import { isUserError } from '../common/errors.js';
import type { EpochMetrics, TrialResult } from '../engine/types.js';
import type { PlannedTrial } from '../spec/types.js';
import type { MetricPoint, MlflowClient, MlflowRun } from './mlflow-client.js';
import { MlflowRequestError, MlflowUnavailableError } from './mlflow-errors.js';
import { Outbox, type BlobSource, type OutboxEntry } from './outbox.js';
import {
  ARTIFACT,
  RunRole,
  TAG,
  clampTag,
  environmentTags,
  epochMetricValues,
  finalMetricValues,
  tagEquals,
  trialParams,
  trialRunName,
  trialTags,
} from './run-data.js';
import type { RunStatus, SweepInfo, Tracker } from './types.js';

/** One journaled tracking write. `time` (ms since the epoch) is when the caller made it. */
export type TrackingEntry =
  | { kind: 'startSweep'; time: number; sweep: SweepInfo }
  | { kind: 'startTrial'; time: number; sweepId: string; trial: PlannedTrial; tags: Record<string, string> }
  | { kind: 'logEpoch'; time: number; sweepId: string; trialKey: string; metrics: EpochMetrics }
  | {
      kind: 'finishTrial';
      time: number;
      sweepId: string;
      trialKey: string;
      status: RunStatus;
      result?: TrialResult;
      error?: string;
      /** True when the model folder was copied into the entry's blobs as `model`. */
      hasModel: boolean;
    }
  | { kind: 'finishSweep'; time: number; sweepId: string; status: RunStatus; files: { blob: string; artifactPath: string }[] };

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
}

export interface SyncResult {
  /** Entries delivered by this call. */
  sent: number;
  /** Entries still waiting (server down, or waiting for an entry another process has not sent yet). */
  pending: number;
  /** Entries the server rejected for good so far (kept in `<outbox>/failed/`). */
  failed: number;
  /** Why sending stopped early, when it did (e.g. the server is unreachable). */
  error?: string;
}

/** Thrown inside a send when an entry needs something not on the server yet (its sweep or trial run): keep it, try later. */
class NotYetError extends Error {}

interface SweepRef {
  experimentId: string;
  parentRunId: string;
}

/** Initial and longest pause of automatic sends after the server was found unreachable, in ms. */
const OUTAGE_BACKOFF_MS = { first: 5_000, max: 60_000 } as const;

export class MlflowTracker implements Tracker {
  readonly client: MlflowClient;
  readonly outbox: Outbox<TrackingEntry>;
  private readonly autoSync: boolean;
  private readonly warn: (message: string) => void;
  private readonly lockWaitMs: number;
  private readonly sweepIndexDir: string;
  private readonly sweeps = new Map<string, SweepRef>();
  private readonly trialRuns = new Map<string, string>();
  private running: Promise<SyncResult> | undefined;
  private queued: Promise<SyncResult> | undefined;
  private queuedExplicit = false;
  private autoPausedUntil = 0;
  private outageBackoffMs: number = OUTAGE_BACKOFF_MS.first;
  private outageReported = false;

  constructor(options: MlflowTrackerOptions) {
    this.client = options.client;
    this.outbox = new Outbox<TrackingEntry>({ dir: options.outboxDir });
    this.autoSync = options.autoSync ?? true;
    this.warn = options.warn ?? ((message) => process.stderr.write(`seedsweep tracking: ${message}\n`));
    this.lockWaitMs = options.lockWaitMs ?? 300_000;
    this.sweepIndexDir = path.join(this.outbox.dir, 'sweeps');
    mkdirSync(this.sweepIndexDir, { recursive: true });
  }

  // ---- Tracker: writes (journal, then maybe send) --------------------------------------------

  async startSweep(sweep: SweepInfo): Promise<void> {
    this.rememberSweepName(sweep.sweepId, sweep.sweepName);
    await this.write({ kind: 'startSweep', time: Date.now(), sweep });
  }

  async startTrial(sweepId: string, trial: PlannedTrial, tags: Record<string, string> = {}): Promise<void> {
    await this.write({ kind: 'startTrial', time: Date.now(), sweepId, trial, tags: { ...environmentTags(), ...tags } });
  }

  async logEpoch(sweepId: string, trialKey: string, metrics: EpochMetrics): Promise<void> {
    await this.write({ kind: 'logEpoch', time: Date.now(), sweepId, trialKey, metrics });
  }

  async finishTrial(
    sweepId: string,
    trialKey: string,
    outcome: { status: RunStatus; result?: TrialResult; error?: string },
  ): Promise<void> {
    const modelDir = outcome.result?.modelDir;
    const blobs: BlobSource[] = modelDir && this.existsOrWarn(modelDir) ? [{ source: modelDir, name: ARTIFACT.model }] : [];
    const entry: TrackingEntry = {
      kind: 'finishTrial',
      time: Date.now(),
      sweepId,
      trialKey,
      status: outcome.status,
      hasModel: blobs.length > 0,
      ...(outcome.result ? { result: outcome.result } : {}),
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
    };
    await this.write(entry, blobs);
  }

  async finishSweep(
    sweepId: string,
    outcome: { status: RunStatus; files?: { localPath: string; artifactPath: string }[] },
  ): Promise<void> {
    const present = (outcome.files ?? []).filter((file) => this.existsOrWarn(file.localPath));
    const files = present.map((file, index) => ({ blob: `file-${index}`, artifactPath: file.artifactPath }));
    const blobs = present.map((file, index) => ({ source: file.localPath, name: `file-${index}` }));
    await this.write({ kind: 'finishSweep', time: Date.now(), sweepId, status: outcome.status, files }, blobs);
  }

  /** A file to upload that is already gone is reported and skipped rather than failing the write forever. */
  private existsOrWarn(localPath: string): boolean {
    if (existsSync(localPath)) return true;
    this.warn(`${localPath} does not exist; it is not uploaded.`);
    return false;
  }

  // ---- Tracker: reads ----------------------------------------------------------------------------

  /**
   * Finished trials (run status FINISHED with a `trial.json` record) of every sweep id of a sweep name,
   * or of one sweep id. Sends pending writes first (best effort). Throws when the server is unreachable.
   */
  async finishedTrials(filter: { sweepName?: string; sweepId?: string }): Promise<TrialRecord[]> {
    await this.sync();
    let experimentIds: string[];
    if (filter.sweepName !== undefined) {
      const id = await this.client.getExperimentIdByName(filter.sweepName);
      experimentIds = id === undefined ? [] : [id];
    } else if (filter.sweepId !== undefined) {
      const sweep = await this.findSweep(filter.sweepId);
      experimentIds = sweep ? [sweep.experimentId] : [];
    } else {
      throw new Error('finishedTrials needs a sweepName or a sweepId');
    }
    const clauses = [tagEquals(TAG.role, RunRole.trial), "attributes.status = 'FINISHED'"];
    if (filter.sweepId !== undefined) clauses.push(tagEquals(TAG.sweepId, filter.sweepId));
    const runs = await this.client.searchRuns({
      experimentIds,
      filter: clauses.join(' and '),
      orderBy: ['attributes.start_time ASC'],
    });
    const records = await mapLimited(runs, 8, async (run): Promise<TrialRecord | undefined> => {
      const text = await this.client.readArtifactText({ runId: run.runId, artifactPath: ARTIFACT.trialRecord });
      if (text === undefined) return undefined;
      const record = JSON.parse(text) as TrialRecord;
      return { ...record, runId: run.runId, sweepId: run.tags[TAG.sweepId] ?? record.sweepId };
    });
    // Should two hosts ever have raced to create one trial's run, the earliest run stands for it.
    const unique = new Map<string, TrialRecord>();
    for (const record of records) {
      if (!record) continue;
      const key = `${record.sweepId ?? ''}\u0000${record.trialKey}`;
      if (!unique.has(key)) unique.set(key, record);
    }
    return [...unique.values()];
  }

  /** The MLflow run id of a trial, once its run exists on the server; undefined before. */
  async runIdOf(sweepId: string, trialKey: string): Promise<string | undefined> {
    try {
      return await this.trialRunId(sweepId, trialKey);
    } catch (error) {
      if (error instanceof NotYetError) return undefined;
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
    return this.schedule(true);
  }

  // ---- journaling and scheduling -------------------------------------------------------------

  private async write(entry: TrackingEntry, blobs: BlobSource[] = []): Promise<void> {
    this.outbox.append(entry, { blobs });
    if (!this.autoSync || Date.now() < this.autoPausedUntil) return;
    try {
      await this.schedule(false);
    } catch (error) {
      // The write is journaled; a failed send must not fail the caller.
      this.warn(`sending journaled writes failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** One send at a time per instance; calls arriving meanwhile share one follow-up send. */
  private schedule(explicit: boolean): Promise<SyncResult> {
    if (!this.running) {
      this.running = this.sendAll(explicit).finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.queuedExplicit ||= explicit;
    if (!this.queued) {
      this.queued = this.running.catch(() => undefined).then(() => {
        const queuedExplicit = this.queuedExplicit;
        this.queued = undefined;
        this.queuedExplicit = false;
        return this.schedule(queuedExplicit);
      });
    }
    return this.queued;
  }

  private async sendAll(explicit: boolean): Promise<SyncResult> {
    let sent = 0;
    let error: string | undefined;
    for (;;) {
      const release = await this.outbox.acquireLock({ waitMs: explicit ? this.lockWaitMs : 0 });
      // Another process is sending: it rechecks for new entries after releasing, ours included.
      if (!release) break;
      const seen = new Set<string>();
      let stopped = false;
      try {
        const pass = await this.sendPass(seen);
        sent += pass.sent;
        if (pass.stopError !== undefined) {
          stopped = true;
          error = this.noteFailure(pass.stopError);
        } else {
          this.noteSuccess();
        }
      } finally {
        release();
      }
      // Entries appended while we held the lock by processes that found it taken: send them too.
      if (stopped || this.outbox.pendingIds().every((id) => seen.has(id))) break;
    }
    return { sent, pending: this.outbox.pendingCount(), failed: this.outbox.failedCount(), ...(error ? { error } : {}) };
  }

  private noteFailure(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof MlflowUnavailableError) {
      this.autoPausedUntil = Date.now() + this.outageBackoffMs;
      this.outageBackoffMs = Math.min(OUTAGE_BACKOFF_MS.max, this.outageBackoffMs * 2);
      if (!this.outageReported) {
        this.outageReported = true;
        this.warn(`${message} ${this.outbox.pendingCount()} write(s) are journaled in ${this.outbox.dir}.`);
      }
    } else {
      this.warn(message);
    }
    return message;
  }

  private noteSuccess(): void {
    if (this.outageReported) this.warn(`tracking server ${this.client.trackingUri} is reachable again; journaled writes sent.`);
    this.outageReported = false;
    this.autoPausedUntil = 0;
    this.outageBackoffMs = OUTAGE_BACKOFF_MS.first;
  }

  /**
   * One pass over the pending entries in order. An entry waiting for its sweep or trial run holds back
   * the later entries of the same sweep/trial; an entry the server rejects moves to `failed/`; an
   * unreachable server or a configuration error (auth, artifacts) stops the pass.
   */
  private async sendPass(seen: Set<string>): Promise<{ sent: number; stopError?: unknown }> {
    const ids = this.outbox.pendingIds();
    const entries: OutboxEntry<TrackingEntry>[] = [];
    for (const id of ids) {
      seen.add(id);
      const entry = this.outbox.read(id);
      if (entry) entries.push(entry);
    }
    const held = new Set<string>();
    const done = new Set<string>();
    let sent = 0;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (done.has(entry.id)) continue;
      const stream = streamOf(entry.body);
      if (held.has(stream) || held.has(sweepStream(sweepIdOf(entry.body)))) continue;
      const group = [entry];
      if (entry.body.kind === 'logEpoch') {
        // Later epochs of the same trial, up to its next other write, go in the same requests.
        for (const later of entries.slice(i + 1)) {
          if (streamOf(later.body) !== stream) continue;
          if (later.body.kind !== 'logEpoch') break;
          group.push(later);
        }
      }
      try {
        await this.deliver(group);
        for (const member of group) {
          this.outbox.complete(member.id);
          done.add(member.id);
        }
        sent += group.length;
      } catch (error) {
        if (error instanceof NotYetError) {
          held.add(stream);
        } else if (stopsPass(error)) {
          return { sent, stopError: error };
        } else {
          const reason = error instanceof Error ? error.message : String(error);
          for (const member of group) {
            this.outbox.fail(member.id, reason);
            done.add(member.id);
          }
          this.warn(`a ${entry.body.kind} write was rejected and moved to ${path.join(this.outbox.dir, 'failed')}: ${reason}`);
        }
      }
      this.outbox.touchLock();
    }
    return { sent };
  }

  // ---- delivery of one entry (or a group of epochs) ------------------------------------------

  private async deliver(group: OutboxEntry<TrackingEntry>[]): Promise<void> {
    const first = group[0]!;
    const body = first.body;
    switch (body.kind) {
      case 'startSweep':
        return this.deliverStartSweep(body);
      case 'startTrial':
        return this.deliverStartTrial(body);
      case 'logEpoch': {
        const runId = await this.trialRunId(body.sweepId, body.trialKey);
        const points = group.flatMap(({ body: member }) =>
          member.kind === 'logEpoch' ? metricPoints(epochMetricValues(member.metrics), member.metrics.epoch, member.time) : [],
        );
        return this.logMissingPoints(runId, points);
      }
      case 'finishTrial':
        return this.deliverFinishTrial(first.id, body);
      case 'finishSweep':
        return this.deliverFinishSweep(first.id, body);
    }
  }

  private async deliverStartSweep(entry: Extract<TrackingEntry, { kind: 'startSweep' }>): Promise<void> {
    const { sweep } = entry;
    const experimentId = await this.client.getOrCreateExperiment(sweep.sweepName);
    const tags = { ...sweep.tags, [TAG.role]: RunRole.sweep, [TAG.sweepId]: sweep.sweepId, [TAG.sweepName]: sweep.sweepName };
    let parent = await this.findParentRun([experimentId], sweep.sweepId);
    if (!parent) {
      parent = await this.client.createRun({ experimentId, runName: sweep.sweepId, startTime: entry.time, tags });
    } else {
      await this.client.logBatch({ runId: parent.runId, tags: keyValues(tags) });
      // A resumed sweep: its parent run is running again.
      if (parent.status !== 'RUNNING') await this.client.updateRun({ runId: parent.runId, status: 'RUNNING' });
    }
    this.sweeps.set(sweep.sweepId, { experimentId, parentRunId: parent.runId });
  }

  private async deliverStartTrial(entry: Extract<TrackingEntry, { kind: 'startTrial' }>): Promise<void> {
    const sweep = await this.requireSweep(entry.sweepId);
    const identity = trialTags(entry.sweepId, entry.trial);
    let run = await this.findTrialRun(sweep.experimentId, entry.sweepId, entry.trial.trialKey);
    if (!run) {
      run = await this.client.createRun({
        experimentId: sweep.experimentId,
        runName: trialRunName(entry.trial),
        startTime: entry.time,
        tags: { ...identity, [TAG.parentRunId]: sweep.parentRunId },
      });
    } else if (run.status === 'FAILED' || run.status === 'KILLED') {
      // The trial is being retried: same run, running again.
      await this.client.updateRun({ runId: run.runId, status: 'RUNNING' });
    }
    this.trialRuns.set(trialRef(entry.sweepId, entry.trial.trialKey), run.runId);
    // MLflow refuses to change a param: set only those not there yet.
    const params = Object.entries(trialParams(entry.trial))
      .filter(([key]) => !(key in run.params))
      .map(([key, value]) => ({ key, value }));
    const tags = keyValues({ ...entry.tags, ...identity, [TAG.parentRunId]: sweep.parentRunId });
    await this.client.logBatch({ runId: run.runId, params, tags });
    await this.client.putArtifact({
      runId: run.runId,
      artifactPath: ARTIFACT.plannedTrial,
      data: JSON.stringify({ sweepId: entry.sweepId, trial: entry.trial }, null, 2),
    });
  }

  private async deliverFinishTrial(id: string, entry: Extract<TrackingEntry, { kind: 'finishTrial' }>): Promise<void> {
    const runId = entry.result
      ? await this.trialRunId(entry.sweepId, entry.trialKey)
      : await this.trialRunIdOrCreate(entry.sweepId, entry.trialKey, entry.time);
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
      tags[TAG.resumedFromEpoch] = String(result.resumedFromEpoch);
      if (entry.hasModel) {
        await this.client.uploadArtifactDir({ runId, localDir: this.outbox.blobPath(id, ARTIFACT.model), artifactPath: ARTIFACT.model });
      }
    }
    if (Object.keys(tags).length > 0) await this.client.logBatch({ runId, tags: keyValues(tags) });
    if (result) {
      const planned = await this.client.readArtifactText({ runId, artifactPath: ARTIFACT.plannedTrial });
      if (planned === undefined) throw new Error(`run ${runId} has no ${ARTIFACT.plannedTrial}; was the trial started through seedsweep?`);
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
      const curves = { trialKey: trial.trialKey, groupLabel: trial.groupLabel, seed: trial.seed, epochs: result.epochs };
      await this.client.putArtifact({ runId, artifactPath: ARTIFACT.curves, data: JSON.stringify(curves, null, 2) });
      // Last before the status: a FINISHED run always has its record.
      await this.client.putArtifact({ runId, artifactPath: ARTIFACT.trialRecord, data: JSON.stringify(record, null, 2) });
    }
    await this.client.updateRun({ runId, status: entry.status, endTime: entry.time });
  }

  private async deliverFinishSweep(id: string, entry: Extract<TrackingEntry, { kind: 'finishSweep' }>): Promise<void> {
    const sweep = await this.requireSweep(entry.sweepId);
    for (const file of entry.files) {
      await this.client.uploadArtifact({
        runId: sweep.parentRunId,
        localPath: this.outbox.blobPath(id, file.blob),
        artifactPath: file.artifactPath,
      });
    }
    await this.client.updateRun({ runId: sweep.parentRunId, status: entry.status, endTime: entry.time });
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

  // ---- finding runs --------------------------------------------------------------------------

  private async trialRunId(sweepId: string, trialKey: string): Promise<string> {
    const ref = trialRef(sweepId, trialKey);
    const known = this.trialRuns.get(ref);
    if (known) return known;
    const sweep = await this.requireSweep(sweepId);
    const run = await this.findTrialRun(sweep.experimentId, sweepId, trialKey);
    if (!run) throw new NotYetError(`trial ${trialKey} of sweep ${sweepId} has no run yet`);
    this.trialRuns.set(ref, run.runId);
    return run.runId;
  }

  /**
   * The trial's run, created bare if there is none: a trial can fail (and be recorded as failed) before
   * its start was ever written, and that record must not wait forever for a start that never comes.
   */
  private async trialRunIdOrCreate(sweepId: string, trialKey: string, time: number): Promise<string> {
    try {
      return await this.trialRunId(sweepId, trialKey);
    } catch (error) {
      if (!(error instanceof NotYetError)) throw error;
    }
    const sweep = await this.requireSweep(sweepId);
    const run = await this.client.createRun({
      experimentId: sweep.experimentId,
      runName: trialKey,
      startTime: time,
      tags: { [TAG.role]: RunRole.trial, [TAG.sweepId]: sweepId, [TAG.trialKey]: trialKey, [TAG.parentRunId]: sweep.parentRunId },
    });
    this.trialRuns.set(trialRef(sweepId, trialKey), run.runId);
    return run.runId;
  }

  private async requireSweep(sweepId: string): Promise<SweepRef> {
    const sweep = await this.findSweep(sweepId);
    if (!sweep) throw new NotYetError(`sweep ${sweepId} has no parent run yet`);
    return sweep;
  }

  /** The sweep's experiment and parent run: from memory, the local name index, or a search of all experiments. */
  private async findSweep(sweepId: string): Promise<SweepRef | undefined> {
    const known = this.sweeps.get(sweepId);
    if (known) return known;
    const name = this.sweepNameOf(sweepId);
    let experimentIds: string[];
    if (name !== undefined) {
      const id = await this.client.getExperimentIdByName(name);
      experimentIds = id === undefined ? [] : [id];
    } else {
      experimentIds = await this.client.listExperimentIds();
    }
    const parent = await this.findParentRun(experimentIds, sweepId);
    if (!parent) return undefined;
    const ref = { experimentId: parent.experimentId, parentRunId: parent.runId };
    this.sweeps.set(sweepId, ref);
    return ref;
  }

  private async findParentRun(experimentIds: string[], sweepId: string): Promise<MlflowRun | undefined> {
    const filter = `${tagEquals(TAG.role, RunRole.sweep)} and ${tagEquals(TAG.sweepId, sweepId)}`;
    for (let i = 0; i < experimentIds.length; i += 100) {
      const runs = await this.client.searchRuns({
        experimentIds: experimentIds.slice(i, i + 100),
        filter,
        orderBy: ['attributes.start_time ASC'],
        maxResults: 1,
      });
      if (runs[0]) return runs[0];
    }
    return undefined;
  }

  private async findTrialRun(experimentId: string, sweepId: string, trialKey: string): Promise<MlflowRun | undefined> {
    const runs = await this.client.searchRuns({
      experimentIds: [experimentId],
      filter: [tagEquals(TAG.role, RunRole.trial), tagEquals(TAG.sweepId, sweepId), tagEquals(TAG.trialKey, trialKey)].join(' and '),
      orderBy: ['attributes.start_time ASC'],
      maxResults: 1,
    });
    return runs[0];
  }

  /** Sweep id → sweep name, kept locally so trial writes find their experiment without scanning all. */
  private rememberSweepName(sweepId: string, sweepName: string): void {
    const file = this.sweepIndexFile(sweepId);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ sweepId, sweepName }));
    renameSync(tmp, file);
  }

  private sweepNameOf(sweepId: string): string | undefined {
    try {
      return (JSON.parse(readFileSync(this.sweepIndexFile(sweepId), 'utf8')) as { sweepName: string }).sweepName;
    } catch {
      return undefined;
    }
  }

  private sweepIndexFile(sweepId: string): string {
    return path.join(this.sweepIndexDir, `${createHash('sha256').update(sweepId).digest('hex').slice(0, 32)}.json`);
  }
}

/** Errors that are about the server or the setup rather than one entry: stop and keep everything. */
function stopsPass(error: unknown): boolean {
  if (error instanceof MlflowUnavailableError) return true;
  if (error instanceof MlflowRequestError) return error.status === 401 || error.status === 403;
  return isUserError(error) && SETUP_ERROR_CODES.has(error.code);
}
const SETUP_ERROR_CODES = new Set(['E_MLFLOW_ARTIFACTS_NOT_PROXIED', 'E_MLFLOW_URI']);

/** Entries of one stream are sent in order: a sweep's own writes, or one trial's. */
function streamOf(entry: TrackingEntry): string {
  switch (entry.kind) {
    case 'startSweep':
    case 'finishSweep':
      return sweepStream(sweepIdOf(entry));
    case 'startTrial':
      return trialRef(entry.sweepId, entry.trial.trialKey);
    default:
      return trialRef(entry.sweepId, entry.trialKey);
  }
}

function sweepIdOf(entry: TrackingEntry): string {
  return entry.kind === 'startSweep' ? entry.sweep.sweepId : entry.sweepId;
}

function sweepStream(sweepId: string): string {
  return `sweep\u0000${sweepId}`;
}

function trialRef(sweepId: string, trialKey: string): string {
  return `trial\u0000${sweepId}\u0000${trialKey}`;
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

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  });
  await Promise.all(workers);
  return results;
}
