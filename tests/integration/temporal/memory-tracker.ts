/**
 * An in-memory Tracker for orchestration tests that do not need MLflow. It keeps what the MLflow
 * tracker keeps (runs per sweep and trial key, epochs, results, statuses) and counts calls, so tests
 * can see which trials trained and how often.
 */
import { cp, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TrialRecord } from '../../../src/reporting/analysis/types.js';
import { UserError } from '../../../src/core/common/errors.js';
import type { EpochMetrics, TrialResult } from '../../../src/training/runner/types.js';
import type { PlannedTrial } from '../../../src/sweep-spec/types.js';
import {
  SWEEP_REPORT_ARTIFACT,
  type DownloadedModel,
  type LoggedRun,
  type RunStatus,
  type StandaloneRun,
  type SweepInfo,
  type Tracker,
} from '../../../src/tracking/types.js';

export interface MemoryTrialRun {
  sweepId: string;
  trial: PlannedTrial;
  status: RunStatus;
  epochs: Map<number, EpochMetrics>;
  result?: TrialResult;
  error?: string;
  /** startTrial calls (one per attempt). */
  starts: number;
}

export class MemoryTracker implements Tracker {
  readonly sweeps = new Map<string, SweepInfo & { status: RunStatus; files: string[] }>();
  /** Key `${sweepId}/${trialKey}`. */
  readonly runs = new Map<string, MemoryTrialRun>();

  async startSweep(sweep: SweepInfo): Promise<void> {
    if (!this.sweeps.has(sweep.sweepId))
      this.sweeps.set(sweep.sweepId, { ...sweep, status: 'RUNNING', files: [] });
  }

  async startTrial(sweepId: string, trial: PlannedTrial): Promise<void> {
    const id = `${sweepId}/${trial.trialKey}`;
    const run = this.runs.get(id);
    if (run) {
      run.starts += 1;
      run.status = 'RUNNING';
    } else this.runs.set(id, { sweepId, trial, status: 'RUNNING', epochs: new Map(), starts: 1 });
  }

  async logEpoch(sweepId: string, trialKey: string, metrics: EpochMetrics): Promise<void> {
    this.runs.get(`${sweepId}/${trialKey}`)?.epochs.set(metrics.epoch, metrics);
  }

  async finishTrial(
    sweepId: string,
    trialKey: string,
    outcome: { status: RunStatus; result?: TrialResult; error?: string },
  ): Promise<void> {
    const run = this.runs.get(`${sweepId}/${trialKey}`);
    if (!run) return;
    run.status = outcome.status;
    if (outcome.result) run.result = outcome.result;
    if (outcome.error !== undefined) run.error = outcome.error;
  }

  async finishSweep(
    sweepId: string,
    outcome: { status: RunStatus; files?: { localPath: string; artifactPath: string }[] },
  ): Promise<void> {
    const sweep = this.sweeps.get(sweepId);
    if (!sweep) return;
    sweep.status = outcome.status;
    sweep.files = (outcome.files ?? []).map((f) => f.localPath);
  }

  async finishedTrials(filter: { sweepName?: string; sweepId?: string }): Promise<TrialRecord[]> {
    const records: TrialRecord[] = [];
    for (const run of this.runs.values()) {
      if (run.status !== 'FINISHED' || !run.result) continue;
      if (filter.sweepId && run.sweepId !== filter.sweepId) continue;
      if (filter.sweepName && this.sweeps.get(run.sweepId)?.sweepName !== filter.sweepName) continue;
      records.push(recordOf(run, run.result));
    }
    return records;
  }

  /** Like the MLflow tracker: any sweep name, one record per key (the first finished run). */
  async finishedTrialsByKeys(trialKeys: string[]): Promise<TrialRecord[]> {
    const wanted = new Set(trialKeys);
    const byKey = new Map<string, TrialRecord>();
    for (const run of this.runs.values()) {
      if (
        run.status !== 'FINISHED' ||
        !run.result ||
        !wanted.has(run.trial.trialKey) ||
        byKey.has(run.trial.trialKey)
      )
        continue;
      byKey.set(run.trial.trialKey, recordOf(run, run.result));
    }
    return [...byKey.values()];
  }

  /**
   * The model folder of a trial run, copied to `destDir/model`. A trial's run id here is
   * `${sweepId}/${trialKey}` (the key of {@link runs}).
   */
  async downloadTrialModel(runId: string, destDir: string): Promise<DownloadedModel> {
    const run = this.runs.get(runId);
    if (!run)
      throw new UserError(
        'E_RUN_NOT_FOUND',
        `run ${runId} does not exist in the memory tracker; check the run id`,
      );
    const dir = path.join(destDir, 'model');
    if (!run.result?.modelDir) return { dir, artifactPath: 'model', files: [] };
    await cp(run.result.modelDir, dir, { recursive: true });
    const entries = await readdir(dir, { withFileTypes: true, recursive: true });
    const files = entries
      .filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
    return { dir, artifactPath: 'model', files: files.sort() };
  }

  /** The report JSON the sweep's `finishSweep` logged: the file named like {@link SWEEP_REPORT_ARTIFACT}'s last part. */
  async sweepReport(sweepId: string): Promise<unknown> {
    const name = path.posix.basename(SWEEP_REPORT_ARTIFACT);
    const file = this.sweeps.get(sweepId)?.files.find((f) => path.basename(f) === name);
    return file === undefined ? undefined : (JSON.parse(await readFile(file, 'utf8')) as unknown);
  }

  /** Standalone runs logged (EDA), in order. */
  readonly standaloneRuns: (StandaloneRun & LoggedRun)[] = [];

  async logStandaloneRun(run: StandaloneRun): Promise<LoggedRun> {
    const logged = {
      experimentId: `memory-${run.experiment}`,
      runId: `standalone-${this.standaloneRuns.length + 1}`,
    };
    this.standaloneRuns.push({ ...run, ...logged });
    return logged;
  }

  /** Runs of one sweep. */
  runsOf(sweepId: string): MemoryTrialRun[] {
    return [...this.runs.values()].filter((r) => r.sweepId === sweepId);
  }
}

function recordOf(run: MemoryTrialRun, result: TrialResult): TrialRecord {
  const { trial } = run;
  return {
    trialKey: trial.trialKey,
    groupKey: trial.groupKey,
    groupLabel: trial.groupLabel,
    factors: trial.factors,
    seed: trial.seed,
    config: trial.config,
    result,
    sweepId: run.sweepId,
  };
}
