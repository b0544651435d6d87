/**
 * A seedsweep worker process: connect to Temporal, host the activities and ONE trial pool, serve the
 * control queue and one training queue until SIGINT/SIGTERM, then stop taking work, let running
 * trials stop at their next epoch boundary (checkpoint written) and exit. With `--queue gpu --gpus
 * 0,1` it supervises one child process per GPU instead (each with its own `CUDA_VISIBLE_DEVICES`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { checkpointRoot, modelRoot, reportRoot } from '../activities/checkpoints.js';
import { createNoopTrainer } from '../activities/noop-trainer.js';
import type { TrialTrainer } from '../activities/trainer.js';
import { connectTemporal, resolveTemporalSettings } from '../client/connection.js';
import { UserError } from '../common/errors.js';
import { resolveWorkerScript } from '../common/worker-script.js';
import { initBackend } from '../engine/backend.js';
import { TrialPool } from '../engine/pool.js';
import { createTracker } from '../tracking/index.js';
import type { Tracker } from '../tracking/types.js';
import { installTemporalRuntime } from './runtime.js';
import { createSweepWorkers } from './sweep-worker.js';
import { taskQueues } from './task-queues.js';

/** Trainers a worker can host. `noop` trains nothing (orchestration benchmarks and drills). */
export const TrainerKind = { engine: 'engine', noop: 'noop' } as const;
export type TrainerKind = (typeof TrainerKind)[keyof typeof TrainerKind];

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
}

const GPU_INSTALL_HINT =
  'GPU workers need @tensorflow/tfjs-node-gpu (its install step downloads libtensorflow) and CUDA/cuDNN on the host; or run a CPU worker: `seedsweep worker --queue cpu`.';

/** Runs a worker process until it is told to stop; resolves with the exit code. */
export async function runWorkerProcess(options: WorkerProcessOptions = {}): Promise<number> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const queue = options.queue ?? 'cpu';
  if (queue === 'gpu' && options.gpus && options.gpus.length > 0) return superviseGpuWorkers({ ...options, log, gpus: options.gpus });

  const threads = options.threads ?? (queue === 'gpu' ? 1 : os.availableParallelism());
  if (!Number.isInteger(threads) || threads < 1) throw new UserError('E_BAD_ARGUMENT', `--threads must be an integer ≥ 1; got ${threads}.`);
  const kind = options.trainer ?? TrainerKind.engine;
  if (queue === 'gpu' && kind === TrainerKind.engine) {
    try {
      await initBackend({ backend: 'tensorflow-gpu', strict: true });
    } catch (error) {
      const reason = (error as Error).message.trim().replace(/\.*$/, '');
      throw new UserError('E_GPU_BACKEND', `the tensorflow-gpu backend cannot load on this host: ${reason}. ${GPU_INSTALL_HINT}`, { cause: error });
    }
  }

  installTemporalRuntime();
  const settings = await resolveTemporalSettings();
  const connection = await connectTemporal(settings);
  const tracker = options.tracker ?? (await createTracker());
  let trainer: TrialTrainer | undefined;
  try {
    trainer =
      kind === TrainerKind.noop
        ? createNoopTrainer({ epochMilliseconds: options.noopEpochMs ?? 0 })
        : await TrialPool.create({ threads, ...(queue === 'gpu' ? { backend: 'tensorflow-gpu' } : {}) });
    const queues = taskQueues(options.queuePrefix ?? 'seedsweep');
    const workers = await createSweepWorkers({
      connection,
      namespace: settings.namespace,
      taskQueues: queues,
      trainingQueue: queue,
      serveControl: options.control ?? true,
      trainer,
      maxConcurrentTrials: threads,
      tracker,
      checkpointRoot: checkpointRoot(),
      modelRoot: modelRoot(),
      reportRoot: reportRoot(),
    });
    const stop = (signal: NodeJS.Signals) => {
      log(`worker: ${signal} received: taking no new work; running trials stop at their next epoch boundary (checkpoint kept)`);
      workers.shutdown();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    log(
      `worker ${process.pid} ready: Temporal ${settings.address} namespace ${settings.namespace}; ` +
        `queues ${options.control === false ? '' : `${queues.control}, `}${queue === 'gpu' ? queues.gpu : queues.cpu}; ${threads} training thread(s)` +
        `${kind === TrainerKind.noop ? ' (noop trainer)' : ''}${process.env['CUDA_VISIBLE_DEVICES'] !== undefined ? `; CUDA_VISIBLE_DEVICES=${process.env['CUDA_VISIBLE_DEVICES']}` : ''}`,
    );
    try {
      await workers.run();
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    }
    log(`worker ${process.pid}: stopped`);
    return 0;
  } finally {
    await trainer?.destroy();
    await connection.close();
  }
}

/** One child worker process per GPU; signals are forwarded; resolves when all children have exited. */
async function superviseGpuWorkers(options: WorkerProcessOptions & { gpus: string[]; log: (line: string) => void }): Promise<number> {
  const entry = resolveWorkerScript(import.meta.url, './main');
  const children: ChildProcess[] = options.gpus.map((gpu, index) => {
    const args = [...entry.execArgv, entry.filename, '--queue', 'gpu', '--threads', String(options.threads ?? 1)];
    // One process serves the control queue; the others only train.
    if (index > 0 || options.control === false) args.push('--no-control');
    if (options.queuePrefix) args.push('--queue-prefix', options.queuePrefix);
    if (options.trainer) args.push('--trainer', options.trainer);
    return spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, CUDA_VISIBLE_DEVICES: gpu } });
  });
  const forward = (signal: NodeJS.Signals) => {
    for (const child of children) child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  options.log(`worker supervisor ${process.pid}: ${children.length} GPU worker(s) for GPUs ${options.gpus.join(', ')}`);
  try {
    const codes = await Promise.all(children.map((child) => new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)))));
    return Math.max(0, ...codes);
  } finally {
    process.removeListener('SIGINT', forward);
    process.removeListener('SIGTERM', forward);
  }
}
