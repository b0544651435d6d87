/**
 * A seedsweep worker process: connect to Temporal, host the activities and ONE trial pool, serve the
 * control queue and one training queue until SIGINT/SIGTERM, then stop taking work, let running
 * trials stop at their next epoch boundary (checkpoint written) and exit. With `--queue gpu --gpus
 * 0,1` it supervises one child process per GPU instead (each with its own `CUDA_VISIBLE_DEVICES`).
 */
import os from 'node:os';
import { checkpointRoot, modelRoot, reportRoot } from '../activities/checkpoints.js';
import { createNoopTrainer } from '../activities/noop-trainer.js';
import type { TrialTrainer } from '../activities/trainer.js';
import { connectTemporal, resolveTemporalSettings } from '../shared/connection.js';
import { configuredTaskQueues, prefixedTaskQueues } from '../shared/queue-prefix.js';
import { UserError } from '../../core/common/errors.js';
import { initBackend } from '../../training/backends/backend.js';
import { TrialPool } from '../../execution/pool.js';
import { createTracker } from '../../tracking/index.js';
import type { Tracker } from '../../tracking/types.js';
import { checkGpuHost, requireGpuDevice } from './gpu-check.js';
import { superviseGpuWorkers } from './gpu-supervisor.js';
import { createConnectionMonitor, probeTemporal } from './connection-monitor.js';
import { formatMinutes, reconnectMinutesFromEnv } from './reconnect-window.js';
import { installTemporalRuntime } from './runtime.js';
import { bundleSweepWorkflows, createSweepWorkers } from './sweep-worker.js';
import { superviseWorkers } from './worker-supervisor.js';

import { TrainerKind } from './trainer-kind.js';
export { TrainerKind };

export interface WorkerProcessOptions {
  /** Training queue to serve. @default 'cpu' */
  queue?: 'cpu' | 'gpu';
  /** Training threads (trials at once). @default CPU: the core count; GPU: 1 */
  threads?: number;
  /** GPU indices: one child process per GPU with `CUDA_VISIBLE_DEVICES` set. */
  gpus?: string[];
  /** Serve the control queue (workflows, tracker calls, aggregation) too. @default true */
  control?: boolean;
  /** @default 'engine' (the TF.js pool); `noop` for orchestration benchmarks */
  trainer?: TrainerKind;
  /** Milliseconds per epoch of the `noop` trainer. @default 0 */
  noopEpochMs?: number;
  /** Task-queue prefix (isolates deployments and tests). @default 'seedsweep' */
  queuePrefix?: string;
  /** Tracker to use instead of the MLflow one (tests). */
  tracker?: Tracker;
  /** Log lines go here. @default stderr */
  log?: (line: string) => void;
  /**
   * Minutes a lost Temporal server is waited for (the Workers reconnect and poll again when it is
   * back); beyond that the worker gives up with `E_TEMPORAL_UNREACHABLE`. The first connection is not
   * retried. @default SEEDSWEEP_RECONNECT_MINUTES, else 10
   */
  reconnectMinutes?: number;
}

/**
 * Runs a worker process until it is told to stop. Rejects when it fails; with `gpus`, when any GPU's
 * child worker failed (a `GpuWorkerFailedError`, see ./gpu-supervisor.ts).
 */
export async function runWorkerProcess(options: WorkerProcessOptions = {}): Promise<void> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const queue = options.queue ?? 'cpu';
  const kind = options.trainer ?? TrainerKind.engine;
  // Fail fast, before spawning children or connecting: a GPU needs its driver and the native build.
  if (queue === 'gpu' && kind === TrainerKind.engine) checkGpuHost(options.gpus);
  if (queue === 'gpu' && options.gpus && options.gpus.length > 0) {
    return superviseGpuWorkers({
      gpus: options.gpus,
      childArgs: gpuChildArgs(options),
      ...(options.control === false ? { control: false } : {}),
      log,
    });
  }

  const threads = options.threads ?? (queue === 'gpu' ? 1 : os.availableParallelism());
  if (!Number.isInteger(threads) || threads < 1)
    throw new UserError('E_BAD_ARGUMENT', `--threads must be an integer ≥ 1; got ${threads}.`);
  if (queue === 'gpu' && kind === TrainerKind.engine) {
    let backend;
    try {
      backend = await initBackend({ backend: 'tensorflow-gpu', strict: true });
    } catch (error) {
      throw new UserError('E_GPU_BACKEND', `GPU worker cannot start: ${(error as Error).message.trim()}`, {
        cause: error,
      });
    }
    requireGpuDevice(backend);
  }

  const reconnectMinutes = options.reconnectMinutes ?? reconnectMinutesFromEnv();
  // Settings first (see src/temporal/client/session.ts): an installed runtime without a connection keeps the process alive.
  const settings = await resolveTemporalSettings();
  installTemporalRuntime();
  const connection = await connectTemporal(settings);
  const tracker = options.tracker ?? (await createTracker());
  // The connection of the current generation of Workers (a new one after a failure).
  let current = connection;
  const monitor = createConnectionMonitor({
    address: settings.address,
    reconnectMinutes,
    probe: () => probeTemporal(current, settings.address),
    log,
  });
  let trainer: TrialTrainer | undefined;
  try {
    const serveControl = options.control ?? true;
    // Bundle once: a new generation of Workers reuses the bundle.
    const workflowBundle =
      serveControl && !process.env['SEEDSWEEP_WORKFLOW_BUNDLE'] ? await bundleSweepWorkflows() : undefined;
    trainer =
      kind === TrainerKind.noop
        ? createNoopTrainer({ epochMilliseconds: options.noopEpochMs ?? 0 })
        : await TrialPool.create({ threads, ...(queue === 'gpu' ? { backend: 'tensorflow-gpu' } : {}) });
    const poolTrainer = trainer;
    const queues = options.queuePrefix ? prefixedTaskQueues(options.queuePrefix) : configuredTaskQueues();
    let ready = false;
    const workers = superviseWorkers({
      monitor,
      log,
      // Ready once the first Workers exist (their creation checks the namespace on the server).
      onStarted: () => {
        if (ready) return;
        ready = true;
        log(
          `worker ${process.pid} ready: Temporal ${settings.address} namespace ${settings.namespace}; ` +
            `queues ${options.control === false ? '' : `${queues.control}, `}${queue === 'gpu' ? queues.gpu : queues.cpu}; ${threads} training thread(s)` +
            `${kind === TrainerKind.noop ? ' (noop trainer)' : ''}${process.env['CUDA_VISIBLE_DEVICES'] !== undefined ? `; CUDA_VISIBLE_DEVICES=${process.env['CUDA_VISIBLE_DEVICES']}` : ''}` +
            `; reconnects for up to ${formatMinutes(reconnectMinutes)} when Temporal is lost`,
        );
      },
      start: async (generation) => {
        // Generation 0 uses the first connection; later ones a fresh one, so that nothing of a
        // failed generation's channel is reused.
        const own = generation === 0 ? connection : await connectTemporal(settings);
        try {
          const workers = await createSweepWorkers({
            connection: own,
            namespace: settings.namespace,
            taskQueues: queues,
            trainingQueue: queue,
            serveControl,
            trainer: poolTrainer,
            maxConcurrentTrials: threads,
            tracker,
            checkpointRoot: checkpointRoot(),
            modelRoot: modelRoot(),
            reportRoot: reportRoot(),
            ...(workflowBundle ? { workflowBundle } : {}),
            log,
          });
          const previous = current;
          current = own;
          // Fails (and the connection is left to the process's end) while old Workers still hold it.
          if (previous !== connection) void previous.close().catch(() => undefined);
          return { workers };
        } catch (error) {
          if (own !== connection) await own.close().catch(() => undefined);
          throw error;
        }
      },
    });
    const stop = (signal: NodeJS.Signals) => {
      log(
        `worker: ${signal} received: taking no new work; running trials stop at their next epoch boundary (checkpoint kept)`,
      );
      workers.shutdown();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      await workers.run();
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    }
    log(`worker ${process.pid}: stopped`);
  } finally {
    monitor.stop();
    await trainer?.destroy();
    // Fails while a Worker that never stopped still holds it (a give-up): nothing left to do then.
    await current.close().catch(() => undefined);
    if (current !== connection) await connection.close().catch(() => undefined);
  }
}

/** The worker flags of each GPU's child process (the supervisor adds `--no-control` where needed). */
function gpuChildArgs(options: WorkerProcessOptions): string[] {
  const args = ['--queue', 'gpu', '--threads', String(options.threads ?? 1)];
  if (options.queuePrefix) args.push('--queue-prefix', options.queuePrefix);
  if (options.trainer) args.push('--trainer', options.trainer);
  if (options.noopEpochMs !== undefined) args.push('--noop-epoch-ms', String(options.noopEpochMs));
  if (options.reconnectMinutes !== undefined)
    args.push('--reconnect-minutes', String(options.reconnectMinutes));
  return args;
}
