/**
 * The study's own image classifier tuned by a sampler, end to end: sweeps/tests/tiny-search.yaml (the
 * synthetic twin of sweeps/cifar10-search.yaml: TPE over kernel size, filters and learning rate, ASHA
 * stopping the weak configurations) runs through the real Temporal dev server, a real training pool
 * (TF.js on wasm) and the real MLflow server. TPE proposes every configuration (the first at random,
 * then from the results), each a config of the built-in trainable; ASHA stops some at its rung; MLflow
 * holds every finished trial under its planned key; the report covers the finished ones and says why
 * the others have no result.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepReport } from '../../../src/reporting/analysis/report-types.js';
import { querySweepProgress, submitSweep } from '../../../src/temporal/client/sweeps.js';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { fingerprintDataset } from '../../../src/datasets/plugins.js';
import { TrialPool } from '../../../src/execution/pool.js';
import type { SweepSummary } from '../../../src/temporal/shared/shared.js';
import { loadSweepSpec } from '../../../src/sweep-spec/load.js';
import type { Tracker } from '../../../src/tracking/types.js';
import { realSweepSetup, startWorker, uniqueName } from './harness.js';

const SPEC = path.join(PACKAGE_ROOT, 'sweeps', 'tests', 'tiny-search.yaml');

let bundle: { code: string };
let connection: NativeConnection;
let client: Client;
let tracker: Tracker;
let pool: TrialPool;

beforeAll(async () => {
  ({ bundle, connection, client, tracker } = await realSweepSetup());
  pool = await TrialPool.create({ threads: 2, backend: 'wasm' });
});

afterAll(async () => {
  await pool?.destroy();
  await connection?.close();
});

describe('a sampler sweep of the built-in image classifier', () => {
  it('TPE proposes every configuration, ASHA stops weak ones, MLflow and the report hold the rest', async () => {
    const name = uniqueName('study-search');
    // Its own trials (another test's equal keys on the shared MLflow server must not be reused).
    const spec = await loadSweepSpec(SPEC, { overrides: [`name=${name}`, 'reuse=false'] });
    expect(spec.trainable).toBeUndefined(); // the built-in, named by omission
    const worker = await startWorker({ connection, bundle, tracker, trainer: pool, threads: 2 });
    try {
      const { sweepId } = await submitSweep({
        client,
        spec,
        datasetFingerprint: await fingerprintDataset(spec.dataset),
        taskQueues: worker.queues,
      });
      const summary = (await client.workflow.getHandle(sweepId).result()) as SweepSummary;
      expect(summary).toMatchObject({ status: 'completed', counts: { total: 6, failed: 0 } });
      expect(summary.plan).toBe('sampler tpe: all 6 configurations proposed');
      expect(summary.counts.earlyStopped).toBeGreaterThan(0); // ASHA stopped some at epoch 1
      expect(summary.counts.finished).toBeGreaterThan(0);
      expect(summary.counts.finished + summary.counts.earlyStopped).toBe(6);

      // Every configuration came from the sampler, as a config of the built-in trainable: the spec's
      // fixed params, the drawn ones by their spec names, the learning rate as a training setting.
      const progress = await querySweepProgress({ client, sweepId, pending: true });
      const trials = progress?.trials ?? [];
      expect(trials).toHaveLength(6);
      expect(trials.every((t) => t.chosenBy?.startsWith('sampler tpe: configuration '))).toBe(true);
      expect(new Set(trials.map((t) => t.trialKey)).size).toBe(6);
      const stopped = trials.filter((t) => t.state === 'early-stopped');
      expect(stopped.length).toBe(summary.counts.earlyStopped);
      // ASHA's rung at epoch 1: a trial below the top third of those that reached it so far stops.
      for (const t of stopped) {
        expect(t.epoch).toBe(1);
        expect(t.reason).toMatch(
          /^rung 0 \(epoch 1\): .+ of \d+ trials in group sweep; only the top \d+ \(1\/3(, at least 1)?\) go on$/,
        );
      }

      const records = await tracker.finishedTrials({ sweepName: name });
      expect(records).toHaveLength(summary.counts.finished);
      for (const record of records) {
        expect(trials.map((t) => t.trialKey)).toContain(record.trialKey);
        const { config } = record;
        expect(config.model).toBe('image-classifier');
        expect(config.trainable).toBeUndefined();
        expect(config.modelOptions).toMatchObject({ model: 'cnn', filters2: 8, dense_units: 16 });
        expect(config.modelOptions['kernel_size']).toBeGreaterThanOrEqual(2);
        expect(config.modelOptions['kernel_size']).toBeLessThanOrEqual(5);
        expect(config.modelOptions['filters1']).toBeGreaterThanOrEqual(4);
        expect(config.modelOptions['filters1']).toBeLessThanOrEqual(16);
        expect(config.modelOptions).not.toHaveProperty('learning_rate');
        expect(config.train.learningRate).toBeGreaterThanOrEqual(0.001);
        expect(config.train.learningRate).toBeLessThanOrEqual(0.03);
        expect(record.result.epochs).toHaveLength(3);
        expect(record.result.final['testAccuracy']).toBeGreaterThanOrEqual(0);
        expect(record.result.modelStats?.convParams).toBeGreaterThan(0);
        expect(record.result.backend.name).toBe('wasm');
      }

      // The report: every finished configuration a group, every stopped one stated with its reason.
      expect(summary.report?.records).toBe(summary.counts.finished);
      const report = JSON.parse(
        readFileSync(path.join(summary.report!.reportDir, 'report.json'), 'utf8'),
      ) as SweepReport;
      expect(report.groups).toHaveLength(summary.counts.finished);
      expect(report.groups.every((g) => g.n === 1 && g.modelStats !== undefined)).toBe(true);
      // A search's report: the stopped configurations are in its leaderboard as pruned, with the rung
      // and epoch ASHA stopped them at, not among the missing seeds.
      expect((report.missingGroups ?? []).flatMap((g) => g.missing)).toEqual([]);
      const board = report.leaderboard!;
      expect(board).toMatchObject({ sampler: 'tpe', pruner: 'asha' });
      expect(board.entries).toHaveLength(summary.counts.total);
      expect(board.counts.pruned).toBe(summary.counts.earlyStopped);
      expect(board.counts.completed).toBe(summary.counts.finished);
      const pruned = board.entries.filter((e) => e.status === 'pruned');
      expect(pruned.every((e) => e.rank === null && e.epoch === 1 && e.rung === 0)).toBe(true);
      expect(pruned.every((e) => e.why === 'pruned by asha at epoch 1')).toBe(true);
    } finally {
      await worker.stop();
    }
  });
});
