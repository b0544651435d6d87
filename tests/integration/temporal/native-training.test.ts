/**
 * The native TensorFlow backend end to end: a sweep naming `backend: tensorflow` trains through the
 * graph engine in the worker's pool, records backend, TF version and device, keys its trials apart
 * from wasm, and a trial failing at epoch 2 resumes from its checkpoint to the undisturbed metrics
 * (the graph engine is deterministic run to run on CPU, so equality is exact).
 *
 * Needs `bash scripts/setup.sh` to have built the native backend. Without it the suite is skipped
 * locally, but fails in CI (CI=true), where setup must have built it unless SEEDSWEEP_NATIVE_TF=0.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TrialRecord } from '../../../src/reporting/analysis/types.js';
import { submitSweep } from '../../../src/temporal/client/sweeps.js';
import { graphAddonPath } from '../../../src/training/graph/native.js';
import { nativeBuildStatus } from '../../../src/training/backends/native-probe.js';
import { TrialPool } from '../../../src/execution/pool.js';
import { expandSweep } from '../../../src/sweep-spec/expand.js';
import { createTracker } from '../../../src/tracking/index.js';
import type { Tracker } from '../../../src/tracking/types.js';
import type { SweepSummary } from '../../../src/temporal/shared/shared.js';
import { connect, suiteWorkflowBundle, fingerprintOf, startWorker, tinySpec, uniqueName } from './harness.js';
import { existsSync } from 'node:fs';

const missing =
  nativeBuildStatusReason() ??
  (existsSync(graphAddonPath()) ? undefined : `${graphAddonPath()} is not built`);
function nativeBuildStatusReason(): string | undefined {
  const status = nativeBuildStatus('tensorflow');
  return status.built ? undefined : status.reason;
}
const required = process.env['CI'] === 'true' && process.env['SEEDSWEEP_NATIVE_TF'] !== '0';

const specFor = (name: string) =>
  tinySpec({ name, seeds: [0, 1], epochs: 3, concurrency: 2, models: ['cnn'], extra: 'backend: tensorflow' });

function outcome(record: TrialRecord) {
  return record.result.epochs.map(({ epoch, trainLoss, trainAccuracy, testLoss, testAccuracy }) => ({
    epoch,
    trainLoss,
    trainAccuracy,
    testLoss,
    testAccuracy,
  }));
}

describe('native TensorFlow backend', () => {
  it('is built where CI needs it', () => {
    if (required) expect(missing, 'scripts/setup.sh must build the native backend in CI').toBeUndefined();
  });

  describe.skipIf(missing !== undefined)(`sweeps on it${missing ? ` (skipped: ${missing})` : ''}`, () => {
    let bundle: { code: string };
    let connection: NativeConnection;
    let client: Client;
    let tracker: Tracker;
    let pool: TrialPool;
    let fingerprint: string;
    let reference: Map<string, TrialRecord>;

    beforeAll(async () => {
      process.env['MLFLOW_TRACKING_URI'] = inject('mlflowUri');
      bundle = suiteWorkflowBundle();
      ({ connection, client } = await connect());
      tracker = await createTracker({ stateDir: mkdtempSync(path.join(os.tmpdir(), 'seedsweep-state-')) });
      pool = await TrialPool.create({ threads: 2 });
      const spec = specFor(uniqueName('native-reference'));
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
      const records = await tracker.finishedTrials({ sweepName: spec.name });
      reference = new Map(records.map((r) => [r.trialKey, r]));
      expect(reference.size).toBe(2);
    });

    afterAll(async () => {
      await pool?.destroy();
      await connection?.close();
    });

    it('records backend, TF version and device, and keys trials apart from wasm', async () => {
      const wasmKeys = new Set(
        expandSweep({
          spec: tinySpec({ name: 'wasm', seeds: [0, 1], epochs: 3, concurrency: 2, models: ['cnn'] }),
          datasetFingerprint: fingerprint,
        }).map((t) => t.trialKey),
      );
      for (const record of reference.values()) {
        expect(record.result.backend).toMatchObject({ name: 'tensorflow', device: 'cpu' });
        expect(record.result.backend.tfVersion).toMatch(/^2\.\d+/);
        expect(record.config.backend).toBe('tensorflow');
        expect(wasmKeys.has(record.trialKey)).toBe(false);
        const [first, , last] = record.result.epochs;
        expect(last!['trainLoss']).toBeLessThan(first!['trainLoss']!); // it learns
      }
    });

    it('a trial failing at epoch 2 resumes from its checkpoint and ends with the undisturbed metrics', async () => {
      const spec = specFor(uniqueName('native-fault'));
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
          expect(outcome(record)).toEqual(outcome(reference.get(record.trialKey)!));
        }
      } finally {
        await worker.stop();
      }
    });
  });
});
