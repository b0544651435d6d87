/**
 * Delivering journaled tracking writes to MLflow: one {@link TrackingEntry}, or a group of one trial's
 * consecutive entries (its start, epochs and end), → the REST calls that make the server hold it.
 *
 * Delivery is idempotent, because an entry may be sent again after a crash or a lost answer. On the
 * common path it is so without reading anything back:
 * - a trial's first start (the caller says so, see {@link StartTrialOptions}) creates its run with its
 *   tags and journals the run id locally ({@link TrialRunJournal}) before anything else: sending the
 *   start again finds the run there. A start sent again after a failure or by another process may have
 *   created its run without knowing: it looks for it with one search;
 * - the run is then "owned" by that start: its params go with the first log-batch, its metric points
 *   carry the time their entry was journaled, so a resent batch repeats rows MLflow already holds and
 *   ignores; tags (the trial's record among them) are overwritten with the same values; a record too
 *   long for a tag, written as `trial.json`, is overwritten with the same content; the end status is
 *   set again;
 * - a later attempt of the trial (a Temporal retry, perhaps on another host) takes the trial over with a
 *   run of its own and deletes the earlier attempt's, so that the earlier attempt, should it still run
 *   somewhere, can write nothing more: MLflow refuses writes to a deleted run, and they are dropped.
 * Runs found on the server rather than made (a caller that gave no start hint, a restart of a paused
 * trial, an equal attempt on two hosts) are "shared": their writes first read the run's metric history
 * and log only the points whose (key, step) it lacks, and params it does not have yet.
 *
 * A start that never reaches the server (its entry quarantined as damaged, or rejected) does not hold
 * back what depends on it: a sweep this outbox started gets a bare parent run, a trial whose start was
 * journaled before its other writes gets a run made from what they carry; both are searched for before
 * they are made, so that one is made however often the writes are sent.
 */
import { isUserError } from '../core/common/errors.js';
import { faultPoint } from '../core/common/fault-points.js';
import type { EpochMetrics, PlannedTrial, TrialRecord, TrialResult } from '../core/domain/trial.js';
import type { Delivery, DeliveryErrorKind } from './journaled-sender.js';
import { NotReadyError } from './journaled-sender.js';
import { toJson } from './json-numbers.js';
import type { KeyValue, MetricPoint, MlflowClient, MlflowRun } from './mlflow-client.js';
import {
  MlflowAnswerError,
  MlflowRequestError,
  MlflowUnavailableError,
  isDeletedRunError,
  isRedirect,
} from './mlflow-errors.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import {
  ARTIFACT,
  RECORD_IN_ARTIFACT,
  RunRole,
  TAG,
  clampTag,
  epochMetricValues,
  finalMetricValues,
  recordTagValue,
  trialParams,
  trialRunName,
  tagEquals,
  trialTags,
} from './run-data.js';
import {
  attemptOf,
  currentRun,
  mapLimited,
  sweepRefOf,
  trialRef,
  type RunIndex,
  type SweepRef,
} from './run-index.js';
import { RunMode, type TrialRunJournal, type TrialRunState } from './trial-run-journal.js';
import type { RunStatus, SweepInfo } from './types.js';

/** How long a run's creator waits before its second look for a racing creator's run (shared runs only). */
const RACE_SETTLE_MS = 300;

/** One journaled tracking write. `time` (ms since the epoch) is when the caller made it. */
export type TrackingEntry =
  | { kind: 'startSweep'; time: number; sweep: SweepInfo }
  | {
      kind: 'startTrial';
      time: number;
      sweepId: string;
      trial: PlannedTrial;
      tags: Record<string, string>;
      /** The caller's word that no earlier start of this trial can have reached the server. */
      firstStart?: boolean;
      /** Id of the tracker that journaled it: a start sent by another one may have been sent before. */
      writer?: string;
    }
  | {
      kind: 'logEpoch';
      time: number;
      sweepId: string;
      trialKey: string;
      metrics: EpochMetrics;
      /** The trial attempt that wrote it (see {@link MlflowDelivery.latestAttempt}). */
      attempt?: number;
      /**
       * True when the tracker that wrote it had journaled the trial's start (of the same attempt) before
       * it in the same outbox. By the time it is sent, that start was sent, rejected or quarantined: a
       * trial without a run then gets none from its start, so the entry makes one rather than wait for
       * it forever. Entries without it (of earlier versions, of trials started elsewhere) wait.
       */
      startJournaled?: boolean;
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
      /** The trial as planned: its record is built from it (entries of older versions read it back from the run). */
      trial?: PlannedTrial;
      /** Epochs of `result` this start journaled as `logEpoch` entries: not logged again. */
      liveEpochs?: number[];
      /** As for `logEpoch`. */
      startJournaled?: boolean;
    }
  | {
      kind: 'finishSweep';
      time: number;
      sweepId: string;
      status: RunStatus;
      files: { blob: string; artifactPath: string }[];
    };

type TrialEntry = Extract<TrackingEntry, { sweepId: string; trialKey: string } | { kind: 'startTrial' }>;
type StartEntry = Extract<TrackingEntry, { kind: 'startTrial' }>;
type EpochEntry = Extract<TrackingEntry, { kind: 'logEpoch' }>;
type FinishEntry = Extract<TrackingEntry, { kind: 'finishTrial' }>;

/** A finished trial's record and its `seedsweep.record` tag value: the record, or the marker. */
interface EndRecord {
  record: TrialRecord;
  tag: string;
}

export class MlflowDelivery implements Delivery<TrackingEntry> {
  private readonly client: MlflowClient;
  private readonly index: RunIndex;
  private readonly runs: TrialRunJournal;
  private readonly writer: string | undefined;
  private readonly warn: (message: string) => void;
  /** When a send last failed for the server's sake: a start journaled before may have reached it. */
  private lastTroubleAt = 0;

  constructor(options: {
    client: MlflowClient;
    index: RunIndex;
    /** Where the runs of trials started from this outbox are journaled. */
    runs: TrialRunJournal;
    /** Id of the tracker whose entries these are, mostly (`TrackingEntry` startTrial's `writer`). */
    writer?: string;
    warn?: (message: string) => void;
  }) {
    this.client = options.client;
    this.index = options.index;
    this.runs = options.runs;
    this.writer = options.writer;
    this.warn = options.warn ?? (() => undefined);
  }

  get target(): string {
    return `tracking server ${this.client.trackingUri}`;
  }

  /**
   * A sweep's own writes form one stream, each trial's writes another, which also waits on its sweep's.
   * Throws for a body without the fields its kind needs: the sender quarantines it (it is damaged, or of
   * no release this one knows) rather than trying it on the server and moving it to `failed/`.
   */
  streamsOf(entry: TrackingEntry): [string, ...string[]] {
    checkShape(entry);
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

  /** A trial's start, its epochs and its end go out together when they are pending together. */
  joins(last: TrackingEntry, next: TrackingEntry): boolean {
    return (
      (last.kind === 'startTrial' || last.kind === 'logEpoch') &&
      (next.kind === 'logEpoch' || next.kind === 'finishTrial')
    );
  }

  /** Epochs wait for the next flush (or their trial's end): a few log-batches per trial, not one per epoch. */
  deferrable(entry: TrackingEntry): boolean {
    return entry.kind === 'logEpoch';
  }

  describe(entry: TrackingEntry): string {
    return `a ${entry.kind} write`;
  }

  /** Errors about the server or the setup rather than one entry stop the pass and keep everything. */
  classify(error: unknown): DeliveryErrorKind {
    const kind = kindOf(error);
    if (kind !== 'reject') this.lastTroubleAt = Date.now();
    return kind;
  }

  async deliver(group: OutboxEntry<TrackingEntry>[], outbox: Outbox<TrackingEntry>): Promise<void> {
    const first = group[0]!;
    const body = first.body;
    const blobPath = (id: string) => (name: string) => outbox.blobPath(id, name);
    switch (body.kind) {
      case 'startSweep':
        return this.startSweep(body);
      case 'finishSweep':
        return this.finishSweep(body, blobPath(first.id));
      default: {
        const last = group[group.length - 1]!;
        return this.deliverTrial(
          group as OutboxEntry<TrialEntry>[],
          last.body.kind === 'finishTrial' ? blobPath(last.id) : () => '',
        );
      }
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

  // ---- a trial: its run, then its writes ------------------------------------------------------

  /** A trial's group: [start] [epochs…] [end], each part optional but in this order. */
  private async deliverTrial(
    group: OutboxEntry<TrialEntry>[],
    blobPath: (name: string) => string,
  ): Promise<void> {
    const start = group[0]!.body.kind === 'startTrial' ? (group[0] as OutboxEntry<StartEntry>) : undefined;
    const epochs = group.map((m) => m.body).filter((b): b is EpochEntry => b.kind === 'logEpoch');
    const lastBody = group[group.length - 1]!.body;
    const finish = lastBody.kind === 'finishTrial' ? lastBody : undefined;
    const { sweepId } = group[0]!.body;
    const trialKey = start
      ? start.body.trial.trialKey
      : (group[0]!.body as EpochEntry | FinishEntry).trialKey;
    const run = start ? await this.openTrialRun(start) : await this.trialRunOf(sweepId, trialKey, group);
    if (run.artifactUri !== undefined) this.client.noteArtifactUri(run.runId, run.artifactUri);
    if (run.superseded) {
      if (epochs.length > 0 || finish) this.warnDropped(trialKey, [...epochs, ...(finish ? [finish] : [])]);
      return;
    }
    try {
      if (run.mode === RunMode.owned) await this.writeOwned(run, epochs, finish, blobPath);
      else await this.writeShared(run, epochs, finish, blobPath);
    } catch (error) {
      if (!isDeletedRunError(error)) throw error;
      // Its run was deleted: a later attempt took the trial over (or someone deleted the run).
      if (run.startEntryId !== '') this.runs.set({ ...run, superseded: true });
      this.warnDropped(trialKey, [...epochs, ...(finish ? [finish] : [])], 'its run was deleted');
    }
  }

  /**
   * The run a trial's start writes to: made without a look-up when the caller says it is the trial's
   * first start (and this start was not sent before), else found on the server (one search).
   */
  private async openTrialRun(start: OutboxEntry<StartEntry>): Promise<TrialRunState> {
    const body = start.body;
    const { sweepId } = body;
    const trialKey = body.trial.trialKey;
    const known = this.runs.get(sweepId, trialKey);
    // Sent before (the answer, or the outbox's note of it, was lost): the run is made.
    if (known && known.startEntryId === start.id) return known;
    const sweep = await this.sweepOf(sweepId, body.time);
    const attempt = attemptOf(body.tags);
    // Sent before by another process, or before a failure: it may have made its run without knowing.
    // So may one whose run note was found damaged: the run it names is not known here any more.
    const maybeSentBefore =
      body.writer !== this.writer || body.time <= this.lastTroubleAt || this.runs.damaged(sweepId, trialKey);
    if (body.firstStart && !known && !maybeSentBefore) return this.createOwnedRun(start, sweep, attempt);
    const runs = await this.index.findTrialRuns(sweep.experimentId, sweepId, trialKey);
    const latest = runs.reduce<number | undefined>((max, run) => {
      const a = attemptOf(run.tags);
      return a === undefined ? max : Math.max(max ?? a, a);
    }, undefined);
    if (runs.length > 0 && attempt !== undefined && latest !== undefined && attempt < latest) {
      // A later attempt has taken the trial over: this one's writes must not land beside it.
      this.warn(
        `dropped the start of trial ${trialKey.slice(0, 12)} attempt ${attempt}: attempt ${latest} has taken it over`,
      );
      const state: TrialRunState = {
        sweepId,
        trialKey,
        startEntryId: start.id,
        runId: currentRun(runs)!.runId,
        mode: RunMode.shared,
        attempt,
        superseded: true,
      };
      this.runs.set(state);
      return state;
    }
    if (runs.length > 0 && attempt !== undefined && (latest === undefined || attempt > latest)) {
      // A later attempt takes the trial over with a run of its own; deleting the earlier runs makes
      // MLflow refuse what the earlier attempt may still send from wherever it runs.
      const state = await this.createOwnedRun(start, sweep, attempt);
      for (const run of runs) await this.client.deleteRun(run.runId);
      return state;
    }
    return this.shareRun(start, sweep, runs, attempt);
  }

  /** A new run for this start alone; its params follow with its first log-batch. */
  private async createOwnedRun(
    start: OutboxEntry<StartEntry>,
    sweep: SweepRef,
    attempt: number | undefined,
  ): Promise<TrialRunState> {
    const body = start.body;
    const created = await this.client.createRun({
      experimentId: sweep.experimentId,
      runName: trialRunName(body.trial),
      startTime: body.time,
      tags: this.trialRunTags(body, sweep, {}),
    });
    const state: TrialRunState = {
      sweepId: body.sweepId,
      trialKey: body.trial.trialKey,
      startEntryId: start.id,
      runId: created.runId,
      artifactUri: created.artifactUri,
      mode: RunMode.owned,
      ...(attempt !== undefined ? { attempt } : {}),
      paramsPending: keyValues(trialParams(body.trial)),
    };
    this.runs.set(state);
    this.index.rememberTrialRun(body.sweepId, body.trial.trialKey, created.runId);
    return state;
  }

  /**
   * The trial's existing run (the earliest), or a new one when there is none. Look-up then create is
   * not atomic: two hosts (a restarted worker re-sending its journaled start and the retry's worker) may
   * both create. Each then keeps the EARLIEST-created run, which both see once both exist, and deletes
   * its own if it lost: one run per trial, whoever writes.
   */
  private async shareRun(
    start: OutboxEntry<StartEntry>,
    sweep: SweepRef,
    runs: MlflowRun[],
    attempt: number | undefined,
  ): Promise<TrialRunState> {
    const body = start.body;
    const { sweepId, trial } = body;
    let run = runs[0];
    if (!run) {
      const created = await this.client.createRun({
        experimentId: sweep.experimentId,
        runName: trialRunName(trial),
        startTime: body.time,
        tags: { ...trialTags(sweepId, trial), [TAG.parentRunId]: sweep.parentRunId },
      });
      let found = await this.index.findTrialRuns(sweep.experimentId, sweepId, trial.trialKey);
      if (found.length <= 1) {
        // Alone so far: a racer that looked up at the same time may not have created yet. Deciding now
        // would keep this run while the racer, seeing both, keeps the earlier-started one (two runs,
        // seen once in CI); a second look a moment later sees what the racer sees.
        await new Promise((resolve) => setTimeout(resolve, RACE_SETTLE_MS));
        found = await this.index.findTrialRuns(sweep.experimentId, sweepId, trial.trialKey);
      }
      run = found[0] ?? created;
      if (run.runId !== created.runId) await this.client.deleteRun(created.runId);
    } else if (run.status === 'FAILED' || run.status === 'KILLED') {
      // The trial is being retried: same run, running again.
      await this.client.updateRun({ runId: run.runId, status: 'RUNNING' });
    }
    this.index.rememberTrialRun(sweepId, trial.trialKey, run.runId);
    // MLflow refuses to change a param: set only those not there yet.
    const params = Object.entries(trialParams(trial))
      .filter(([key]) => !(key in run.params))
      .map(([key, value]) => ({ key, value }));
    await this.client.logBatch({
      runId: run.runId,
      params,
      tags: keyValues(this.trialRunTags(body, sweep, run.tags)),
    });
    const state: TrialRunState = {
      sweepId,
      trialKey: trial.trialKey,
      startEntryId: start.id,
      runId: run.runId,
      artifactUri: run.artifactUri,
      mode: RunMode.shared,
      ...(attempt !== undefined ? { attempt } : {}),
    };
    this.runs.set(state);
    return state;
  }

  /**
   * A trial run's tags: the sweep's dataset fingerprint unless the caller gave the trial's own, the
   * caller's tags (the process's environment and lineage), its identity and its parent. The attempt tag
   * only grows: a superseded attempt's start, sent late, does not take the trial back.
   */
  private trialRunTags(
    body: StartEntry,
    sweep: SweepRef,
    existing: Record<string, string>,
  ): Record<string, string> {
    const inherited: Record<string, string> =
      sweep.datasetFingerprint !== undefined ? { [TAG.datasetFingerprint]: sweep.datasetFingerprint } : {};
    const { [TAG.attempt]: attempt, ...callerTags } = body.tags;
    const latest = Number(existing[TAG.attempt]);
    const keepAttempt = attempt !== undefined && !(Number.isInteger(latest) && Number(attempt) < latest);
    return {
      ...inherited,
      ...callerTags,
      ...(keepAttempt ? { [TAG.attempt]: attempt } : {}),
      ...trialTags(body.sweepId, body.trial),
      [TAG.parentRunId]: sweep.parentRunId,
    };
  }

  /**
   * The run of a trial whose start is not in this group: as journaled here, else found on the server
   * (another host started it). A trial without any run gets a bare one when no start is coming to make
   * it: it failed (and is recorded as failed) before its start was ever written, or its start was
   * journaled before these entries and was quarantined or rejected (`startJournaled`). Else its entries
   * wait for the run.
   */
  private async trialRunOf(
    sweepId: string,
    trialKey: string,
    group: OutboxEntry<TrialEntry>[],
  ): Promise<TrialRunState> {
    const known = this.runs.get(sweepId, trialKey);
    if (known) return known;
    const entries = group.map((m) => m.body as EpochEntry | FinishEntry);
    const last = entries[entries.length - 1]!;
    const startless = last.kind === 'finishTrial' && !last.result;
    const runId =
      startless || entries.some((e) => e.startJournaled === true)
        ? await this.trialRunIdOrCreate(sweepId, trialKey, entries)
        : await this.index.trialRunId(sweepId, trialKey);
    return { sweepId, trialKey, startEntryId: '', runId, mode: RunMode.shared };
  }

  /** Writes to a run only this start writes to: no reads, each point with its entry's time. */
  private async writeOwned(
    run: TrialRunState,
    epochs: EpochEntry[],
    finish: FinishEntry | undefined,
    blobPath: (name: string) => string,
  ): Promise<void> {
    // A start alone writes nothing more: its params wait for the run's first log-batch.
    if (epochs.length === 0 && !finish) return;
    const points = epochs.flatMap((e) => metricPoints(epochMetricValues(e.metrics), e.metrics.epoch, e.time));
    let tags: Record<string, string> = {};
    const end = finish ? await this.recordOf(run, finish) : undefined;
    if (finish) {
      tags = finishTags(finish, end);
      if (finish.result) {
        // Epochs not journaled live by this start (those it resumed from a checkpoint, or all of them
        // when the caller logs at the end) go with the end.
        const live = new Set([...(finish.liveEpochs ?? []), ...epochs.map((e) => e.metrics.epoch)]);
        for (const epoch of finish.result.epochs)
          if (!live.has(epoch.epoch))
            points.push(...metricPoints(epochMetricValues(epoch), epoch.epoch, finish.time));
        points.push(...metricPoints(finalMetricValues(finish.result), 0, finish.time));
      }
    }
    const params = run.paramsPending ?? [];
    if (points.length > 0 || params.length > 0 || Object.keys(tags).length > 0) {
      await this.client.logBatch({ runId: run.runId, metrics: points, params, tags: keyValues(tags) });
      if (params.length > 0) {
        const { paramsPending: _sent, ...rest } = run;
        this.runs.set(rest);
      }
    }
    // The sender marks the entries delivered right after this returns (after the end's writes below).
    if (epochs.length > 0) faultPoint('log-batch');
    if (finish) await this.finishRun(run, finish, end, blobPath);
  }

  /** Writes to a run that others may write too: read its history, add what it lacks. */
  private async writeShared(
    run: TrialRunState,
    epochs: EpochEntry[],
    finish: FinishEntry | undefined,
    blobPath: (name: string) => string,
  ): Promise<void> {
    const attempts = [...epochs, ...(finish ? [finish] : [])].map((e) => e.attempt);
    const current = attempts.some((a) => a !== undefined) ? await this.latestAttempt(run.runId) : undefined;
    if (current === Number.POSITIVE_INFINITY) {
      if (run.startEntryId !== '') this.runs.set({ ...run, superseded: true });
      this.warnDropped(run.trialKey, [...epochs, ...(finish ? [finish] : [])], 'its run was deleted');
      return;
    }
    const late = (entry: { attempt?: number }) =>
      current !== undefined && entry.attempt !== undefined && entry.attempt < current;
    const dropped = [...epochs, ...(finish ? [finish] : [])].filter(late);
    if (dropped.length > 0) this.warnDropped(run.trialKey, dropped, `attempt ${current} has taken it over`);
    const points = epochs
      .filter((e) => !late(e))
      .flatMap((e) => metricPoints(epochMetricValues(e.metrics), e.metrics.epoch, e.time));
    const finishing = finish && !late(finish) ? finish : undefined;
    if (finishing?.result) {
      // Epoch points too: a trial resumed on another host may have logged its first epochs elsewhere.
      for (const epoch of finishing.result.epochs)
        points.push(...metricPoints(epochMetricValues(epoch), epoch.epoch, finishing.time));
      points.push(...metricPoints(finalMetricValues(finishing.result), 0, finishing.time));
    }
    await this.logMissingPoints(run.runId, points);
    if (epochs.length > 0) faultPoint('log-batch');
    if (!finishing) return;
    const end = await this.recordOf(run, finishing);
    const tags = {
      // A run no start of this outbox made may have been made bare (see trialRunOf): its end names the
      // trial in full, as a start would have (the same values on a run a start made).
      ...(run.startEntryId === '' && finishing.trial ? trialTags(run.sweepId, finishing.trial) : {}),
      ...finishTags(finishing, end),
    };
    if (Object.keys(tags).length > 0) await this.client.logBatch({ runId: run.runId, tags: keyValues(tags) });
    await this.finishRun(run, finishing, end, blobPath);
  }

  /**
   * The record of a trial's end with a result (none without one): its plan, its result, its run; with
   * the tag value that carries it.
   */
  private async recordOf(run: TrialRunState, finish: FinishEntry): Promise<EndRecord | undefined> {
    const result = finish.result;
    if (!result) return undefined;
    const trial = finish.trial ?? (await this.plannedTrialOf(run.runId));
    const { modelDir: _localOnly, ...portableResult } = result;
    const record: TrialRecord = {
      trialKey: trial.trialKey,
      groupKey: trial.groupKey,
      groupLabel: trial.groupLabel,
      factors: trial.factors,
      seed: trial.seed,
      config: trial.config,
      result: portableResult,
      runId: run.runId,
      sweepId: finish.sweepId,
    };
    return { record, tag: recordTagValue(record) };
  }

  /**
   * The end of a trial's run: model files, `trial.json` when the record is too long for its tag, the
   * status. The record's `seedsweep.record` tag (the record, or the marker saying `trial.json` holds
   * it) went with the end's log-batch, and `trial.json` goes before the status: a FINISHED run always
   * holds its record. A record that fits its tag is not written again as `trial.json`: one request less
   * per trial (readers take the tag; see RunIndex.readRecords).
   */
  private async finishRun(
    run: TrialRunState,
    finish: FinishEntry,
    end: EndRecord | undefined,
    blobPath: (name: string) => string,
  ): Promise<void> {
    const { runId } = run;
    if (end) {
      if (finish.hasModel) {
        await this.client.uploadArtifactDir({
          runId,
          localDir: blobPath(ARTIFACT.model),
          artifactPath: ARTIFACT.model,
        });
      }
      if (end.tag === RECORD_IN_ARTIFACT)
        await this.client.putArtifact({
          runId,
          artifactPath: ARTIFACT.trialRecord,
          data: toJson(end.record, 2),
        });
    }
    await this.client.updateRun({ runId, status: finish.status, endTime: finish.time });
    // A finished trial is not started again (the sweep skips it): nothing left to remember.
    if (finish.status === 'FINISHED' && run.startEntryId !== '') this.runs.delete(run.sweepId, run.trialKey);
  }

  /** What the start of an older version stored in the run (its end entries carry no trial). */
  private async plannedTrialOf(runId: string): Promise<PlannedTrial> {
    const planned = await this.client.readArtifactText({ runId, artifactPath: ARTIFACT.plannedTrial });
    if (planned === undefined)
      throw new Error(
        `run ${runId} has no ${ARTIFACT.plannedTrial}; was the trial started through seedsweep?`,
      );
    return (JSON.parse(planned) as { trial: PlannedTrial }).trial;
  }

  private warnDropped(
    trialKey: string,
    entries: { attempt?: number }[],
    why = 'a later attempt has taken it over',
  ): void {
    const attempts = [...new Set(entries.map((e) => e.attempt).filter((a) => a !== undefined))];
    this.warn(
      `dropped late writes of trial ${trialKey.slice(0, 12)}${attempts.length > 0 ? ` attempt ${attempts.join(', ')}` : ''}: ${why}`,
    );
  }

  // ---- the end of a sweep ---------------------------------------------------------------------

  private async finishSweep(
    entry: Extract<TrackingEntry, { kind: 'finishSweep' }>,
    blobPath: (name: string) => string,
  ): Promise<void> {
    const sweep = await this.sweepOf(entry.sweepId, entry.time);
    for (const file of entry.files) {
      await this.client.uploadArtifact({
        runId: sweep.parentRunId,
        localPath: blobPath(file.blob),
        artifactPath: file.artifactPath,
      });
    }
    await this.removeLeftoverTrialRuns(entry.sweepId, sweep);
    await this.client.updateRun({ runId: sweep.parentRunId, status: entry.status, endTime: entry.time });
  }

  /**
   * One run per trial at the end of a sweep. A start that took itself for the trial's first (in a
   * resumed sweep, or after a pause across continue-as-new) made a second run; the trial's record is in
   * the FINISHED one (the earliest, as readers pick) or else in its latest attempt's latest run: the
   * others are deleted. Costs one search when there is nothing to do.
   */
  private async removeLeftoverTrialRuns(sweepId: string, sweep: SweepRef): Promise<void> {
    const ofSweep = `${tagEquals(TAG.role, RunRole.trial)} and ${tagEquals(TAG.sweepId, sweepId)}`;
    const unfinished = await this.client.searchRuns({
      experimentIds: [sweep.experimentId],
      filter: `${ofSweep} and attributes.status != 'FINISHED'`,
    });
    if (unfinished.length === 0) return;
    const all = await this.client.searchRuns({
      experimentIds: [sweep.experimentId],
      filter: ofSweep,
      orderBy: ['attributes.start_time ASC'],
    });
    const byKey = new Map<string, MlflowRun[]>();
    for (const run of all) {
      const key = run.tags[TAG.trialKey] ?? '';
      byKey.set(key, [...(byKey.get(key) ?? []), run]);
    }
    const leftovers: string[] = [];
    for (const runs of byKey.values()) {
      if (runs.length < 2) continue;
      const keep = runs.find((r) => r.status === 'FINISHED') ?? currentRun(runs)!;
      for (const run of runs) if (run.runId !== keep.runId) leftovers.push(run.runId);
    }
    await mapLimited(leftovers, 4, (runId) => this.client.deleteRun(runId));
  }

  // ---- the read paths (shared runs, runs not started here) ------------------------------------

  /**
   * Fencing for a trial retried while its earlier attempt still writes to a shared run: the run's
   * `seedsweep.attempt` tag names the latest attempt that started it. Infinity once the run is deleted.
   */
  private async latestAttempt(runId: string): Promise<number | undefined> {
    const run = await this.index.findRun(runId);
    if (!run || run.lifecycleStage === 'deleted') return Number.POSITIVE_INFINITY;
    return attemptOf(run.tags);
  }

  /**
   * The trial's run, created if there is none (see {@link trialRunOf}): with what its entries carry, its
   * planned trial when its end came along (its tags), else only its identity; with their attempt, so
   * that a later attempt still takes the trial over. Searched for first, so that sending the entries
   * again after a lost answer finds the run rather than making a second one. An end with its planned
   * trial also gives the run the params it lacks (all of them on a run made here).
   */
  private async trialRunIdOrCreate(
    sweepId: string,
    trialKey: string,
    entries: (EpochEntry | FinishEntry)[],
  ): Promise<string> {
    const first = entries[0]!;
    const sweep = await this.sweepOf(sweepId, first.time);
    const trial = entries.find((e): e is FinishEntry => e.kind === 'finishTrial')?.trial;
    let run: MlflowRun | undefined;
    if (trial) run = currentRun(await this.index.findTrialRuns(sweep.experimentId, sweepId, trialKey));
    else {
      try {
        return await this.index.trialRunId(sweepId, trialKey);
      } catch (error) {
        if (!(error instanceof NotReadyError)) throw error;
      }
    }
    if (!run) {
      const attempts = entries.map((e) => e.attempt).filter((a): a is number => a !== undefined);
      run = await this.client.createRun({
        experimentId: sweep.experimentId,
        runName: trial ? trialRunName(trial) : trialKey,
        startTime: first.time,
        tags: {
          ...(sweep.datasetFingerprint !== undefined
            ? { [TAG.datasetFingerprint]: sweep.datasetFingerprint }
            : {}),
          ...(attempts.length > 0 ? { [TAG.attempt]: String(Math.max(...attempts)) } : {}),
          ...(trial ? trialTags(sweepId, trial) : {}),
          [TAG.role]: RunRole.trial,
          [TAG.sweepId]: sweepId,
          [TAG.trialKey]: trialKey,
          [TAG.parentRunId]: sweep.parentRunId,
        },
      });
      if (entries.some((e) => e.startJournaled === true))
        this.warn(
          `trial ${trialKey.slice(0, 12)} had no run (its start was quarantined or rejected): made run ${run.runId} for its other writes`,
        );
    }
    this.index.rememberTrialRun(sweepId, trialKey, run.runId);
    const have = run.params;
    // MLflow refuses to change a param: only those the run lacks.
    const params = trial ? keyValues(trialParams(trial)).filter(({ key }) => !(key in have)) : [];
    if (params.length > 0) await this.client.logBatch({ runId: run.runId, params });
    return run.runId;
  }

  /**
   * The sweep's experiment and parent run. A sweep this outbox started (its name is in the local index,
   * written before its start was journaled) whose parent run is not on the server gets a bare one: its
   * start was quarantined or rejected, and its other writes must not wait for it forever. A sweep
   * started elsewhere is waited for ({@link NotReadyError}).
   */
  private async sweepOf(sweepId: string, time: number): Promise<SweepRef> {
    const found = await this.index.findSweep(sweepId);
    if (found) return found;
    const sweepName = this.index.sweepNameOf(sweepId);
    if (sweepName === undefined) throw new NotReadyError(`sweep ${sweepId} has no parent run yet`);
    const experimentId = await this.client.getOrCreateExperiment(sweepName);
    const parent = await this.client.createRun({
      experimentId,
      runName: sweepId,
      startTime: time,
      tags: { [TAG.role]: RunRole.sweep, [TAG.sweepId]: sweepId, [TAG.sweepName]: sweepName },
    });
    this.warn(
      `sweep ${sweepId} had no parent run (its start was quarantined or rejected): made run ${parent.runId} for its other writes`,
    );
    const ref: SweepRef = { experimentId, parentRunId: parent.runId };
    this.index.rememberSweep(sweepId, ref);
    return ref;
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

function kindOf(error: unknown): DeliveryErrorKind {
  // An answer that is not MLflow's may follow work the server did: keep the write, send it again later.
  if (error instanceof MlflowUnavailableError || error instanceof MlflowAnswerError) return 'unavailable';
  if (error instanceof MlflowRequestError)
    return error.status === 401 || error.status === 403 || isRedirect(error.status) ? 'stop' : 'reject';
  return isUserError(error) && SETUP_ERROR_CODES.has(error.code) ? 'stop' : 'reject';
}

/**
 * Tags a trial's end sets: its error, and with a result where and how it computed and its record
 * (readers take it from run searches instead of fetching `trial.json`).
 */
function finishTags(finish: FinishEntry, end: EndRecord | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  if (end) tags[TAG.record] = end.tag;
  if (finish.error !== undefined) tags[TAG.error] = clampTag(finish.error);
  const result = finish.result;
  if (result) {
    tags[TAG.backend] = result.backend.name;
    tags[TAG.backendVersion] = result.backend.version;
    if (result.backend.tfVersion !== undefined) tags[TAG.tfVersion] = result.backend.tfVersion;
    if (result.backend.device !== undefined) tags[TAG.device] = result.backend.device;
    tags[TAG.resumedFromEpoch] = String(result.resumedFromEpoch);
    if (result.trainingPath !== undefined) tags[TAG.trainingPath] = result.trainingPath;
  }
  return tags;
}

const RUN_STATUSES: ReadonlySet<unknown> = new Set<RunStatus>(['RUNNING', 'FINISHED', 'FAILED', 'KILLED']);
const ENTRY_KINDS: ReadonlySet<unknown> = new Set<TrackingEntry['kind']>([
  'startSweep',
  'startTrial',
  'logEpoch',
  'finishTrial',
  'finishSweep',
]);

/**
 * Throws, naming what is missing, unless `entry` has the fields its kind needs (every release wrote
 * them): a body without them could only fail on the server, or halfway through its delivery.
 */
function checkShape(entry: TrackingEntry): void {
  const body: unknown = entry;
  if (!isObject(body)) throw new Error('the write is not a JSON object');
  const kind = body['kind'];
  if (!ENTRY_KINDS.has(kind)) throw new Error(`the write's kind ${JSON.stringify(kind)} is unknown`);
  const lacking = (what: string) => new Error(`a ${String(kind)} write without ${what}`);
  const need = (ok: boolean, what: string) => {
    if (!ok) throw lacking(what);
  };
  need(typeof body['time'] === 'number', 'a time');
  if (kind === 'startSweep') {
    const sweep = body['sweep'];
    need(
      isObject(sweep) &&
        isString(sweep['sweepId']) &&
        isString(sweep['sweepName']) &&
        (sweep['tags'] === undefined || isObject(sweep['tags'])),
      'its sweep (id, name, tags)',
    );
    return;
  }
  need(isString(body['sweepId']), 'a sweep id');
  switch (kind) {
    case 'startTrial':
      need(isPlannedTrial(body['trial']), 'a planned trial');
      need(isObject(body['tags']), 'tags');
      return;
    case 'logEpoch': {
      const metrics = body['metrics'];
      need(isString(body['trialKey']), 'a trial key');
      need(isObject(metrics) && typeof metrics['epoch'] === 'number', "its epoch's metrics");
      return;
    }
    case 'finishTrial': {
      const result = body['result'];
      need(isString(body['trialKey']), 'a trial key');
      need(RUN_STATUSES.has(body['status']), 'a run status');
      need(typeof body['hasModel'] === 'boolean', 'hasModel');
      need(
        result === undefined ||
          (isObject(result) && Array.isArray(result['epochs']) && isObject(result['final'])),
        'a result with epochs and final metrics',
      );
      need(body['trial'] === undefined || isPlannedTrial(body['trial']), 'a planned trial');
      return;
    }
    default: {
      const files = body['files'];
      need(RUN_STATUSES.has(body['status']), 'a run status');
      need(
        Array.isArray(files) &&
          files.every((f: unknown) => isObject(f) && isString(f['blob']) && isString(f['artifactPath'])),
        'its list of files',
      );
    }
  }
}

function isPlannedTrial(value: unknown): boolean {
  if (!isObject(value)) return false;
  const config = value['config'];
  return (
    isString(value['trialKey']) &&
    isString(value['groupKey']) &&
    isString(value['groupLabel']) &&
    isObject(value['factors']) &&
    typeof value['seed'] === 'number' &&
    isObject(config) &&
    isObject(config['modelOptions']) &&
    isObject(config['train']) &&
    isObject(config['dataset'])
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function sweepStream(sweepId: string): string {
  return `sweep\u0000${sweepId}`;
}

function metricPoints(values: Record<string, number>, step: number, timestamp: number): MetricPoint[] {
  return Object.entries(values).map(([key, value]) => ({ key, value, step, timestamp }));
}

function pointId(point: { key: string; step: number }): string {
  return `${point.key}\u0000${point.step}`;
}

function keyValues(record: Record<string, string>): KeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}
