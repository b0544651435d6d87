/**
 * Shared set-up of the orchestration suites: a connection to the test Temporal server, in-process
 * sweep workers on unique task queues, and small sweep specs.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import type { TrialTrainer } from '../../../activities/trainer.js';
import { datasetFingerprint } from '../../../datasets/index.js';
import { parseSweepSpec } from '../../../spec/load.js';
import type { SweepSpec } from '../../../spec/schema.js';
import type { Tracker } from '../../../tracking/types.js';
import { createSweepWorkers, type SweepWorkers } from '../../../workers/sweep-worker.js';
import { installTemporalRuntime } from '../../../workers/runtime.js';
import { taskQueues, type TaskQueues } from '../../../orchestration/shared.js';

let counter = 0;
/** A name unique to this test process, for workflow ids, queues and sweep names. */
export function uniqueName(stem: string): string {
  counter += 1;
  return `${stem}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

export async function connect(): Promise<{ connection: NativeConnection; client: Client }> {
  installTemporalRuntime();
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  return { connection, client: new Client({ connection }) };
}

export interface InProcessWorker {
  queues: TaskQueues;
  checkpointRoot: string;
  stop(): Promise<void>;
  workers: SweepWorkers;
}

/** Starts control + cpu workers on fresh queues (or the given ones) in this process. */
export async function startWorker(options: {
  connection: NativeConnection;
  bundle: { code: string };
  tracker: Tracker;
  trainer: TrialTrainer;
  threads: number;
  queues?: TaskQueues;
  checkpointRoot?: string;
}): Promise<InProcessWorker> {
  const queues = options.queues ?? taskQueues(uniqueName('it'));
  const checkpointRoot = options.checkpointRoot ?? mkdtempSync(path.join(os.tmpdir(), 'seedsweep-ckpt-'));
  const workers = await createSweepWorkers({
    connection: options.connection,
    taskQueues: queues,
    trainingQueue: 'cpu',
    trainer: options.trainer,
    maxConcurrentTrials: options.threads,
    tracker: options.tracker,
    checkpointRoot,
    reportRoot: mkdtempSync(path.join(os.tmpdir(), 'seedsweep-reports-')),
    workflowBundle: options.bundle,
  });
  const running = workers.run();
  return {
    queues,
    checkpointRoot,
    workers,
    async stop() {
      workers.shutdown();
      await running;
    },
  };
}

/** A sweep spec on tiny synthetic data: `models` × `seeds`, `epochs` epochs. */
export function tinySpec(options: {
  name: string;
  seeds: number[];
  epochs: number;
  concurrency: number;
  models?: string[];
  maxAttempts?: number;
  /** @default 10 */
  heartbeatSeconds?: number;
  extra?: string;
}): SweepSpec {
  const text = `
name: ${options.name}
dataset: { name: synthetic, train_size: 200, test_size: 100 }
train: { epochs: ${options.epochs}, batch_size: 50, optimizer: adam, learning_rate: 0.001 }
variants:
  grid:
    model: [${(options.models ?? ['fc']).join(', ')}]
seeds: [${options.seeds.join(', ')}]
concurrency: ${options.concurrency}
retries: { max_attempts: ${options.maxAttempts ?? 3}, initial_interval_seconds: 1, backoff_coefficient: 1 }
timeouts: { trial_minutes: 10, heartbeat_seconds: ${options.heartbeatSeconds ?? 10} }
# Each test trains its own trials: the shared MLflow server holds other tests' results for equal keys.
reuse: false
${options.extra ?? ''}
`;
  return parseSweepSpec({ text, file: `${options.name}.yaml` });
}

export async function fingerprintOf(spec: SweepSpec): Promise<string> {
  return datasetFingerprint(spec.dataset);
}
