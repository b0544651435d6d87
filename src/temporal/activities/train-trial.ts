/**
 * The training activity: a thin adapter from a planned trial to the worker's trainer (its piscina
 * pool). It resumes from the trial's checkpoint folder, heartbeats each epoch with the checkpoint
 * location (plus a keep-alive between epochs, so long epochs do not time out), logs epochs to the
 * tracker, reports each epoch to the workflow and stops at an epoch boundary when told to or when
 * the activity is cancelled: the checkpoint is then on disk, and a cancellation is rethrown.
 */
import { backendOfConfig } from '../../core/domain/backends.js';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { isUserError, UserError } from '../../core/common/errors.js';
import { resolveInside } from '../../core/common/safe-names.js';
import type { EpochMetrics } from '../../training/runner/types.js';
import type { Tracker } from '../../tracking/types.js';
import { metricValue } from '../shared/metrics.js';
import { StopReason, type TrainTrialInput, type TrainTrialOutput } from '../shared/shared.js';
import type { EpochReporter } from './epoch-reporter.js';
import type { TrialTrainer } from './trainer.js';

/** Heartbeat details of a running trial: where a retry finds its progress. */
export interface TrialHeartbeat {
  /** Last finished (and checkpointed) epoch. */
  epoch: number;
  checkpointDir: string;
}

export interface TrainTrialDeps {
  trainer: TrialTrainer;
  tracker: Tracker;
  reportEpoch: EpochReporter;
  /** Checkpoints go to `<checkpointRoot>/<trialKey>`. */
  checkpointRoot: string;
  /** Trained models go to `<modelRoot>/<trialKey>` (the tracker uploads them). Omitted ⇒ not saved. */
  modelRoot?: string;
}

/**
 * Environment fault injection for tests and drills: `SEEDSWEEP_FAULT_FAIL_AT_EPOCH=<k>` makes every
 * trial's first attempt fail right after epoch k's checkpoint.
 */
export function envFailAtEpoch(): number | undefined {
  const raw = process.env['SEEDSWEEP_FAULT_FAIL_AT_EPOCH'];
  if (!raw) return undefined;
  const k = Number(raw);
  return Number.isInteger(k) && k >= 1 ? k : undefined;
}

/** Builds the `trainTrial` activity over the given dependencies. */
export function createTrainTrial(deps: TrainTrialDeps) {
  return async function trainTrial(input: TrainTrialInput): Promise<TrainTrialOutput> {
    const ctx = Context.current();
    const { trial, sweepId } = input;
    const key = trial.trialKey;
    const attempt = ctx.info.attempt;
    if (!Number.isInteger(trial.config.train.epochs) || trial.config.train.epochs < 1) {
      throw ApplicationFailure.nonRetryable(
        `trial ${key}: epochs must be an integer ≥ 1, got ${trial.config.train.epochs}`,
        'BadTrialConfig',
      );
    }
    const { checkpointDir, modelDir } = trialFolders(deps, key);
    let heartbeat: TrialHeartbeat = {
      epoch: (ctx.info.heartbeatDetails as TrialHeartbeat | undefined)?.epoch ?? 0,
      checkpointDir,
    };
    ctx.heartbeat(heartbeat);

    await deps.tracker.startTrial(
      sweepId,
      trial,
      {
        'seedsweep.attempt': String(attempt),
        ...(input.datasetFingerprint ? { 'seedsweep.dataset_fingerprint': input.datasetFingerprint } : {}),
      },
      {
        firstStart:
          attempt === 1 && ctx.info.heartbeatDetails === undefined && isFirstStart(ctx.info.activityId, key),
      },
    );

    const abort = new AbortController();
    let stopReason: StopReason | undefined;
    let lastMetrics: EpochMetrics | undefined;
    const stop = (reason: StopReason) => {
      stopReason ??= reason;
      abort.abort();
    };
    const onCancel = () => stop(StopReason.cancelled);
    ctx.cancellationSignal.addEventListener('abort', onCancel);
    // Keep-alive: the heartbeat timeout guards the process, not the epoch length.
    const keepAliveMs = Math.max(1000, ((ctx.info.heartbeatTimeoutMs ?? 60_000) * 1) / 3);
    const keepAlive = setInterval(() => ctx.heartbeat(heartbeat), keepAliveMs);
    const pending: Promise<unknown>[] = [];
    // Journaled at once, in order; awaited only after the trial's end was written, which sends them
    // along in one request rather than waiting for the next flush of epochs.
    const logged: Promise<void>[] = [];
    // One epoch report in flight per trial, in epoch order: a trainable with millisecond epochs would
    // otherwise flood the server with concurrent Updates (Temporal caps them per workflow).
    let reports: Promise<void> = Promise.resolve();

    const failAtEpoch = attempt === 1 ? (input.failAtEpoch ?? envFailAtEpoch()) : undefined;
    try {
      const result = await deps.trainer.run(
        {
          trial: { config: trial.config, seed: trial.seed },
          backend: backendOfConfig(trial.config),
          checkpointDir,
          resume: true,
          // A damaged checkpoint must not fail a sweep's trial: the previous one (or a fresh start), noted
          // in the result's checkpointRecovery, which the tracker keeps in the trial's record.
          onDamagedCheckpoint: 'fall-back',
          ...(failAtEpoch !== undefined ? { failAtEpoch } : {}),
          ...(modelDir !== undefined ? { modelDir } : {}),
        },
        {
          signal: abort.signal,
          onEpoch: (metrics) => {
            lastMetrics = metrics;
            heartbeat = { epoch: metrics.epoch, checkpointDir };
            ctx.heartbeat(heartbeat);
            logged.push(deps.tracker.logEpoch(sweepId, key, metrics, attempt).catch(() => undefined));
            // After the last epoch there is nothing left to decide; the result reports it.
            if (metrics.epoch < trial.config.train.epochs) {
              reports = reports
                .then(() => deps.reportEpoch(input.workflowId, { trialKey: key, attempt, metrics }))
                .then((decision) => {
                  if (decision.action === 'stop') stop(decision.reason ?? StopReason.cancelled);
                });
              pending.push(reports);
            }
          },
        },
      );
      await Promise.all(pending);
      await deps.tracker.finishTrial(sweepId, key, { status: 'FINISHED', result, attempt, trial });
      await Promise.all(logged);
      const series = input.seriesMetric
        ? result.epochs.map((m) => metricValue(m, input.seriesMetric as string) ?? Number.NaN)
        : undefined;
      return {
        status: 'finished',
        final: result.final,
        resumedFromEpoch: result.resumedFromEpoch,
        ...(series ? { series } : {}),
      };
    } catch (error) {
      await Promise.all(pending);
      await Promise.all(logged);
      if (stopReason !== undefined && isStop(error)) {
        const epoch = lastMetrics?.epoch ?? heartbeat.epoch;
        if (stopReason === StopReason.cancelled && ctx.cancellationSignal.aborted) {
          // Cancelled through Temporal (sweep cancel or worker shutdown): checkpoint written, rethrow.
          const details = ctx.cancellationDetails;
          if (!details?.workerShutdown) {
            await deps.tracker.finishTrial(sweepId, key, {
              status: 'KILLED',
              error: `cancelled after epoch ${epoch}`,
              // A superseded attempt is cancelled too (its heartbeat finds a newer one): not its say.
              attempt,
            });
          }
          throw new CancelledFailure(`trial ${key} stopped after epoch ${epoch} (checkpoint kept)`);
        }
        if (stopReason !== StopReason.paused) {
          await deps.tracker.finishTrial(sweepId, key, {
            status: 'KILLED',
            error: `${stopReason} after epoch ${epoch}`,
            attempt,
          });
        }
        return {
          status: 'stopped',
          reason: stopReason,
          epoch,
          ...(lastMetrics ? { metrics: lastMetrics } : {}),
        };
      }
      if (isUserError(error)) {
        // Bad configuration: retrying cannot help.
        throw ApplicationFailure.nonRetryable(`${error.code}: ${error.message}`, 'UserError');
      }
      throw withDiskContext(error, key, checkpointDir);
    } finally {
      clearInterval(keepAlive);
      ctx.cancellationSignal.removeEventListener('abort', onCancel);
    }
  };
}

/**
 * The trial's checkpoint and model folders, `<root>/<trialKey>`. Keys are generated hashes; a key that
 * would lead outside its root (`../x`, an absolute path, a NUL byte) is refused with `E_PATH_ESCAPE`
 * as a non-retryable failure, before anything is written.
 */
function trialFolders(deps: TrainTrialDeps, key: string): { checkpointDir: string; modelDir?: string } {
  const folder = (root: string): string => {
    try {
      // The root itself (an empty key, `.`) would mix every trial's files.
      if (resolveInside(root, key) === path.resolve(root))
        throw new UserError(
          'E_PATH_ESCAPE',
          `${JSON.stringify(key.slice(0, 60))} names ${root} itself, not a folder in it.`,
        );
    } catch (error) {
      if (!isUserError(error)) throw error;
      throw ApplicationFailure.nonRetryable(`${error.code}: trial key: ${error.message}`, 'UserError');
    }
    return path.join(root, key);
  };
  return {
    checkpointDir: folder(deps.checkpointRoot),
    ...(deps.modelRoot ? { modelDir: folder(deps.modelRoot) } : {}),
  };
}

/**
 * True when the activity is the trial's first start in its sweep run: the workflow schedules it as
 * `trial-<key>-<n>` with n counting the trial's starts (src/temporal/workflows/trial-runner.ts); older
 * histories used other ids, which say nothing, so they count as not first.
 */
function isFirstStart(activityId: string, trialKey: string): boolean {
  return activityId === `trial-${trialKey}-1`;
}

/** The trainer stopped at an epoch boundary because we asked it to. */
function isStop(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TrialStoppedError' || error.name === 'AbortError');
}

/**
 * A full or read-only disk says only "ENOSPC: no space left on device, write": name the trial, the
 * host and the checkpoint folder, and what to do. Still retryable: another worker may have room.
 */
function withDiskContext(error: unknown, trialKey: string, checkpointDir: string): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const code = /\b(ENOSPC|EDQUOT|EROFS)\b/.exec(message)?.[1];
  if (!code) return error;
  const what = code === 'EROFS' ? 'is read-only' : 'is full';
  return new Error(
    `trial ${trialKey.slice(0, 12)} on host ${os.hostname()}: the disk of its checkpoint folder ${checkpointDir} ${what} (${message}). ` +
      'Free space there or point SEEDSWEEP_CHECKPOINT_DIR at a larger disk; Temporal retries the trial, on another worker if one takes it first.',
    { cause: error },
  );
}
