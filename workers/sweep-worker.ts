/**
 * The Temporal side of a worker process: one Worker on the control queue (sweep workflows, tracker
 * and aggregation activities) and, when the process trains, one on its training queue whose
 * concurrency equals its pool's threads. Both share one connection and one set of activities.
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import {
  bundleWorkflowCode,
  Worker,
  type NativeConnection,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { clientEpochReporter } from '../activities/epoch-reporter.js';
import type { TrialTrainer } from '../activities/trainer.js';
import type { Tracker } from '../tracking/types.js';
import { DEFAULT_TASK_QUEUES, type TaskQueues } from '../orchestration/shared.js';

/** Path of the workflows entry the bundler reads (`.ts` from source, `.js` from dist). */
export function workflowsPath(): string {
  const ts = new URL('../workflows/index.ts', import.meta.url);
  return import.meta.url.endsWith('.ts')
    ? fileURLToPath(ts)
    : fileURLToPath(new URL('../workflows/index.js', import.meta.url));
}

/** Bundles the sweep workflows once (tests and benchmarks reuse one bundle across workers). */
export async function bundleSweepWorkflows(): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietBundlerLogger });
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`workflow bundler: ${message}\n`),
  error: (message: string) => process.stderr.write(`workflow bundler: ${message}\n`),
};

export interface SweepWorkerOptions {
  connection: NativeConnection;
  /** @default 'default' */
  namespace?: string;
  /** @default DEFAULT_TASK_QUEUES */
  taskQueues?: TaskQueues;
  /** Training queue this process serves; `none` for a control-only process. */
  trainingQueue: 'cpu' | 'gpu' | 'none';
  /** Serve the control queue (workflows, tracker calls, aggregation). @default true */
  serveControl?: boolean;
  /** The process's trainer (its one pool). Required unless `trainingQueue` is `none`. */
  trainer?: TrialTrainer;
  /** Trials trained at once: the pool's thread count. */
  maxConcurrentTrials: number;
  tracker: Tracker;
  checkpointRoot: string;
  modelRoot?: string;
  reportRoot: string;
  /**
   * Prebuilt workflow code. Default: `SEEDSWEEP_WORKFLOW_BUNDLE` (a file made by `bundleWorkflowCode`)
   * if set, else the workflows are bundled from source at start (a few seconds).
   */
  workflowBundle?: WorkflowBundleOption;
  /** Time running trials get after shutdown starts before they are asked to stop at the next epoch. @default '1 second' */
  shutdownGraceTime?: string;
  /** Worker identity shown in Temporal. @default `<pid>@<host>` */
  identity?: string;
}

/** A running set of Workers; `run` resolves once all have shut down. */
export interface SweepWorkers {
  run(): Promise<void>;
  /** Stops polling; running trials stop at their next epoch boundary, then `run` resolves. */
  shutdown(): void;
}

/** Creates the process's Workers (does not start polling until `run`). */
export async function createSweepWorkers(options: SweepWorkerOptions): Promise<SweepWorkers> {
  const namespace = options.namespace ?? 'default';
  const queues = options.taskQueues ?? DEFAULT_TASK_QUEUES;
  const client = new Client({ connection: options.connection, namespace });
  const activities = createActivities({
    tracker: options.tracker,
    ...(options.trainer ? { trainer: options.trainer } : {}),
    reportEpoch: clientEpochReporter(client),
    checkpointRoot: options.checkpointRoot,
    ...(options.modelRoot ? { modelRoot: options.modelRoot } : {}),
    reportRoot: options.reportRoot,
  });
  const common = {
    connection: options.connection,
    namespace,
    activities,
    shutdownGraceTime: options.shutdownGraceTime ?? '1 second',
    ...(options.identity ? { identity: options.identity } : {}),
  };
  const workers: Worker[] = [];
  if (options.serveControl ?? true) {
    const bundlePath = process.env['SEEDSWEEP_WORKFLOW_BUNDLE'];
    const workflowSource = options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : bundlePath
        ? { workflowBundle: { codePath: bundlePath } }
        : { workflowsPath: workflowsPath() };
    workers.push(
      await Worker.create({
        ...common,
        ...workflowSource,
        taskQueue: queues.control,
        maxConcurrentActivityTaskExecutions: 20,
      }),
    );
  }
  if (options.trainingQueue !== 'none') {
    if (!options.trainer) throw new Error('createSweepWorkers: a training worker needs a trainer');
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: options.trainingQueue === 'gpu' ? queues.gpu : queues.cpu,
        maxConcurrentActivityTaskExecutions: options.maxConcurrentTrials,
      }),
    );
  }
  if (workers.length === 0)
    throw new Error('createSweepWorkers: nothing to serve (no control queue, no training queue)');
  return {
    async run() {
      // If one Worker fails, stop the others so the process does not half-serve.
      await Promise.all(
        workers.map((w) =>
          w.run().catch((error: unknown) => {
            for (const other of workers) if (other !== w && other.getState() === 'RUNNING') other.shutdown();
            throw error;
          }),
        ),
      );
    },
    shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
