/**
 * Finding seedsweep's runs on an MLflow server by the names the orchestration knows (sweep id, trial
 * key), caching what it found, and reading finished trials back.
 *
 * Runs are found by tags (`seedsweep.sweep_id`, `seedsweep.trial_key`, `seedsweep.role`); should
 * duplicates ever exist (two hosts racing to create one run), the earliest run wins. A sweep id's
 * experiment (sweep name) is kept in a small local index so that trial writes find it without scanning
 * every experiment.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TrialRecord } from '../core/domain/trial.js';
import { fromJson } from './json-numbers.js';
import { NotReadyError } from './journaled-sender.js';
import type { MlflowClient, MlflowRun } from './mlflow-client.js';
import { MlflowRequestError } from './mlflow-errors.js';
import { ARTIFACT, RunRole, TAG, recordFromTag, tagEquals } from './run-data.js';

/** Where a sweep lives on the server. */
export interface SweepRef {
  experimentId: string;
  parentRunId: string;
  /** The parent run's `seedsweep.dataset_fingerprint` tag, when it has one: trial runs inherit it. */
  datasetFingerprint?: string;
}

/** Experiments per search request (a bound on the request's size). */
const EXPERIMENTS_PER_SEARCH = 100;

/** How the records of finished trials were read since the index was made: the artifact reads should be few. */
export interface RecordReads {
  /** Decoded from the run's `seedsweep.record` tag, which came with the search: no request of their own. */
  fromTag: number;
  /** Fetched as `trial.json`, one request each: records too long for a tag and runs of earlier versions. */
  fromArtifact: number;
}

export class RunIndex {
  private readonly client: MlflowClient;
  private readonly sweepIndexDir: string;
  private readonly sweeps = new Map<string, SweepRef>();
  private readonly trialRuns = new Map<string, string>();
  private readonly reads: RecordReads = { fromTag: 0, fromArtifact: 0 };

  constructor(options: {
    client: MlflowClient;
    /** Folder of the local sweep id → sweep name index. */ indexDir: string;
  }) {
    this.client = options.client;
    this.sweepIndexDir = options.indexDir;
    mkdirSync(this.sweepIndexDir, { recursive: true });
  }

  /** How the finished trials read so far were read (a copy). */
  get recordReads(): RecordReads {
    return { ...this.reads };
  }

  // ---- what is known ------------------------------------------------------------------------

  /** Sweep id → sweep name, kept locally so trial writes find their experiment without scanning all. */
  rememberSweepName(sweepId: string, sweepName: string): void {
    const file = this.sweepIndexFile(sweepId);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ sweepId, sweepName }));
    renameSync(tmp, file);
  }

  rememberSweep(sweepId: string, ref: SweepRef): void {
    this.sweeps.set(sweepId, ref);
  }

  rememberTrialRun(sweepId: string, trialKey: string, runId: string): void {
    this.trialRuns.set(trialRef(sweepId, trialKey), runId);
  }

  // ---- finding runs -------------------------------------------------------------------------

  /** The sweep's experiment and parent run, or {@link NotReadyError} when it has none yet. */
  async requireSweep(sweepId: string): Promise<SweepRef> {
    const sweep = await this.findSweep(sweepId);
    if (!sweep) throw new NotReadyError(`sweep ${sweepId} has no parent run yet`);
    return sweep;
  }

  /** The sweep's experiment and parent run: from memory, the local name index, or a search of all experiments. */
  async findSweep(sweepId: string): Promise<SweepRef | undefined> {
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
    const ref = sweepRefOf(parent);
    this.sweeps.set(sweepId, ref);
    return ref;
  }

  /** The earliest parent run of a sweep id among the given experiments. */
  async findParentRun(experimentIds: string[], sweepId: string): Promise<MlflowRun | undefined> {
    const filter = `${tagEquals(TAG.role, RunRole.sweep)} and ${tagEquals(TAG.sweepId, sweepId)}`;
    for (let i = 0; i < experimentIds.length; i += EXPERIMENTS_PER_SEARCH) {
      const runs = await this.client.searchRuns({
        experimentIds: experimentIds.slice(i, i + EXPERIMENTS_PER_SEARCH),
        filter,
        orderBy: ['attributes.start_time ASC'],
        maxResults: 1,
      });
      if (runs[0]) return runs[0];
    }
    return undefined;
  }

  /**
   * The (active) runs of a trial of a sweep in its experiment, earliest first, ties broken by run id:
   * every host sees them in the same order. One search.
   */
  async findTrialRuns(experimentId: string, sweepId: string, trialKey: string): Promise<MlflowRun[]> {
    const runs = await this.client.searchRuns({
      experimentIds: [experimentId],
      filter: [
        tagEquals(TAG.role, RunRole.trial),
        tagEquals(TAG.sweepId, sweepId),
        tagEquals(TAG.trialKey, trialKey),
      ].join(' and '),
      orderBy: ['attributes.start_time ASC'],
      maxResults: 10,
    });
    return runs.sort(
      (a, b) => a.startTime - b.startTime || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0),
    );
  }

  /** The earliest run of a trial of a sweep in its experiment: the one two racing creators both keep. */
  async findTrialRun(
    experimentId: string,
    sweepId: string,
    trialKey: string,
  ): Promise<MlflowRun | undefined> {
    return (await this.findTrialRuns(experimentId, sweepId, trialKey))[0];
  }

  /**
   * The run id of a trial (its {@link currentRun}), or {@link NotReadyError} when its sweep or its run
   * does not exist yet.
   */
  async trialRunId(sweepId: string, trialKey: string): Promise<string> {
    const ref = trialRef(sweepId, trialKey);
    const known = this.trialRuns.get(ref);
    if (known) return known;
    const sweep = await this.requireSweep(sweepId);
    const run = currentRun(await this.findTrialRuns(sweep.experimentId, sweepId, trialKey));
    if (!run) throw new NotReadyError(`trial ${trialKey} of sweep ${sweepId} has no run yet`);
    this.trialRuns.set(ref, run.runId);
    return run.runId;
  }

  /**
   * A run by its server-side id, or undefined when the server has no such run (MLflow answers an unknown
   * or malformed id with `RESOURCE_DOES_NOT_EXIST` / `INVALID_PARAMETER_VALUE`). Other failures throw,
   * a bare 404 among them: without MLflow's error code it is not MLflow's word (a proxy's page), and
   * taking it for "deleted" would drop the run's writes.
   */
  async findRun(runId: string): Promise<MlflowRun | undefined> {
    try {
      return await this.client.getRun(runId);
    } catch (error) {
      if (
        error instanceof MlflowRequestError &&
        (error.errorCode === 'RESOURCE_DOES_NOT_EXIST' || error.errorCode === 'INVALID_PARAMETER_VALUE')
      ) {
        return undefined;
      }
      throw error;
    }
  }

  /** The text of one artifact of the sweep's parent run; undefined when the sweep or that file does not exist. */
  async sweepArtifactText(sweepId: string, artifactPath: string): Promise<string | undefined> {
    const sweep = await this.findSweep(sweepId);
    if (!sweep) return undefined;
    return this.client.readArtifactText({ runId: sweep.parentRunId, artifactPath });
  }

  // ---- reading finished trials --------------------------------------------------------------

  /**
   * Finished trials (run status FINISHED with a record) of every sweep id of a sweep name, or of one
   * sweep id: one record per (sweep id, trial key), the earliest run's. Paged searches (1,000 runs a
   * page) and, for runs whose record is not in a tag, one artifact read each.
   */
  async finishedTrials(filter: { sweepName?: string; sweepId?: string }): Promise<TrialRecord[]> {
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
    const clauses = [tagEquals(TAG.role, RunRole.trial), FINISHED];
    if (filter.sweepId !== undefined) clauses.push(tagEquals(TAG.sweepId, filter.sweepId));
    const runs = await this.client.searchRuns({
      experimentIds,
      filter: clauses.join(' and '),
      orderBy: ['attributes.start_time ASC'],
    });
    const records = await this.readRecords(runs);
    return uniqueBy(records, (record) => `${record.sweepId ?? ''}\u0000${record.trialKey}`);
  }

  /**
   * Finished trials with the given trial keys in any experiment (any sweep name, any sweep id): one
   * record per trial key, the earliest finished run's. MLflow's run search has no `IN` and no `OR` for
   * tags (MLflow 3: `IN` only for run ids), so keys are looked up by what they share: with `groupKeys`
   * (trial key → group key), one paged search per group finds every seed of it at once; a key whose
   * group is not given (or is alone in it) costs one search of its own. Every search spans all active
   * experiments, in chunks: cost grows with the groups asked for, not with the server's size.
   */
  async finishedTrialsByKeys(
    trialKeys: string[],
    groupKeys: Readonly<Record<string, string>> = {},
  ): Promise<TrialRecord[]> {
    const keys = new Set(trialKeys);
    if (keys.size === 0) return [];
    const groups = new Map<string, string[]>();
    const alone: string[] = [];
    for (const key of keys) {
      const group = groupKeys[key];
      if (group === undefined) alone.push(key);
      else groups.set(group, [...(groups.get(group) ?? []), key]);
    }
    // A key alone in its group is searched by itself: fewer runs come back.
    const searches = [
      ...alone.map((key) => tagEquals(TAG.trialKey, key)),
      ...[...groups].map(([group, members]) =>
        members.length > 1 ? tagEquals(TAG.groupKey, group) : tagEquals(TAG.trialKey, members[0]!),
      ),
    ];
    const experimentIds = await this.client.listExperimentIds();
    const earliest = new Map<string, MlflowRun>();
    await mapLimited(searches, 8, async (clause) => {
      const filter = [tagEquals(TAG.role, RunRole.trial), FINISHED, clause].join(' and ');
      for (let e = 0; e < experimentIds.length; e += EXPERIMENTS_PER_SEARCH) {
        const runs = await this.client.searchRuns({
          experimentIds: experimentIds.slice(e, e + EXPERIMENTS_PER_SEARCH),
          filter,
          orderBy: ['attributes.start_time ASC'],
        });
        for (const run of runs) {
          const key = run.tags[TAG.trialKey];
          if (key === undefined || !keys.has(key)) continue;
          const known = earliest.get(key);
          if (!known || run.startTime < known.startTime) earliest.set(key, run);
        }
      }
    });
    return this.readRecords([...earliest.values()]);
  }

  /**
   * The records of runs (runs without one are left out), with the run's id and sweep id: from the run's
   * `seedsweep.record` tag, which came with the search. Only a run whose tag holds no record reads its
   * `trial.json`, one request each: the tag is the marker (a record too long for a tag) or absent (a run
   * of a version before the tag). Runs whose record fits the tag have no `trial.json` since the tag
   * became the record's only copy; a tag that is neither a record nor the marker (damaged by hand)
   * still tries `trial.json`, which runs of earlier versions wrote beside it.
   */
  private async readRecords(runs: MlflowRun[]): Promise<TrialRecord[]> {
    const records = await mapLimited(runs, 8, async (run): Promise<TrialRecord | undefined> => {
      const tagged = recordFromTag(run.tags[TAG.record]);
      if (tagged) {
        this.reads.fromTag++;
        return { ...tagged, runId: run.runId, sweepId: run.tags[TAG.sweepId] ?? tagged.sweepId };
      }
      this.reads.fromArtifact++;
      // The search gave the run's artifact location: no run look-up before the read.
      if (run.artifactUri) this.client.noteArtifactUri(run.runId, run.artifactUri);
      const text = await this.client.readArtifactText({
        runId: run.runId,
        artifactPath: ARTIFACT.trialRecord,
      });
      if (text === undefined) return undefined;
      const record = fromJson<TrialRecord>(text);
      return { ...record, runId: run.runId, sweepId: run.tags[TAG.sweepId] ?? record.sweepId };
    });
    return records.filter((record): record is TrialRecord => record !== undefined);
  }

  sweepNameOf(sweepId: string): string | undefined {
    try {
      return (JSON.parse(readFileSync(this.sweepIndexFile(sweepId), 'utf8')) as { sweepName: string })
        .sweepName;
    } catch {
      return undefined;
    }
  }

  private sweepIndexFile(sweepId: string): string {
    return path.join(
      this.sweepIndexDir,
      `${createHash('sha256').update(sweepId).digest('hex').slice(0, 32)}.json`,
    );
  }
}

const FINISHED = "attributes.status = 'FINISHED'";

/** A sweep's ref from its parent run. */
export function sweepRefOf(parent: MlflowRun): SweepRef {
  const fingerprint = parent.tags[TAG.datasetFingerprint];
  return {
    experimentId: parent.experimentId,
    parentRunId: parent.runId,
    ...(fingerprint ? { datasetFingerprint: fingerprint } : {}),
  };
}

/** A run's `seedsweep.attempt` tag (or such a tag among `tags`) as a number; undefined when absent or not one. */
export function attemptOf(tags: Record<string, string>): number | undefined {
  const attempt = Number(tags[TAG.attempt] ?? NaN);
  return Number.isInteger(attempt) ? attempt : undefined;
}

/**
 * The run a trial's writes belong to among several: the latest attempt's, and of that the latest
 * started (a later start of the trial, e.g. in a resumed sweep, took it on); ties broken by run id.
 */
export function currentRun(runs: MlflowRun[]): MlflowRun | undefined {
  const rank = (run: MlflowRun) => attemptOf(run.tags) ?? -1;
  return [...runs].sort(
    (a, b) =>
      rank(b) - rank(a) || b.startTime - a.startTime || (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0),
  )[0];
}

/** Key of a trial's run in caches, and the stream of its journal entries. */
export function trialRef(sweepId: string, trialKey: string): string {
  return `trial\u0000${sweepId}\u0000${trialKey}`;
}

function uniqueBy<T>(items: T[], keyOf: (item: T) => string): T[] {
  const unique = new Map<string, T>();
  for (const item of items) {
    const key = keyOf(item);
    if (!unique.has(key)) unique.set(key, item);
  }
  return [...unique.values()];
}

export async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
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
