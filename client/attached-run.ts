/**
 * `run` and `resume` without `--detach`: host a worker in this process (one pool, the default queues)
 * while watching the sweep's progress, until the sweep ends. Other workers may share the work.
 */
import os from 'node:os';
import { WorkflowFailedError } from '@temporalio/client';
import { checkpointRoot, modelRoot, reportRoot } from '../activities/checkpoints.js';
import { UserError } from '../common/errors.js';
import { TrialPool } from '../engine/pool.js';
import { createTracker } from '../tracking/index.js';
import { createSweepWorkers } from '../workers/sweep-worker.js';
import { DEFAULT_TASK_QUEUES, type SweepSummary, type TaskQueues } from '../orchestration/shared.js';
import { createProgressDisplay } from './progress-display.js';
import type { TemporalSession } from './session.js';
import { querySweepProgress } from './sweeps.js';

export interface AttachedRunOptions {
  session: TemporalSession;
  sweepId: string;
  /** Training threads of the in-process worker. @default the core count */
  threads?: number;
  /** @default DEFAULT_TASK_QUEUES */
  taskQueues?: TaskQueues;
  /** Show progress bars (else lines); `undefined` shows nothing (for --json). */
  display?: 'bars' | 'lines';
  /** Milliseconds between progress queries. @default 1000 */
  pollMs?: number;
}

/** Runs an in-process worker until the sweep ends; resolves with its summary. */
export async function runAttached(options: AttachedRunOptions): Promise<SweepSummary> {
  const { session, sweepId } = options;
  const threads = options.threads ?? os.availableParallelism();
  const tracker = await createTracker();
  const pool = await TrialPool.create({ threads });
  const workers = await createSweepWorkers({
    connection: session.connection,
    namespace: session.settings.namespace,
    taskQueues: options.taskQueues ?? DEFAULT_TASK_QUEUES,
    trainingQueue: 'cpu',
    trainer: pool,
    maxConcurrentTrials: threads,
    tracker,
    checkpointRoot: checkpointRoot(),
    modelRoot: modelRoot(),
    reportRoot: reportRoot(),
  });
  const running = workers.run();
  const display = options.display
    ? createProgressDisplay({ interactive: options.display === 'bars' })
    : undefined;
  let interrupted = false;
  let wake: () => void = () => undefined;
  const onSigint = () => {
    interrupted = true;
    wake();
  };
  process.once('SIGINT', onSigint);
  const result = session.client.workflow.getHandle(sweepId).result() as Promise<SweepSummary>;
  let settled = false;
  void result.then(
    () => ((settled = true), wake()),
    () => ((settled = true), wake()),
  );
  try {
    while (!settled && !interrupted) {
      const progress = display
        ? await querySweepProgress({ client: session.client, sweepId, pending: false })
        : undefined;
      if (progress) display?.update(progress);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, options.pollMs ?? 1000);
      });
    }
    display?.stop();
    if (interrupted) {
      throw new UserError(
        'E_INTERRUPTED',
        `stopped this process's worker; sweep ${sweepId} stays on the Temporal server with its checkpoints. Continue it with 'seedsweep worker' processes, or 'seedsweep resume ${sweepId}'.`,
      );
    }
    try {
      return await result;
    } catch (error) {
      if (error instanceof WorkflowFailedError) {
        throw new UserError(
          'E_SWEEP_FAILED',
          `sweep ${sweepId} failed: ${error.cause?.message ?? error.message}`,
        );
      }
      throw error;
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    workers.shutdown();
    await running.catch(() => undefined);
    await pool.destroy();
  }
}
