/**
 * Where a served or packaged model comes from: a local folder, a tracked run's model (downloaded once
 * into the cache), or the best finished trial of a sweep. Tracked models and sweeps are read through
 * the {@link Tracker} interface only.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { bestTrial } from '../reporting/analysis/build-report.js';
import type { TrialRecord } from '../reporting/analysis/types.js';
import { isUserError, UserError } from '../core/common/errors.js';
import { DEFAULT_OBJECTIVE, ObjectiveMode, type Objective } from '../core/domain/objective.js';
import { cacheDir } from '../core/common/paths.js';
import { loadSavedModel, MODEL_FILES, type AnyModelManifest } from '../training/model-io.js';
import { createTracker } from '../tracking/index.js';
import type { Tracker } from '../tracking/types.js';

/** Folder of a cached run model: `<cache>/models/<runId>/model`. */
const CACHED_MODEL_FOLDER = 'model';

/** What serving needs from a tracker: finished trials, a trial's model, the sweep's report. */
export type ModelTracker = Pick<Tracker, 'finishedTrials' | 'downloadTrialModel' | 'sweepReport'>;

/** A model folder ready to serve or package, and where it came from. */
export interface ResolvedModel {
  /** Local folder with model.json, weights.bin, manifest.json. */
  dir: string;
  manifest: AnyModelManifest;
  /** MLflow run id, when the model came from a run. */
  runId?: string;
  /** The trial record, when the model was picked from a sweep. */
  trial?: TrialRecord;
  /** The objective it was picked by, when picked from a sweep. */
  objective?: Objective;
}

/** Options of {@link resolveRunModel}. */
export interface ResolveRunModelOptions {
  runId: string;
  tracker: Pick<Tracker, 'downloadTrialModel'>;
  /** Cache root; the model goes to `<cache>/models/<runId>/model`. @default cacheDir() */
  cacheRoot?: string;
  /** Download again even when a valid cached copy exists. @default false */
  refresh?: boolean;
}

/**
 * Downloads the run's model through the tracker into the cache (atomically: a temporary folder renamed
 * into place) unless a valid copy is already there, and checks that it loads.
 * @throws UserError `E_RUN_NOT_FOUND` (from the tracker), `E_RUN_HAS_NO_MODEL`, or the loader's `E_MODEL_*`.
 */
export async function resolveRunModel(options: ResolveRunModelOptions): Promise<ResolvedModel> {
  const { runId, tracker } = options;
  if (!/^[A-Za-z0-9_-]+$/.test(runId))
    throw new UserError(
      'E_BAD_ARGUMENT',
      `"${runId}" is not an MLflow run id (expected letters, digits, - or _)`,
    );
  const target = path.join(options.cacheRoot ?? cacheDir(), 'models', runId);
  const dir = path.join(target, CACHED_MODEL_FOLDER);
  if (!options.refresh) {
    const cached = await loadManifestOnly(dir);
    if (cached) return { dir, manifest: cached, runId };
  }
  const staging = path.join(
    path.dirname(target),
    `.${runId}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    const downloaded = await tracker.downloadTrialModel(runId, staging);
    if (!downloaded.files.includes(MODEL_FILES.manifest)) {
      const where = downloaded.artifactPath;
      throw new UserError(
        'E_RUN_HAS_NO_MODEL',
        `MLflow run ${runId} has no ${where}/${MODEL_FILES.manifest} artifact (found ${downloaded.files.length === 0 ? 'nothing' : downloaded.files.map((f) => `${where}/${f}`).join(', ')} under ${where}/); only trials trained with model saving on have a servable model`,
      );
    }
    const { model, manifest } = await loadSavedModel(downloaded.dir); // fail before caching anything broken
    model.dispose();
    await mkdir(target, { recursive: true });
    try {
      await rename(downloaded.dir, dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      // Another process cached it meanwhile (keep theirs), or the cached copy is damaged or refreshed.
      const cached = options.refresh ? undefined : await loadManifestOnly(dir);
      if (cached) return { dir, manifest: cached, runId };
      await rm(dir, { recursive: true, force: true });
      await rename(downloaded.dir, dir);
    }
    return { dir, manifest, runId };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Options of {@link pickBestTrial}. */
export interface PickBestTrialOptions {
  /** Finished trials of the sweep (the tracker's `finishedTrials({ sweepId })`). */
  trials: TrialRecord[];
  /** For messages. */
  sweepId: string;
  /** The sweep's objective (its spec's `objective`). @default DEFAULT_OBJECTIVE (final test accuracy, max) */
  objective?: Objective;
}

/**
 * The finished trial with the best final value of the sweep's objective (highest for `max`, lowest for
 * `min`) among those with a run id; ties go to the smaller trial key so the choice is reproducible.
 * @throws UserError `E_NO_FINISHED_TRIALS` when there is none to pick.
 */
export function pickBestTrial(options: PickBestTrialOptions): TrialRecord & { runId: string } {
  const objective = options.objective ?? DEFAULT_OBJECTIVE;
  const tracked = options.trials.filter(
    (t): t is TrialRecord & { runId: string } => typeof t.runId === 'string' && t.result?.final !== undefined,
  );
  const best = bestTrial({ objective, records: tracked });
  if (!best) {
    throw new UserError(
      'E_NO_FINISHED_TRIALS',
      options.trials.length === 0
        ? `sweep ${options.sweepId} has no finished trials; check the sweep id (seedsweep status) or wait for trials to finish`
        : `none of the ${options.trials.length} finished trials of sweep ${options.sweepId} has a tracked run with a final ${objective.metric} (the sweep's objective)`,
    );
  }
  return best;
}

/**
 * The objective in the report JSON logged to the sweep (the tracker's `sweepReport`); undefined when
 * there is none yet, it predates objectives, or it cannot be read.
 */
export async function loggedSweepObjective(options: {
  sweepId: string;
  tracker: Pick<Tracker, 'sweepReport'>;
}): Promise<Objective | undefined> {
  try {
    const report = (await options.tracker.sweepReport(options.sweepId)) as
      { objective?: Partial<Objective> } | null | undefined;
    const objective = typeof report === 'object' && report !== null ? report.objective : undefined;
    if (
      typeof objective?.metric === 'string' &&
      (objective.mode === ObjectiveMode.max || objective.mode === ObjectiveMode.min)
    ) {
      return { metric: objective.metric, mode: objective.mode };
    }
    return undefined;
  } catch {
    return undefined; // no report to learn from: the caller falls back to the default objective
  }
}

/** Options of {@link resolveBestModel}. */
export interface ResolveBestModelOptions {
  /** The sweep (for messages and its logged report). */
  sweepId: string;
  /** Where the sweep's finished trials (unless `trials` is given), its logged report and the best trial's model come from. */
  tracker: ModelTracker;
  /**
   * The sweep's finished trials as the caller found them: the CLI passes those of its plan, including
   * trials reused from earlier sweeps, whose models live on those sweeps' runs (src/temporal/client/sweep-records.ts).
   * @default the tracker's trials that ran in `sweepId` (`finishedTrials({ sweepId })`)
   */
  trials?: TrialRecord[];
  /**
   * The sweep's objective (its spec's `objective`). When absent: the objective in the report logged to
   * the sweep, else DEFAULT_OBJECTIVE (final test accuracy, max).
   */
  objective?: Objective;
  /** @default cacheDir() */
  cacheRoot?: string;
}

/**
 * The model of the sweep's best finished trial by its objective (see {@link pickBestTrial}), downloaded
 * like {@link resolveRunModel}.
 * @throws UserError `E_BEST_TRIAL_HAS_NO_MODEL` when that trial saved no model (user trainables that save none).
 */
export async function resolveBestModel(options: ResolveBestModelOptions): Promise<ResolvedModel> {
  const { sweepId, tracker } = options;
  const trials = options.trials ?? (await tracker.finishedTrials({ sweepId }));
  // Without finished trials there is nothing to pick, whatever the objective: no need to look for a report.
  const logged =
    options.objective || trials.length === 0 ? undefined : await loggedSweepObjective({ sweepId, tracker });
  const objective = options.objective ?? logged ?? DEFAULT_OBJECTIVE;
  const trial = pickBestTrial({ trials, sweepId, objective });
  try {
    const resolved = await resolveRunModel({
      runId: trial.runId,
      tracker,
      ...(options.cacheRoot ? { cacheRoot: options.cacheRoot } : {}),
    });
    return { ...resolved, trial, objective };
  } catch (error) {
    if (isUserError(error) && error.code === 'E_RUN_HAS_NO_MODEL') {
      const what = trial.config.trainable ? `trainable ${trial.config.model}` : `model ${trial.config.model}`;
      throw new UserError(
        'E_BEST_TRIAL_HAS_NO_MODEL',
        `the best trial of sweep ${options.sweepId} by final ${objective.metric} (${objective.mode}), ${trial.trialKey} ` +
          `(${trial.groupLabel || trial.config.model}, seed ${trial.seed}, run ${trial.runId}), saved no model, so there is nothing to serve: ` +
          `only trials that save a TF.js model into ctx.modelDir can be served (the ${what} saved none). ` +
          `Save one from the trainable and re-run the sweep, or serve another model with --run <mlflow-run-id> or --model-dir <dir>`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** A local model folder, checked to load. */
export async function resolveLocalModel(dir: string): Promise<ResolvedModel> {
  const { model, manifest } = await loadSavedModel(dir);
  model.dispose();
  return { dir: path.resolve(dir), manifest };
}

async function loadManifestOnly(dir: string): Promise<AnyModelManifest | undefined> {
  try {
    const { model, manifest } = await loadSavedModel(dir);
    model.dispose();
    return manifest;
  } catch {
    return undefined; // absent or damaged: download again
  }
}

/** Options of {@link resolveModel}: exactly one of `run`, `best`, `modelDir`. */
export interface ResolveModelOptions {
  /** MLflow run id whose `model/` artifacts to use. */
  run?: string;
  /** Sweep id whose best finished trial (by the sweep's objective) to use. */
  best?: string;
  /** With `best`: the sweep's objective (its spec's `objective`); see {@link ResolveBestModelOptions.objective}. */
  objective?: Objective;
  /** Local model folder. */
  modelDir?: string;
  /** @default cacheDir() */
  cacheRoot?: string;
  /** Download run artifacts again even when cached. @default false */
  refresh?: boolean;
  /**
   * The tracker models and sweeps are read through (`--run`, `--best`), or a function making it (called
   * only when needed, so `--model-dir` never starts a tracking server). @default createTracker(): the
   * server at `MLFLOW_TRACKING_URI`, or the embedded local one (started on demand) when it is unset
   */
  tracker?: ModelTracker | (() => Promise<ModelTracker>);
}

/**
 * Resolves the CLI's `--run | --best | --model-dir` to a local model folder, reading tracked models
 * through the tracker.
 * @throws UserError `E_BAD_ARGUMENT` unless exactly one source is given.
 */
export async function resolveModel(options: ResolveModelOptions): Promise<ResolvedModel> {
  const given = (['run', 'best', 'modelDir'] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1) {
    throw new UserError(
      'E_BAD_ARGUMENT',
      `give exactly one of --run <mlflow-run-id>, --best <sweep-id>, --model-dir <dir> (got ${given.length === 0 ? 'none' : given.map((k) => `--${k === 'modelDir' ? 'model-dir' : k}`).join(' and ')})`,
    );
  }
  const cache = options.cacheRoot ? { cacheRoot: options.cacheRoot } : {};
  if (options.modelDir !== undefined) return resolveLocalModel(options.modelDir);
  const tracker =
    typeof options.tracker === 'function'
      ? await options.tracker()
      : (options.tracker ?? (await createTracker()));
  if (options.run !== undefined) {
    return resolveRunModel({ runId: options.run, tracker, refresh: options.refresh ?? false, ...cache });
  }
  return resolveBestModel({
    sweepId: options.best!,
    tracker,
    ...(options.objective ? { objective: options.objective } : {}),
    ...cache,
  });
}

/** One line saying what a resolved model is: for logs and the CLI. */
export function describeResolvedModel(resolved: ResolvedModel): string {
  const m = resolved.manifest;
  const accuracy = resolved.trial?.result.final['testAccuracy'] ?? m.metrics?.['testAccuracy'];
  const metric = resolved.objective?.metric;
  const objectiveValue =
    metric && metric !== 'testAccuracy' ? resolved.trial?.result.final[metric] : undefined;
  return [
    resolved.runId ? `run ${resolved.runId}` : `folder ${resolved.dir}`,
    resolved.trial
      ? `trial ${resolved.trial.trialKey} (${resolved.trial.groupLabel}, seed ${resolved.trial.seed})`
      : m.trialKey
        ? `trial ${m.trialKey}`
        : undefined,
    m.model ? `model ${m.model}${m.modelOptions ? ` ${JSON.stringify(m.modelOptions)}` : ''}` : undefined,
    objectiveValue !== undefined
      ? `${metric} ${objectiveValue.toPrecision(6)} (objective, ${resolved.objective?.mode})`
      : undefined,
    accuracy !== undefined ? `test accuracy ${accuracy.toFixed(4)}` : undefined,
    m.synthetic ? 'trained on SYNTHETIC data' : undefined,
  ]
    .filter(Boolean)
    .join(', ');
}
