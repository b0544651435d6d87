/**
 * Workers survive a Temporal server restart. The test runs its OWN dev server (a free
 * loopback port, a SQLite file in a temporary folder) so that it can SIGKILL it mid-sweep and start it
 * again on the same port and file, as a user restarting a crashed server would. The worker
 * (src/temporal/workers/main.ts, noop trainer) must say it lost the server and that it is back, poll again, and the
 * sweep must finish every trial exactly once. An attached `seedsweep run` (its worker in-process) must
 * wait through the outage, say so, and end with the sweep's summary. A worker whose server never comes back within
 * `--reconnect-minutes` must exit with code 2 and one `E_TEMPORAL_UNREACHABLE` line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { querySweepProgress, submitSweep } from '../../../src/temporal/client/sweeps.js';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { findFreePort, type SpawnedServer } from '../../../src/services/local-server.js';
import { startTemporalDevServer } from '../../../src/services/temporal-dev-server.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { TAG } from '../../../src/tracking/run-data.js';
import { taskQueues, type SweepSummary } from '../../../src/temporal/shared/shared.js';
import { isConnectionError } from '../../../src/temporal/workers/connection-monitor.js';
import { installTemporalRuntime } from '../../../src/temporal/workers/runtime.js';
import { fingerprintOf, tinySpec, uniqueName } from './harness.js';
import { cliArgs, workerArgs } from '../../cli-entry.js';

/** A dev server of this test's own that it can kill and start again on the same port and file. */
interface OwnServer {
  address: string;
  start(): Promise<void>;
  kill(): void;
  stop(): Promise<void>;
}

function ownServer(dir: string, port: number): OwnServer {
  let server: SpawnedServer | undefined;
  const options = {
    port,
    dbFile: path.join(dir, 'temporal.sqlite'),
    logFile: path.join(dir, 'temporal.log'),
    detached: false,
  };
  return {
    address: `127.0.0.1:${port}`,
    async start() {
      server = await startTemporalDevServer(options);
    },
    kill() {
      if (server) process.kill(server.pid, 'SIGKILL');
      server = undefined;
    },
    async stop() {
      await server?.stop(2000);
      server = undefined;
    },
  };
}

/** A worker process (src/temporal/workers/main.ts, noop trainer) against `address`; its output is collected. */
interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
}

function startWorkerProcess(options: {
  address: string;
  queuePrefix: string;
  dir: string;
  bundleFile: string;
  extraArgs?: string[];
}): WorkerProcess {
  const child = spawn(
    process.execPath,
    [
      ...workerArgs(),
      '--queue-prefix',
      options.queuePrefix,
      '--threads',
      '2',
      '--trainer',
      'noop',
      '--noop-epoch-ms',
      '300',
      ...(options.extraArgs ?? []),
    ],
    {
      cwd: PACKAGE_ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: options.address,
        MLFLOW_TRACKING_URI: inject('mlflowUri'),
        SEEDSWEEP_STATE_DIR: path.join(options.dir, 'state'),
        SEEDSWEEP_CHECKPOINT_DIR: path.join(options.dir, 'checkpoints'),
        SEEDSWEEP_WORKFLOW_BUNDLE: options.bundleFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(text)) {
        if (child.exitCode !== null)
          throw new Error(`worker exited (${child.exitCode}) before ${pattern}:\n${text}`);
        if (Date.now() > deadline) throw new Error(`worker did not print ${pattern} in time:\n${text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** The sweep's result, asking again while the server is still coming back. */
async function resultOf(client: Client, sweepId: string, timeoutMs: number): Promise<SweepSummary> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return (await client.workflow.getHandle(sweepId).result()) as SweepSummary;
    } catch (error) {
      if (!isConnectionError(error) || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

const tmpDirs: string[] = [];
const tmp = (stem: string) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), stem));
  tmpDirs.push(dir);
  return dir;
};
const servers: OwnServer[] = [];
const workers: WorkerProcess[] = [];
let bundleFile: string;

beforeAll(async () => {
  installTemporalRuntime();
  bundleFile = inject('workflowBundleFile');
});

afterAll(async () => {
  for (const w of workers)
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.stop()));
  if (!process.env['SEEDSWEEP_KEEP_TEST_DIR'])
    for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
});

describe('Temporal server restart', () => {
  it('a worker process reconnects after the server is SIGKILLed and restarted; the sweep finishes every trial once', async () => {
    const dir = tmp('seedsweep-restart-');
    const server = ownServer(dir, await findFreePort());
    servers.push(server);
    await server.start();
    const connection = await NativeConnection.connect({ address: server.address });
    const client = new Client({ connection });
    const queuePrefix = uniqueName('restart');
    const worker = startWorkerProcess({ address: server.address, queuePrefix, dir, bundleFile });
    workers.push(worker);
    try {
      await worker.waitFor(/ ready: Temporal /, 60_000);
      const spec = tinySpec({
        name: uniqueName('restart'),
        seeds: [0, 1, 2, 3, 4, 5, 6, 7],
        epochs: 5,
        concurrency: 2,
        heartbeatSeconds: 3,
      });
      const { sweepId } = await submitSweep({
        client,
        spec,
        datasetFingerprint: await fingerprintOf(spec),
        taskQueues: taskQueues(queuePrefix),
      });
      // Kill mid-sweep: some trials finished, others running past their first epoch.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const p = await querySweepProgress({ client, sweepId });
        if (p && p.counts.finished >= 1 && p.trials.some((t) => t.state === 'running' && (t.epoch ?? 0) >= 1))
          break;
        if (Date.now() > deadline) throw new Error(`the sweep did not get going:\n${worker.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      server.kill();
      const lostLine = new RegExp(
        `worker: lost Temporal at ${server.address.replace(/\./g, '\\.')}: .+; retrying for up to 10 min`,
      );
      await worker.waitFor(lostLine, 15_000);
      await new Promise((r) => setTimeout(r, 6000));
      await server.start();
      await worker.waitFor(/worker: Temporal at \S+ is back after [\d.]+ s; polling again/, 30_000);

      const summary = await resultOf(client, sweepId, 60_000);
      expect(summary.status, worker.output()).toBe('completed');
      expect(summary.counts).toMatchObject({ total: 8, finished: 8, failed: 0 });
      expect(worker.child.exitCode, worker.output()).toBeNull(); // the worker lived through it

      // Each trial's training activity was scheduled once and completed once.
      const history = await client.workflow.getHandle(sweepId).fetchHistory();
      const scheduled = new Map<string, string>();
      const completions = new Map<string, number>();
      for (const event of history.events ?? []) {
        const s = event.activityTaskScheduledEventAttributes;
        if (s?.activityType?.name === 'trainTrial' && s.activityId)
          scheduled.set(String(event.eventId), s.activityId.replace(/^trial-(\w+)-\d+$/, '$1'));
        const c = event.activityTaskCompletedEventAttributes;
        const key = c ? scheduled.get(String(c.scheduledEventId)) : undefined;
        if (key) completions.set(key, (completions.get(key) ?? 0) + 1);
      }
      expect(scheduled.size).toBe(8);
      expect(new Set(scheduled.values()).size).toBe(8);
      expect([...completions.values()]).toEqual(Array(8).fill(1));

      // And MLflow holds one finished run per trial.
      const mlflow = MlflowClient.fromEnv({ trackingUri: inject('mlflowUri') });
      const experimentId = await mlflow.getExperimentIdByName(spec.name);
      const runs = await mlflow.searchRuns({
        experimentIds: experimentId ? [experimentId] : [],
        filter: `tags.\`${TAG.role}\` = 'trial' and attributes.status = 'FINISHED'`,
      });
      const perKey = new Map<string, number>();
      for (const run of runs)
        perKey.set(run.tags[TAG.trialKey] ?? '', (perKey.get(run.tags[TAG.trialKey] ?? '') ?? 0) + 1);
      expect(perKey.size).toBe(8);
      expect(
        [...perKey.values()].every((n) => n === 1),
        JSON.stringify([...perKey]),
      ).toBe(true);

      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    } finally {
      await connection.close();
    }
  });

  it('an attached `seedsweep run` waits through the restart and ends with the summary', async () => {
    const dir = tmp('seedsweep-restart-run-');
    const server = ownServer(dir, await findFreePort());
    servers.push(server);
    await server.start();
    const specFile = path.join(dir, 'spec.yaml');
    writeFileSync(
      specFile,
      [
        `name: ${uniqueName('attached')}`,
        'dataset: { name: synthetic, train_size: 200, test_size: 100 }',
        'train: { epochs: 4, batch_size: 50, optimizer: adam, learning_rate: 0.001 }',
        'variants: { grid: { model: [fc] } }',
        'seeds: [0, 1, 2, 3]',
        'concurrency: 2',
        'retries: { max_attempts: 3, initial_interval_seconds: 1, backoff_coefficient: 1 }',
        'timeouts: { trial_minutes: 10, heartbeat_seconds: 3 }',
        'reuse: false',
        '',
      ].join('\n'),
    );
    const run = spawn(process.execPath, [...cliArgs(), 'run', specFile, '--threads', '2'], {
      cwd: PACKAGE_ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: server.address,
        MLFLOW_TRACKING_URI: inject('mlflowUri'),
        SEEDSWEEP_STATE_DIR: path.join(dir, 'state'),
        SEEDSWEEP_CHECKPOINT_DIR: path.join(dir, 'checkpoints'),
        SEEDSWEEP_WORKFLOW_BUNDLE: bundleFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    run.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    run.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => run.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 90_000;
      while (!/running epoch [1-3]\/4/.test(output)) {
        if (run.exitCode !== null || Date.now() > deadline)
          throw new Error(`run did not get going:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      server.kill();
      await new Promise((r) => setTimeout(r, 5000));
      await server.start();
      const code = await Promise.race([
        exited,
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 90_000)),
      ]);
      expect(code, output).toBe(0);
      expect(output).toMatch(
        /run: lost Temporal at 127\.0\.0\.1:\d+: .+; waiting \(running trials keep their checkpoints\) for up to 10 min/,
      );
      expect(output).toMatch(/run: Temporal at 127\.0\.0\.1:\d+ is back after [\d.]+ s; the sweep goes on/);
      expect(output).toMatch(/completed: 4 trained, 0 already done, 0 failed \(of 4\)/);
    } finally {
      if (run.exitCode === null) run.kill('SIGKILL');
    }
  });

  it('a worker whose server does not come back within --reconnect-minutes exits with code 2 and one E_TEMPORAL_UNREACHABLE line', async () => {
    const dir = tmp('seedsweep-restart-gone-');
    const server = ownServer(dir, await findFreePort());
    servers.push(server);
    await server.start();
    const worker = startWorkerProcess({
      address: server.address,
      queuePrefix: uniqueName('gone'),
      dir,
      bundleFile,
      extraArgs: ['--reconnect-minutes', '0.1'],
    });
    workers.push(worker);
    await worker.waitFor(/ ready: Temporal /, 60_000);
    const killedAt = Date.now();
    server.kill();
    const code = await Promise.race([
      worker.exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 40_000)),
    ]);
    const seconds = (Date.now() - killedAt) / 1000;
    const output = worker.output();
    expect(code, output).toBe(2);
    expect(output).toMatch(/worker: lost Temporal at 127\.0\.0\.1:\d+: .+; retrying for up to 0\.1 min/);
    const errors = output.split('\n').filter((line) => line.startsWith('error['));
    expect(errors, output).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^error\[E_TEMPORAL_UNREACHABLE\]: Temporal at 127\.0\.0\.1:\d+ unreachable for 0\.1 min .*exiting so that a supervisor restarts this worker\.$/,
    );
    expect(output).not.toMatch(/worker failed|unexpected error/);
    expect(seconds).toBeGreaterThanOrEqual(6); // not before the window
    expect(seconds).toBeLessThan(30);
  });
});
