/**
 * Sweeps that really train (TF.js pool, tiny synthetic data) and track to the real MLflow server:
 * a trial failing at epoch k resumes from its checkpoint, and a worker process killed with SIGKILL
 * mid-trial is replaced by another process; both end with the metrics of an undisturbed run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TrialRecord } from '../../../src/reporting/analysis/types.js';
import { querySweepProgress, submitSweep } from '../../../src/temporal/client/sweeps.js';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { TrialPool } from '../../../src/execution/pool.js';
import type { SweepSpec } from '../../../src/sweep-spec/schema.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { EPOCH_METRIC_KEYS, TAG } from '../../../src/tracking/run-data.js';
import type { Tracker } from '../../../src/tracking/types.js';
import { taskQueues, type SweepSummary } from '../../../src/temporal/shared/shared.js';
import { fingerprintOf, startWorker, tinySpec, uniqueName } from './harness.js';
import { realSweepSetup } from './harness.js';
import { workerArgs } from '../../cli-entry.js';

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

function byKey(records: TrialRecord[]): Map<string, TrialRecord> {
  return new Map(records.map((r) => [r.trialKey, r]));
}

/** MLflow holds one (active) run per trial of the sweep name, FINISHED, with each epoch's points once. */
async function expectOneRunPerTrialEachPointOnce(sweepName: string, trials: number, epochs: number) {
  const mlflow = new MlflowClient({ trackingUri: inject('mlflowUri') });
  const experimentId = (await mlflow.getExperimentIdByName(sweepName))!;
  const runs = await mlflow.searchRuns({
    experimentIds: [experimentId],
    filter: `tags.\`${TAG.role}\` = 'trial'`,
  });
  expect(new Set(runs.map((r) => r.tags[TAG.trialKey])).size).toBe(trials);
  expect(runs).toHaveLength(trials);
  for (const run of runs) {
    expect(run.status).toBe('FINISHED');
    for (const key of EPOCH_METRIC_KEYS) {
      const steps = (await mlflow.getMetricHistory({ runId: run.runId, key })).map((p) => p.step);
      expect(steps.sort((a, b) => a - b)).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
    }
  }
}

const specFor = (name: string, heartbeatSeconds = 10): SweepSpec =>
  tinySpec({ name, seeds: [0, 1], epochs: 3, concurrency: 2, models: ['cnn'], heartbeatSeconds });

let bundle: { code: string };
let bundleFile: string;
let connection: NativeConnection;
let client: Client;
let tracker: Tracker;
let pool: TrialPool;
let fingerprint: string;
let reference: Map<string, TrialRecord>;

beforeAll(async () => {
  ({ bundle, bundleFile, connection, client, tracker } = await realSweepSetup());
  pool = await TrialPool.create({ threads: 2 });

  // The undisturbed reference run.
  const spec = specFor(uniqueName('reference'));
  fingerprint = await fingerprintOf(spec);
  const worker = await startWorker({ connection, bundle, tracker, trainer: pool, threads: 2 });
  try {
    const { sweepId } = await submitSweep({
      client,
      spec,
      datasetFingerprint: fingerprint,
      taskQueues: worker.queues,
    });
    const summary = (await client.workflow.getHandle(sweepId).result()) as SweepSummary;
    expect(summary.counts.finished).toBe(2);
  } finally {
    await worker.stop();
  }
  reference = byKey(await tracker.finishedTrials({ sweepName: spec.name }));
  expect(reference.size).toBe(2);
});

afterAll(async () => {
  await pool?.destroy();
  await connection?.close();
});

describe('sweeps with real training', () => {
  it('a trial failing at epoch 2 is retried, resumes from its checkpoint and ends with the undisturbed metrics', async () => {
    const spec = specFor(uniqueName('fault'));
    const worker = await startWorker({ connection, bundle, tracker, trainer: pool, threads: 2 });
    try {
      const { sweepId } = await submitSweep({
        client,
        spec,
        datasetFingerprint: fingerprint,
        taskQueues: worker.queues,
        faultInjection: { failAtEpoch: 2 },
      });
      const summary = (await client.workflow.getHandle(sweepId).result()) as SweepSummary;
      expect(summary.counts).toMatchObject({ finished: 2, failed: 0 });
      const records = await tracker.finishedTrials({ sweepName: spec.name });
      expect(records).toHaveLength(2);
      for (const record of records) {
        expect(record.result.resumedFromEpoch).toBe(2);
        expect(outcome(record)).toEqual(outcome(reference.get(record.trialKey) as TrialRecord));
      }
      // The retry took each trial over with a run of its own: still one run, each point once.
      await expectOneRunPerTrialEachPointOnce(spec.name, 2, 3);
    } finally {
      await worker.stop();
    }
  });

  it('a worker process killed with SIGKILL mid-trial is replaced by another process that finishes with the same results', async () => {
    const spec = specFor(uniqueName('sigkill'), 4);
    const queues = taskQueues(uniqueName('kill'));
    const shared = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-shared-'));
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      MLFLOW_TRACKING_URI: inject('mlflowUri'),
      SEEDSWEEP_STATE_DIR: path.join(shared, 'state'),
      SEEDSWEEP_CHECKPOINT_DIR: path.join(shared, 'checkpoints'),
      SEEDSWEEP_WORKFLOW_BUNDLE: bundleFile,
    };
    const startProcess = (): ChildProcess =>
      spawn(
        process.execPath,
        [...workerArgs(), '--queue-prefix', queues.control.replace(/-control$/, ''), '--threads', '2'],
        {
          cwd: PACKAGE_ROOT,
          env,
          stdio: ['ignore', 'inherit', 'inherit'],
        },
      );
    const exited = (child: ChildProcess) =>
      new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const first = startProcess();
    const firstExit = exited(first);
    let second: ChildProcess | undefined;
    try {
      const { sweepId } = await submitSweep({
        client,
        spec,
        datasetFingerprint: fingerprint,
        taskQueues: queues,
      });
      // Kill once a trial is mid-way: at least one epoch done, not all.
      const deadline = Date.now() + 240_000;
      for (;;) {
        const progress = await querySweepProgress({ client, sweepId });
        if (progress?.trials.some((t) => t.state === 'running' && (t.epoch ?? 0) >= 1)) break;
        if (Date.now() > deadline) throw new Error('no trial reached epoch 1');
        await new Promise((r) => setTimeout(r, 100));
      }
      first.kill('SIGKILL');
      await firstExit;

      second = startProcess();
      const summary = (await client.workflow.getHandle(sweepId).result()) as SweepSummary;
      expect(summary.counts).toMatchObject({ finished: 2, failed: 0 });
      const records = await tracker.finishedTrials({ sweepName: spec.name });
      expect(records).toHaveLength(2);
      expect(records.some((r) => r.result.resumedFromEpoch >= 1)).toBe(true);
      for (const record of records)
        expect(outcome(record)).toEqual(outcome(reference.get(record.trialKey) as TrialRecord));
      await expectOneRunPerTrialEachPointOnce(spec.name, 2, 3);
    } finally {
      if (first.exitCode === null) first.kill('SIGKILL');
      if (second) {
        const secondExit = exited(second);
        second.kill('SIGTERM');
        expect(await secondExit).toBe(0);
      }
    }
  });
});
