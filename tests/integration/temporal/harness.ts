/**
 * Shared set-up of the orchestration suites: a connection to the test Temporal server, in-process
 * sweep workers on unique task queues, and small sweep specs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import type { TrialTrainer } from '../../../src/temporal/activities/trainer.js';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { datasetFingerprint } from '../../../src/datasets/index.js';
import { graphAddonPath } from '../../../src/training/graph/native.js';
import { nativeBuildStatus } from '../../../src/training/backends/native-probe.js';
import { parseSweepSpec } from '../../../src/sweep-spec/load.js';
import type { SweepSpec } from '../../../src/sweep-spec/schema.js';
import type { Tracker } from '../../../src/tracking/types.js';
import { createTracker } from '../../../src/tracking/index.js';
import { workerArgs } from '../../cli-entry.js';
import { createSweepWorkers, type SweepWorkers } from '../../../src/temporal/workers/sweep-worker.js';
import { installTemporalRuntime } from '../../../src/temporal/workers/runtime.js';
import { taskQueues, type TaskQueues } from '../../../src/temporal/shared/shared.js';

let counter = 0;
/** A name unique to this test process, for workflow ids, queues and sweep names. */
export function uniqueName(stem: string): string {
  counter += 1;
  return `${stem}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** Polls `probe` until it returns a value (every 100 ms), or fails after `timeoutMs`. */
export async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 100));
  }
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

/** A worker process (`src/temporal/workers/main.ts`) spawned by a test. */
export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * Spawns the worker process (tests/cli-entry.ts: compiled when dist/ is current, else `src/temporal/workers/main.ts` through tsx) serving the queues of `queues` against the test servers,
 * with its own (or a shared) state and checkpoint folder and the workflow bundle at `bundleFile`.
 */
export function startWorkerProcess(options: {
  queues: TaskQueues;
  bundleFile: string;
  /** Holds `state/` (the tracker's outbox) and `checkpoints/`; processes that take over share it. */
  dir: string;
  /** @default 1 */
  threads?: number;
  /** Changes to the inherited environment; `undefined` removes a variable (e.g. SEEDSWEEP_BACKEND). */
  env?: Record<string, string | undefined>;
}): WorkerProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    MLFLOW_TRACKING_URI: inject('mlflowUri'),
    SEEDSWEEP_STATE_DIR: path.join(options.dir, 'state'),
    SEEDSWEEP_CHECKPOINT_DIR: path.join(options.dir, 'checkpoints'),
    SEEDSWEEP_WORKFLOW_BUNDLE: options.bundleFile,
  };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = spawn(
    process.execPath,
    [
      ...workerArgs(),
      '--queue-prefix',
      options.queues.control.replace(/-control$/, ''),
      '--threads',
      String(options.threads ?? 1),
    ],
    { cwd: PACKAGE_ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited };
}

/**
 * Why the native TensorFlow backend cannot train here (its tfjs-node binding or seedsweep's graph
 * addon is not built), or undefined when it can.
 */
export function nativeBackendMissing(): string | undefined {
  const status = nativeBuildStatus('tensorflow');
  if (!status.built) return status.reason;
  return existsSync(graphAddonPath()) ? undefined : `${graphAddonPath()} is not built`;
}

/** CI must have the native backend: scripts/setup.sh builds it unless SEEDSWEEP_NATIVE_TF=0. */
export const nativeBackendRequired =
  process.env['CI'] === 'true' && process.env['SEEDSWEEP_NATIVE_TF'] !== '0';

/** How a child process ended: its exit code, or the signal that killed it. */
export function describeExit(child: ChildProcess): string {
  return child.signalCode !== null ? `killed by ${child.signalCode}` : `exit code ${String(child.exitCode)}`;
}

/** What the suites that run real sweeps with worker processes share: servers, bundle on disk, tracker. */
export interface RealSweepSetup {
  bundle: { code: string };
  /** The bundle written to a file, for worker processes (`SEEDSWEEP_WORKFLOW_BUNDLE`). */
  bundleFile: string;
  connection: NativeConnection;
  client: Client;
  tracker: Tracker;
}

/** The sweep workflows as the integration setup bundled them once for every file (global-setup.ts). */
export function suiteWorkflowBundle(): { code: string } {
  return { code: readFileSync(inject('workflowBundleFile'), 'utf8') };
}

/** Points MLflow at the test server, takes the suite's workflow bundle, connects, makes a tracker. */
export async function realSweepSetup(): Promise<RealSweepSetup> {
  process.env['MLFLOW_TRACKING_URI'] = inject('mlflowUri');
  const bundle = suiteWorkflowBundle();
  const bundleFile = inject('workflowBundleFile');
  const { connection, client } = await connect();
  const tracker = await createTracker({ stateDir: mkdtempSync(path.join(os.tmpdir(), 'seedsweep-state-')) });
  return { bundle, bundleFile, connection, client, tracker };
}
