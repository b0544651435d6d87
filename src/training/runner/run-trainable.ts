/**
 * Runs one trial of any trainable: checks its parameters with the trainable's own schema, gives it a
 * context (seed, epoch budget, dataset, report/checkpoint/restore/shouldStop), writes a checkpoint with
 * every report (the staged state and the metrics so far, atomically; the previous one is kept) and
 * resumes from the latest one. A damaged latest checkpoint is refused, or, in a sweep, passed over for
 * the previous intact one (or a fresh start) and noted in the result (`checkpointRecovery`).
 * Knows nothing of Temporal, threads or TF.js: the thread entry and `trainTrial` call it.
 */
import { UserError } from '../../core/common/errors.js';
import { currentFormOf } from '../../core/domain/builtin-trainable.js';
import { canonicalJson, identityOf, trialKeyOf } from '../../core/domain/keys.js';
import { seedsOfTrial } from '../../core/domain/seed-sources.js';
import type { Trainable, TrainableContext } from '../../core/domain/trainable.js';
import type {
  BackendInfo,
  CheckpointRecovery,
  EpochMetrics,
  Trial,
  TrialResult,
} from '../../core/domain/trial.js';
import {
  checkpointCorruptError,
  describeDamage,
  readLatestGoodCheckpoint,
  removeCheckpoints,
  writeCheckpoint,
  type CheckpointState,
} from './checkpoint.js';
import { InjectedFaultError, TrialStoppedError } from './errors.js';

/**
 * What resuming does when the latest checkpoint is damaged: `refuse` (`E_CHECKPOINT_CORRUPT`: a user
 * who resumes by hand decides), or `fall-back` to the previous intact checkpoint, or to a fresh start
 * when none is left (a sweep's trial: it must not fail for a damaged file).
 */
export const DamagedCheckpointPolicy = { refuse: 'refuse', fallBack: 'fall-back' } as const;
export type DamagedCheckpointPolicy = (typeof DamagedCheckpointPolicy)[keyof typeof DamagedCheckpointPolicy];

/** Checkpoints kept besides the newest: one, so that a damaged newest one has an intact one behind it. */
const KEEP_PREVIOUS = 1;

/** Options of {@link runTrainable}. */
export interface RunTrainableOptions {
  trainable: Trainable<unknown, unknown>;
  /** The config and seed to train. */
  trial: Trial;
  /** The loaded dataset (`ctx.dataset`). */
  dataset: unknown;
  /** Content fingerprint of that dataset: a checkpoint made on other data is never resumed. */
  datasetFingerprint: string;
  /** What the trial runs on (recorded in the result). */
  backend: BackendInfo;
  /** Folder for this trial's per-epoch checkpoints. Omitted ⇒ no checkpoints (and no resuming). */
  checkpointDir?: string;
  /** Continue from the latest checkpoint in `checkpointDir`; when false, existing ones are removed first. @default false */
  resume?: boolean;
  /** When resuming finds the latest checkpoint damaged: see {@link DamagedCheckpointPolicy}. @default 'refuse' */
  onDamagedCheckpoint?: DamagedCheckpointPolicy;
  /** Called after each epoch's checkpoint is written. */
  onEpoch?: (metrics: EpochMetrics) => void;
  /** Polled before the first epoch and after each report; true ends the trial with {@link TrialStoppedError}. */
  shouldStop?: () => boolean;
  /** Test fault injection: throw {@link InjectedFaultError} right after the checkpoint of this epoch (1-based). */
  failAtEpoch?: number;
  /** Folder the trainable may save its model into (`ctx.modelDir`). */
  modelDir?: string;
}

/** What a checkpoint must agree on with the trial being resumed (the epoch budget may grow). */
function resumeIdentity(trial: Trial, datasetFingerprint: string): string {
  const { train, ...rest } = identityOf(trial.config);
  const { epochs: _epochs, ...settings } = train;
  return canonicalJson({ ...rest, train: settings, seed: trial.seed, dataset: datasetFingerprint });
}

/** Checks the trial's parameters with the trainable's schema; a failure names every bad field. */
export function parseTrainableParams(
  trainable: Trainable<unknown, unknown>,
  params: Record<string, unknown>,
): unknown {
  const parsed = trainable.params.safeParse(params);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) =>
    i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message,
  );
  throw new UserError(
    'E_BAD_PARAMS',
    `parameters ${JSON.stringify(params)} do not fit trainable '${trainable.name}': ${problems.join('; ')}.`,
  );
}

function checkMetrics(trainable: string, epoch: number, metrics: Record<string, number>): void {
  if (metrics === null || typeof metrics !== 'object')
    throw new UserError(
      'E_BAD_METRICS',
      `trainable '${trainable}' reported ${JSON.stringify(metrics)} for epoch ${epoch}; report an object of numbers, e.g. { loss: 0.3 }.`,
    );
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value !== 'number')
      throw new UserError(
        'E_BAD_METRICS',
        `trainable '${trainable}' reported metric '${name}' = ${JSON.stringify(value)} for epoch ${epoch}; metrics must be numbers.`,
      );
    if (name === 'epoch')
      throw new UserError(
        'E_BAD_METRICS',
        `trainable '${trainable}' reported a metric named 'epoch'; seedsweep numbers epochs itself: rename it.`,
      );
  }
}

/** Trains `trial` with `trainable` and returns its per-epoch metrics. See {@link RunTrainableOptions}. */
export async function runTrainable(options: RunTrainableOptions): Promise<TrialResult> {
  const { trainable, trial } = options;
  const budget = trial.config.train.epochs;
  if (!Number.isInteger(budget) || budget < 1) {
    throw new UserError(
      'E_BAD_TRAIN_SETTING',
      `training setting 'epochs' must be an integer ≥ 1; got ${JSON.stringify(budget)}.`,
    );
  }
  if (!Number.isInteger(trial.seed) || trial.seed < 0) {
    throw new UserError(
      'E_BAD_SEED',
      `seed must be a non-negative integer; got ${JSON.stringify(trial.seed)}.`,
    );
  }
  // A config of the built-in from before it was a trainable (scheduled, or recorded, before the
  // change) is read in today's form: its parameters by their spec names.
  const params = parseTrainableParams(trainable, { ...currentFormOf(trial.config).modelOptions });
  const identity = resumeIdentity(trial, options.datasetFingerprint);
  const { checkpoint: resumed, recovery } = await loadResumeState(options, identity);

  const epochs: EpochMetrics[] = resumed ? [...resumed.epochs] : [];
  const resumedFromEpoch = resumed?.epoch ?? 0;
  let staged: { state: unknown } | undefined;
  const committedState = resumed?.state;
  const shouldStop = () => options.shouldStop?.() ?? false;

  const ctx: TrainableContext<unknown> = {
    seed: trial.seed,
    seeds: Object.freeze(seedsOfTrial(trial.config.seedSources, trial.seed)),
    trialKey: trialKeyOf({
      config: trial.config,
      seed: trial.seed,
      datasetFingerprint: options.datasetFingerprint,
    }),
    epochs: budget,
    get epoch() {
      return epochs.length;
    },
    history: epochs,
    train: trial.config.train,
    dataset: options.dataset,
    modelDir: options.modelDir,
    checkpoint(state: unknown) {
      staged = { state };
    },
    restore<S>() {
      return committedState as S | undefined;
    },
    shouldStop,
    async report(reported: Record<string, number>) {
      const epoch = epochs.length + 1;
      if (epoch > budget) {
        throw new UserError(
          'E_TOO_MANY_EPOCHS',
          `trainable '${trainable.name}' reported epoch ${epoch} of a ${budget}-epoch budget; loop while ctx.epoch < ctx.epochs.`,
        );
      }
      checkMetrics(trainable.name, epoch, reported);
      const metrics: EpochMetrics = { epoch, ...reported };
      epochs.push(metrics);
      if (options.checkpointDir && staged) {
        await writeCheckpoint({
          dir: options.checkpointDir,
          state: { identity, epoch, epochs, state: staged.state, ...(recovery ? { recovery } : {}) },
          keep: KEEP_PREVIOUS,
        });
      }
      staged = undefined;
      options.onEpoch?.(metrics);
      if (options.failAtEpoch === epoch) throw new InjectedFaultError(epoch);
      if (epoch < budget && shouldStop()) throw new TrialStoppedError(epoch);
    },
  };

  // A stop asked for before the first epoch (e.g. while the task waited in the pool's queue) trains nothing.
  if (resumedFromEpoch < budget && shouldStop()) throw new TrialStoppedError(resumedFromEpoch);
  const output = (await trainable.run(params, ctx)) ?? undefined;
  const final = epochs.at(-1);
  if (!final) {
    throw new UserError(
      'E_NO_METRICS',
      `trainable '${trainable.name}' returned without reporting any epoch; call await ctx.report({ ... }) once per epoch.`,
    );
  }
  const result: TrialResult = { epochs, final, backend: options.backend, resumedFromEpoch };
  if (output?.modelStats) result.modelStats = output.modelStats;
  if (options.modelDir && output?.modelSaved) result.modelDir = options.modelDir;
  if (output?.trainingPath) result.trainingPath = output.trainingPath;
  if (recovery) result.checkpointRecovery = recovery;
  return result;
}

/** The checkpoint to resume from, and the note to record when damaged ones were passed over (now or in an earlier attempt). */
interface ResumeState {
  checkpoint?: CheckpointState;
  recovery?: CheckpointRecovery;
}

async function loadResumeState(options: RunTrainableOptions, identity: string): Promise<ResumeState> {
  const { checkpointDir, trial } = options;
  if (!checkpointDir) return {};
  if (!options.resume) {
    await removeCheckpoints({ dir: checkpointDir });
    return {};
  }
  const found = await readLatestGoodCheckpoint({ dir: checkpointDir });
  let recovery: CheckpointRecovery | undefined;
  if (found.damaged.length > 0) {
    if (options.onDamagedCheckpoint !== DamagedCheckpointPolicy.fallBack)
      throw checkpointCorruptError(checkpointDir, found);
    // The damaged folders stay until the next checkpoint replaces them (writeCheckpoint removes later
    // epochs): a trial stopped before then finds, and notes, the same damage on its next resume.
    recovery = {
      damaged: found.damaged.map((d) => d.name),
      reason: describeDamage(found.damaged),
      resumedFrom: found.checkpoint?.epoch ?? null,
    };
  }
  const state = found.checkpoint;
  if (!state) return recovery ? { recovery } : {};
  if (state.identity !== identity) {
    throw new UserError(
      'E_CHECKPOINT_MISMATCH',
      `checkpoint in ${checkpointDir} belongs to a different trial or dataset; use another --checkpoint-dir or start without resume.`,
    );
  }
  if (state.epoch > trial.config.train.epochs) {
    throw new UserError(
      'E_CHECKPOINT_MISMATCH',
      `checkpoint in ${checkpointDir} is at epoch ${state.epoch}, past the ${trial.config.train.epochs} epochs asked for.`,
    );
  }
  // A note from an earlier attempt's recovery travels in the checkpoints; this attempt's is newer.
  const carried = recovery ?? state.recovery;
  return { checkpoint: state, ...(carried ? { recovery: carried } : {}) };
}
