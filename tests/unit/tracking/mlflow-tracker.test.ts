import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../../../src/services/local-server.js';
import type { PlannedTrial } from '../../../src/sweep-spec/types.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { MlflowTracker } from '../../../src/tracking/mlflow-tracker.js';

const trial: PlannedTrial = {
  trialKey: 'k1',
  groupKey: 'g1',
  groupLabel: 'model=fc',
  factors: { model: 'fc' },
  seed: 0,
  queue: 'cpu',
  config: {
    model: 'fc',
    modelOptions: {},
    train: { epochs: 2, batchSize: 64, optimizer: 'adam', learningRate: 0.001 },
    dataset: { name: 'synthetic' },
  },
};
const epoch = (n: number) => ({
  epoch: n,
  trainLoss: 1,
  trainAccuracy: 0.5,
  testLoss: 1,
  testAccuracy: 0.5,
  epochSeconds: 1,
  imagesPerSecond: 10,
});

describe('MlflowTracker with no server to talk to', () => {
  it('journals every write without throwing, warns once, and reports what is pending', async () => {
    const port = await findFreePort(); // nothing listens there
    const warnings: string[] = [];
    const outboxDir = mkdtempSync(path.join(os.tmpdir(), 'tracker-down-'));
    const tracker = new MlflowTracker({
      client: new MlflowClient({
        trackingUri: `http://127.0.0.1:${port}`,
        maxRetries: 1,
        retryBaseDelayMs: 5,
      }),
      outboxDir,
      warn: (message) => warnings.push(message),
    });
    await tracker.startSweep({ sweepId: 's', sweepName: 'study' });
    await tracker.startTrial('s', trial);
    await tracker.logEpoch('s', 'k1', epoch(1));
    await tracker.logEpoch('s', 'k1', epoch(2));
    await tracker.finishTrial('s', 'k1', { status: 'FAILED', error: 'boom' });
    // A model folder that is already gone is reported, not a reason to fail the write.
    await tracker.finishTrial('s', 'k1', {
      status: 'FINISHED',
      result: {
        epochs: [epoch(1)],
        final: epoch(1),
        modelStats: { totalParams: 1, convParams: 0, denseParams: 1, flopsPerImage: 2 },
        backend: { name: 'cpu', version: '4' },
        resumedFromEpoch: 0,
        modelDir: path.join(outboxDir, 'gone'),
      },
    });
    await tracker.finishSweep('s', { status: 'FAILED' });
    expect(tracker.pendingCount()).toBe(7);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toContain('gone');
    expect(warnings[0]).toContain('ECONNREFUSED');
    expect(warnings[0]).toContain(outboxDir);
    const result = await tracker.sync();
    expect(result).toMatchObject({ sent: 0, pending: 7, failed: 0 });
    expect(result.error).toContain('ECONNREFUSED');
    await expect(tracker.runIdOf('s', 'k1')).rejects.toThrow(/ECONNREFUSED/);
    // A second tracker on the same folder (another process) sees the same journal.
    const other = new MlflowTracker({
      client: new MlflowClient({ trackingUri: `http://127.0.0.1:${port}` }),
      outboxDir,
      autoSync: false,
    });
    expect(other.pendingCount()).toBe(7);
  });
});
