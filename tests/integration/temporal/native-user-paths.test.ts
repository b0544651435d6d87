/**
 * The orchestration paths users take, on the native TensorFlow backend (issue 16: the wasm-pinned
 * suites beside this one never trained natively in a process that then had to exit, and a native
 * process ended in SIGSEGV after printing its summary). Each process must exit 0, not by a signal:
 * - an own trainable (examples/mlp-digits' TF.js MLP, made small with --set) swept by an attached
 *   `seedsweep run`;
 * - an adaptive sweep (TPE + ASHA on examples/adaptive's learning curve) on a `seedsweep worker`
 *   process, stopped with SIGTERM as a supervisor would;
 * - an attached `seedsweep run` killed with SIGKILL mid-trial, then `seedsweep resume <id>`: it
 *   completes, resumes from checkpoints and ends with the metrics of an undisturbed run per trial key
 *   (as tests/integration/temporal/real-training.test.ts checks on wasm).
 * The specs name `backend: tensorflow`, and SEEDSWEEP_BACKEND (pinned to wasm for the suites) is removed
 * from the children's environment. Without the native build the suite is skipped with the reason,
 * except in CI, where setup must have built it (see native-training.test.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { submitSweep } from '../../../src/temporal/client/sweeps.js';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { fingerprintDataset } from '../../../src/datasets/plugins.js';
import type { TrialRecord } from '../../../src/core/domain/trial.js';
import { taskQueues, type SweepSummary } from '../../../src/temporal/shared/shared.js';
import { parseSweepSpec, resolveSpecModules } from '../../../src/sweep-spec/load.js';
import type { Tracker } from '../../../src/tracking/types.js';
import { cliArgs } from '../../cli-entry.js';
import {
  describeExit,
  nativeBackendMissing,
  nativeBackendRequired,
  realSweepSetup,
  startWorkerProcess,
  uniqueName,
} from './harness.js';

const missing = nativeBackendMissing();
const EXAMPLES = path.join(PACKAGE_ROOT, 'examples');
const SWEEP_ID = /^sweep (\S+): \d+ trial\(s\) planned/m;
const summaryLine = (total: number) =>
  new RegExp(`^sweep \\S+ completed: (\\d+) trained, (\\d+) already done, 0 failed \\(of ${total}\\)$`, 'm');

/** A `seedsweep` CLI process (the sources, as cli.test.ts runs them) with its output collected. */
interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves once the process has ended (read how with {@link describeExit}). */
  ended: Promise<void>;
}

function startCli(args: string[], stateDir: string): CliProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    MLFLOW_TRACKING_URI: inject('mlflowUri'),
    SEEDSWEEP_STATE_DIR: stateDir,
    // The suite's workflow bundle: an attached run would otherwise bundle the workflows itself each time.
    SEEDSWEEP_WORKFLOW_BUNDLE: bundleFile,
  };
  delete env['SEEDSWEEP_BACKEND'];
  const child = spawn(process.execPath, [...cliArgs(), ...args], {
    cwd: PACKAGE_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ended = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { child, output: () => output, ended };
}

/** Runs the CLI to its end; fails unless it exited 0 (a signal is named). */
async function runCli(args: string[], stateDir: string): Promise<string> {
  const cli = startCli(args, stateDir);
  await cli.ended;
  expect(describeExit(cli.child), `seedsweep ${args.join(' ')}:\n${cli.output()}`).toBe('exit code 0');
  return cli.output();
}

/** Waits until `probe` holds for the process's output so far; fails if the process ends first. */
async function waitForOutput(cli: CliProcess, probe: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe.test(cli.output())) {
    if (cli.child.exitCode !== null || cli.child.signalCode !== null || Date.now() > deadline)
      throw new Error(`no ${String(probe)} (${describeExit(cli.child)}):\n${cli.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The metrics that must be identical between a disturbed and an undisturbed run. */
function outcome(record: TrialRecord) {
  return record.result.epochs.map(({ epoch, trainLoss, trainAccuracy, testLoss, testAccuracy }) => ({
    epoch,
    trainLoss,
    trainAccuracy,
    testLoss,
    testAccuracy,
  }));
}

function expectNative(records: TrialRecord[]): void {
  expect(records.length).toBeGreaterThan(0);
  for (const record of records) {
    expect(record.result.backend).toMatchObject({ name: 'tensorflow', device: 'cpu' });
    expect(record.result.backend.tfVersion).toMatch(/^2\.\d+/);
  }
}

let bundleFile = '';

describe('the native backend on the paths users take', () => {
  it('is built where CI needs it', () => {
    if (nativeBackendRequired)
      expect(missing, 'scripts/setup.sh must build the native backend in CI').toBeUndefined();
  });

  describe.skipIf(missing !== undefined)(`tensorflow${missing ? ` (skipped: ${missing})` : ''}`, () => {
    let connection: NativeConnection;
    let client: Client;
    let tracker: Tracker;
    let dir: string;

    beforeAll(async () => {
      ({ bundleFile, connection, client, tracker } = await realSweepSetup());
      dir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-native-paths-'));
    });

    afterAll(async () => {
      await connection?.close();
    });

    it('an own trainable (the TF.js MLP example) swept by an attached `seedsweep run` trains natively and the CLI exits 0', async () => {
      // The example as users run it, made small with --set (4 trials of 300 images × 2 epochs).
      const output = await runCli(
        [
          'run',
          path.join(EXAMPLES, 'mlp-digits', 'sweep.yaml'),
          ...[
            '--set',
            `name=${uniqueName('native-own')}`,
            '--set',
            'backend=tensorflow',
            '--set',
            'reuse=false',
          ],
          ...['--set', 'dataset.options.train_size=300', '--set', 'dataset.options.test_size=100'],
          ...['--set', 'train.epochs=2', '--set', 'seeds=[0]', '--threads', '2'],
        ],
        path.join(dir, 'own-state'),
      );
      expect(output).toMatch(summaryLine(4));
      const sweepId = SWEEP_ID.exec(output)![1]!;
      const records = await tracker.finishedTrials({ sweepId });
      expect(records).toHaveLength(4);
      expectNative(records);
    });

    it('an adaptive sweep (TPE + ASHA) on a worker process trains natively; the worker exits 0 on SIGTERM', async () => {
      const name = uniqueName('native-adaptive');
      const text = `
name: ${name}
trainable: ./curves.ts#curves
params: { noise: 0.01, epoch_ms: 50 }
train: { epochs: 9 }
variants:
  sampler:
    name: tpe
    trials: 8
    seed: 0
    options: { nStartupTrials: 3 }
    params:
      log_lr: { uniform: [-5, 0] }
      width: { logint: [8, 512] }
seeds: [0]
concurrency: 2
objective: { metric: accuracy, mode: max }
early_stopping: { rule: asha, reduction_factor: 3, min_resource: 1 }
backend: tensorflow
reuse: false
`;
      const folder = path.join(EXAMPLES, 'adaptive');
      const spec = parseSweepSpec({
        text,
        file: path.join(folder, `${name}.yaml`),
        modules: await resolveSpecModules(parseYaml(text), folder),
      });
      const queues = taskQueues(uniqueName('native-adaptive'));
      const worker = startWorkerProcess({
        queues,
        bundleFile,
        dir: mkdtempSync(path.join(dir, 'adaptive-')),
        threads: 2,
        env: { SEEDSWEEP_BACKEND: undefined },
      });
      try {
        const { sweepId } = await submitSweep({
          client,
          spec,
          datasetFingerprint: await fingerprintDataset(spec.dataset),
          taskQueues: queues,
        });
        const summary = (await client.workflow.getHandle(sweepId).result()) as SweepSummary;
        expect(summary).toMatchObject({ status: 'completed', counts: { total: 8, failed: 0 } });
        expect(summary.plan).toBe('sampler tpe: all 8 configurations proposed');
        expect(summary.counts.earlyStopped).toBeGreaterThan(0);
        expectNative(await tracker.finishedTrials({ sweepId }));
      } finally {
        if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGTERM');
        await worker.exited;
      }
      expect(describeExit(worker.child)).toBe('exit code 0');
    });

    it('`seedsweep run` killed with SIGKILL mid-trial, then `seedsweep resume <id>`: completes with the undisturbed metrics', async () => {
      const specFor = (name: string) => {
        const file = path.join(dir, `${name}.yaml`);
        writeFileSync(
          file,
          `name: ${name}
dataset: { name: synthetic, train_size: 1000, test_size: 250 }
train: { epochs: 3, batch_size: 64, optimizer: adam, learning_rate: 0.001 }
variants: { grid: { model: [cnn] } }
seeds: [0, 1, 2]
concurrency: 2
backend: tensorflow
# Both runs train their own trials (equal trial keys would otherwise be reused).
reuse: false
`,
        );
        return file;
      };

      const reference = await runCli(
        ['run', specFor(uniqueName('native-undisturbed')), '--threads', '2'],
        path.join(dir, 'ref-state'),
      );
      expect(reference).toMatch(summaryLine(3));
      const referenceRecords = await tracker.finishedTrials({ sweepId: SWEEP_ID.exec(reference)![1]! });
      expect(referenceRecords).toHaveLength(3);
      expectNative(referenceRecords);
      const undisturbed = new Map(referenceRecords.map((r) => [r.trialKey, r]));

      // The killed run and the resume share a state folder: the resume finds the checkpoints there.
      const state = path.join(dir, 'kill-state');
      const first = startCli(['run', specFor(uniqueName('native-killed')), '--threads', '2'], state);
      try {
        // Mid-way: a trial has finished its first epoch (checkpointed) and has two more to go.
        await waitForOutput(first, /running epoch 1\/3/, 240_000);
      } finally {
        first.child.kill('SIGKILL');
        await first.ended;
      }
      expect(describeExit(first.child)).toBe('killed by SIGKILL');
      const sweepId = SWEEP_ID.exec(first.output())![1]!;
      const killedAfter = (await tracker.finishedTrials({ sweepId })).length;
      expect(killedAfter, 'killed before every trial finished').toBeLessThan(3);

      const resumed = await runCli(['resume', sweepId, '--threads', '2'], state);
      expect(resumed).toMatch(summaryLine(3));
      const records = await tracker.finishedTrials({ sweepId });
      expect(records.map((r) => r.trialKey).sort()).toEqual([...undisturbed.keys()].sort());
      expectNative(records);
      expect(
        records.some((r) => r.result.resumedFromEpoch >= 1),
        'a trial resumed from its checkpoint',
      ).toBe(true);
      for (const record of records)
        expect(outcome(record)).toEqual(outcome(undisturbed.get(record.trialKey)!));
    });
  });
});
