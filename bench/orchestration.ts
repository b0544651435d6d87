/**
 * Orchestration benchmark (`npm run bench:orchestration`), against servers it starts itself:
 *  1. Overhead: a sweep of N trials (default 1,000) with the no-op trainer and an in-memory tracker,
 *     so all time is Temporal round trips and workflow work. Target ≤ 20 ms per trial.
 *  2. Scaling: a small real training sweep (TF.js, synthetic data, real MLflow tracker) on 1 worker
 *     process vs 2 worker processes of one training thread each. Target ≥ 1.8× (needs ≥ 2 free cores).
 * Options: --trials N (part 1), --skip-scaling, --scaling-trials N, --scaling-train-size N (images per
 *          trial, default 4,000: trials long enough that per-trial tracking does not dominate).
 */
import { workerProcessArgs } from '../src/temporal/workers/options.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createNoopTrainer } from '../src/temporal/activities/noop-trainer.js';
import { submitSweep } from '../src/temporal/client/sweeps.js';
import { PACKAGE_ROOT } from '../src/core/common/paths.js';
import { datasetFingerprint } from '../src/datasets/index.js';
import { findFreePort } from '../src/services/local-server.js';
import { startMlflowServer } from '../src/services/mlflow-server.js';
import { startTemporalDevServer } from '../src/services/temporal-dev-server.js';
import { parseSweepSpec } from '../src/sweep-spec/load.js';
import type { SweepSpec } from '../src/sweep-spec/schema.js';
import { MemoryTracker } from '../tests/integration/temporal/memory-tracker.js';
import { installTemporalRuntime } from '../src/temporal/workers/runtime.js';
import { bundleSweepWorkflows, createSweepWorkers } from '../src/temporal/workers/sweep-worker.js';
import { taskQueues, type SweepSummary } from '../src/temporal/shared/shared.js';

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '1000' },
    'skip-scaling': { type: 'boolean', default: false },
    'scaling-trials': { type: 'string', default: '8' },
    'scaling-train-size': { type: 'string', default: '4000' },
  },
});

function spec(options: {
  name: string;
  seeds: number;
  epochs: number;
  model: string;
  trainSize: number;
  concurrency: number;
}): SweepSpec {
  return parseSweepSpec({
    file: `${options.name}.yaml`,
    text: `
name: ${options.name}
dataset: { name: synthetic, train_size: ${options.trainSize}, test_size: 100 }
train: { epochs: ${options.epochs}, batch_size: 50 }
variants: { grid: { model: [${options.model}] } }
seeds: { count: ${options.seeds} }
concurrency: ${options.concurrency}
timeouts: { trial_minutes: 30, heartbeat_seconds: 60 }
`,
  });
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-bench-'));
const temporalPort = await findFreePort();
process.stderr.write('starting a Temporal dev server…\n');
const temporal = await startTemporalDevServer({
  port: temporalPort,
  dbFile: path.join(dir, 'temporal.sqlite'),
  logFile: path.join(dir, 'temporal.log'),
  detached: false,
});
const address = `127.0.0.1:${temporalPort}`;
installTemporalRuntime();
const connection = await NativeConnection.connect({ address });
const client = new Client({ connection });
const bundle = await bundleSweepWorkflows();
const rows: [string, string][] = [];

try {
  // ---- 1. overhead per trial ----
  const trials = Number(args.trials);
  const queues = taskQueues('bench-overhead');
  const workers = await createSweepWorkers({
    connection,
    taskQueues: queues,
    trainingQueue: 'cpu',
    trainer: createNoopTrainer(),
    maxConcurrentTrials: 100,
    tracker: new MemoryTracker(),
    checkpointRoot: path.join(dir, 'checkpoints'),
    reportRoot: path.join(dir, 'reports'),
    workflowBundle: bundle,
  });
  const running = workers.run();
  try {
    const overheadSpec = spec({
      name: 'bench-overhead',
      seeds: trials,
      epochs: 1,
      model: 'fc',
      trainSize: 200,
      concurrency: 100,
    });
    process.stderr.write(`part 1: ${trials} no-op trials, concurrency 100…\n`);
    const started = performance.now();
    const { sweepId } = await submitSweep({
      client,
      spec: overheadSpec,
      datasetFingerprint: await datasetFingerprint(overheadSpec.dataset),
      taskQueues: queues,
    });
    const summary = (await client.workflow.getHandle(sweepId).result()) as SweepSummary;
    const seconds = (performance.now() - started) / 1000;
    if (summary.counts.finished !== trials)
      throw new Error(`expected ${trials} finished trials, got ${summary.counts.finished}`);
    rows.push([`${trials}-trial no-op sweep: total`, `${seconds.toFixed(1)} s`]);
    rows.push(['overhead per trial (target ≤ 20 ms)', `${((seconds * 1000) / trials).toFixed(1)} ms`]);
    rows.push(['continue-as-new runs', String(summary.continuedRuns)]);
  } finally {
    workers.shutdown();
    await running;
  }

  // ---- 2. 1 vs 2 worker processes ----
  if (!args['skip-scaling']) {
    const mlflowPort = await findFreePort();
    process.stderr.write('part 2: starting an MLflow server…\n');
    const mlflow = await startMlflowServer({
      port: mlflowPort,
      dataDir: path.join(dir, 'mlflow'),
      logFile: path.join(dir, 'mlflow.log'),
      detached: false,
    });
    const bundleFile = path.join(dir, 'workflow-bundle.js');
    writeFileSync(bundleFile, bundle.code);
    try {
      const n = Number(args['scaling-trials']);
      const trainSize = Number(args['scaling-train-size']);
      const timeWith = async (processes: number): Promise<number> => {
        const prefix = `bench-scale-${processes}`;
        const children: ChildProcess[] = [];
        const ready: Promise<void>[] = [];
        for (let i = 0; i < processes; i++) {
          const child = spawn(process.execPath, workerProcessArgs({ queuePrefix: prefix, threads: 1 }), {
            cwd: PACKAGE_ROOT,
            stdio: ['ignore', 'ignore', 'pipe'],
            env: {
              ...process.env,
              TEMPORAL_ADDRESS: address,
              MLFLOW_TRACKING_URI: `http://127.0.0.1:${mlflowPort}`,
              SEEDSWEEP_STATE_DIR: path.join(dir, `state-${prefix}-${i}`),
              SEEDSWEEP_WORKFLOW_BUNDLE: bundleFile,
            },
          });
          children.push(child);
          ready.push(
            new Promise<void>((resolve, reject) => {
              let text = '';
              child.stderr?.on('data', (chunk: Buffer) => {
                text += chunk.toString();
                if (text.includes('ready:')) resolve();
              });
              child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${text}`)));
            }),
          );
        }
        try {
          await Promise.all(ready);
          // Warm-up (untimed): one trial per process loads TF.js, the wasm backend and the data in each pool thread.
          const warmSpec = spec({
            name: `${prefix}-warmup`,
            seeds: processes,
            epochs: 1,
            model: 'cnn',
            trainSize: 100,
            concurrency: processes,
          });
          const warm = await submitSweep({
            client,
            spec: warmSpec,
            datasetFingerprint: await datasetFingerprint(warmSpec.dataset),
            taskQueues: taskQueues(prefix),
          });
          await client.workflow.getHandle(warm.sweepId).result();
          // Same plan in both arms, but a distinct sweep name so nothing is skipped.
          const scaleSpec = spec({
            name: prefix,
            seeds: n,
            epochs: 2,
            model: 'cnn',
            trainSize,
            concurrency: n,
          });
          const started = performance.now();
          const { sweepId } = await submitSweep({
            client,
            spec: scaleSpec,
            datasetFingerprint: await datasetFingerprint(scaleSpec.dataset),
            taskQueues: taskQueues(prefix),
          });
          const summary = (await client.workflow.getHandle(sweepId).result()) as SweepSummary;
          if (summary.counts.finished !== n)
            throw new Error(`expected ${n} finished trials, got ${summary.counts.finished}`);
          return (performance.now() - started) / 1000;
        } finally {
          for (const child of children) child.kill('SIGTERM');
          await Promise.all(
            children.map((c) =>
              c.exitCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r)),
            ),
          );
        }
      };
      process.stderr.write(`part 2: ${n} CNN trials (${trainSize} images, 2 epochs) on 1 worker process…\n`);
      const one = await timeWith(1);
      process.stderr.write('part 2: …and on 2 worker processes\n');
      const two = await timeWith(2);
      rows.push([
        `${n} training trials (${trainSize} images × 2 epochs), 1 worker process × 1 thread`,
        `${one.toFixed(1)} s`,
      ]);
      rows.push([
        `${n} training trials (${trainSize} images × 2 epochs), 2 worker processes × 1 thread`,
        `${two.toFixed(1)} s`,
      ]);
      rows.push(['speed-up (target ≥ 1.8×)', `${(one / two).toFixed(2)}×`]);
    } finally {
      await mlflow.stop();
    }
  }
} finally {
  await connection.close();
  await temporal.stop();
  rmSync(dir, { recursive: true, force: true });
}

const width = Math.max(...rows.map(([k]) => k.length));
process.stdout.write(`\norchestration benchmark (${os.availableParallelism()} cores)\n`);
for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
