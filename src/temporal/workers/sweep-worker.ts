/**
 * The Temporal side of a worker process: one Worker on the control queue (sweep workflows, tracker
 * and aggregation activities) and, when the process trains, one on its training queue whose
 * concurrency equals its pool's threads. Both share one connection and one set of activities.
 */
import { Client } from '@temporalio/client';
import {
  Worker,
  type InjectedSinks,
  type NativeConnection,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { TrialTrainer } from '../activities/trainer.js';
import { faultPoint, type FaultPointSinks } from '../../core/common/fault-points.js';
import type { Tracker } from '../../tracking/types.js';
import { configuredTaskQueues } from '../shared/queue-prefix.js';
import type { TaskQueues } from '../shared/shared.js';
import { bundleSweepWorkflows } from './workflow-bundle.js';
import { deadlineEpochReporter } from './epoch-report-deadline.js';

/** Bundles the sweep workflows once (tests and benchmarks reuse one bundle across workers). */
export { bundleSweepWorkflows, workflowsPath } from './workflow-bundle.js';

/**
 * The worker side of the workflows' fault-point sink (src/core/common/fault-points.ts). The SDK runs sinks after
 * the activation and before its commands go to Temporal (never while replaying history): a kill there
 * loses the continue-as-new command; the workflow task times out and another worker redoes it.
 */
const faultPointSinks: InjectedSinks<FaultPointSinks> = {
  faultPoints: { reach: { fn: (_info, point) => faultPoint(point), callDuringReplay: false } },
};

export interface SweepWorkerOptions {
  connection: NativeConnection;
  /** @default 'default' */
  namespace?: string;
  /** @default the queues of SEEDSWEEP_QUEUE_PREFIX (src/temporal/shared/queue-prefix.ts) */
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
  /** Deadline of one epoch report (the `reportEpoch` update). @default 60 s, see ./epoch-report-deadline.ts */
  epochReportTimeoutMs?: number;
  /** Where the worker's own lines go (late epoch reports). @default stderr */
  log?: (line: string) => void;
}

/** A running set of Workers; `run` resolves once all have shut down. */
export interface SweepWorkers {
  /** Runs every Worker; rejects as soon as one fails (the others are then shut down). */
  run(): Promise<void>;
  /** Stops polling; running trials stop at their next epoch boundary, then `run` resolves. */
  shutdown(): void;
  /** Resolves once every Worker has stopped, failed ones included (after `run`). */
  settled(): Promise<void>;
  /** Why the Workers no longer all poll when nobody asked them to stop (e.g. `control Worker DRAINING`), else undefined. */
  problem(): string | undefined;
}

/** Creates the process's Workers (does not start polling until `run`). */
export async function createSweepWorkers(options: SweepWorkerOptions): Promise<SweepWorkers> {
  const namespace = options.namespace ?? 'default';
  const queues = options.taskQueues ?? configuredTaskQueues();
  const client = new Client({ connection: options.connection, namespace });
  const activities = createActivities({
    tracker: options.tracker,
    ...(options.trainer ? { trainer: options.trainer } : {}),
    reportEpoch: deadlineEpochReporter(client, {
      ...(options.epochReportTimeoutMs !== undefined ? { timeoutMs: options.epochReportTimeoutMs } : {}),
      log: options.log ?? ((line) => void process.stderr.write(`${line}\n`)),
    }),
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
        : { workflowBundle: await bundleSweepWorkflows() };
    workers.push(
      await Worker.create({
        ...common,
        ...workflowSource,
        taskQueue: queues.control,
        maxConcurrentActivityTaskExecutions: 20,
        sinks: faultPointSinks,
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
  let runs: Promise<unknown>[] = [];
  let shutdownRequested = false;
  return {
    async run() {
      // If one Worker fails, stop the others so the process does not half-serve.
      const running = workers.map((w) =>
        w.run().catch((error: unknown) => {
          for (const other of workers) if (other !== w && other.getState() === 'RUNNING') other.shutdown();
          throw error;
        }),
      );
      runs = running;
      await Promise.all(running);
    },
    shutdown() {
      shutdownRequested = true;
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
    async settled() {
      await Promise.allSettled(runs);
    },
    problem() {
      if (shutdownRequested) return undefined;
      const stuck = workers.filter((w) => !['INITIALIZED', 'RUNNING'].includes(w.getState()));
      return stuck.length === 0
        ? undefined
        : stuck.map((w) => `${w.options.taskQueue} Worker ${w.getState()}`).join(', ');
    },
  };
}
