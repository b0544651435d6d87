/**
 * Where the tracking fault points sit (src/core/common/fault-points.ts, replaced by a recorder here): what the
 * server and the outbox hold at the instant each one is reached, which is what a SIGKILL there leaves.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FaultPointName } from '../../../src/core/common/fault-points.js';
import { JournaledSender } from '../../../src/tracking/journaled-sender.js';
import { MlflowClient, type MetricPoint } from '../../../src/tracking/mlflow-client.js';
import { MlflowDelivery, type TrackingEntry } from '../../../src/tracking/mlflow-delivery.js';
import { Outbox } from '../../../src/tracking/outbox.js';
import type { RunIndex } from '../../../src/tracking/run-index.js';
import { TrialRunJournal } from '../../../src/tracking/trial-run-journal.js';

/** Called with the point's name whenever code under test reaches a fault point. */
const reached = vi.hoisted(() => ({ hook: (_point: string) => {} }));
vi.mock('../../../src/core/common/fault-points.js', () => ({
  faultPoint: (point: FaultPointName) => reached.hook(point),
}));

beforeEach(() => {
  reached.hook = () => {};
});

const epoch = (n: number) => ({
  epoch: n,
  trainLoss: 1 / n,
  trainAccuracy: 0.5,
  testLoss: 1 / n,
  testAccuracy: 0.5,
  epochSeconds: 1,
  imagesPerSecond: 10,
});

describe('log-batch', () => {
  it('is reached after the epochs were logged and before the outbox marks them delivered', async () => {
    const logged: MetricPoint[] = [];
    const client = {
      trackingUri: 'http://fake',
      getMetricHistory: async () => [],
      logBatch: async (options: { metrics?: MetricPoint[] }) => void logged.push(...(options.metrics ?? [])),
    } as unknown as MlflowClient;
    const index = { trialRunId: async () => 'run-1' } as unknown as RunIndex;
    const outbox = new Outbox<TrackingEntry>({ dir: mkdtempSync(path.join(os.tmpdir(), 'fault-outbox-')) });
    const runs = new TrialRunJournal({ dir: path.join(outbox.dir, 'runs') });
    const sender = new JournaledSender<TrackingEntry>({
      outbox,
      delivery: new MlflowDelivery({ client, index, runs }),
      autoSync: false,
      warn: () => {},
    });
    for (const n of [1, 2])
      await sender.write({ kind: 'logEpoch', time: 1, sweepId: 's', trialKey: 'k', metrics: epoch(n) });
    const seen: { point: string; logged: number; pending: number }[] = [];
    reached.hook = (point) => seen.push({ point, logged: logged.length, pending: outbox.pendingCount() });
    expect(await sender.sync()).toMatchObject({ sent: 2, pending: 0 });
    // One group (both epochs), fully logged, both entries still pending in the journal.
    expect(seen).toEqual([{ point: 'log-batch', logged: logged.length, pending: 2 }]);
    expect(logged.length).toBeGreaterThan(0);
    expect(new Set(logged.map((p) => p.step))).toEqual(new Set([1, 2]));
  });
});

describe('log-batch-between-chunks', () => {
  let server: Server;
  let received: number[];
  let uri: string;
  beforeEach(async () => {
    received = [];
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        if (request.url?.endsWith('/runs/log-batch'))
          received.push((JSON.parse(body) as { metrics: unknown[] }).metrics.length);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const metrics = (count: number): MetricPoint[] =>
    Array.from({ length: count }, (_, i) => ({ key: `m${i % 7}`, value: i, step: i, timestamp: 1 }));

  it('is reached after each accepted chunk that another chunk follows, never before the first', async () => {
    const seen: number[][] = [];
    reached.hook = (point) => {
      expect(point).toBe('log-batch-between-chunks');
      seen.push([...received]);
    };
    const client = new MlflowClient({ trackingUri: uri, maxRetries: 0 });
    await client.logBatch({ runId: 'r', metrics: metrics(2500) });
    expect(received).toEqual([1000, 1000, 500]);
    expect(seen).toEqual([[1000], [1000, 1000]]);
    seen.length = 0;
    await client.logBatch({ runId: 'r', metrics: metrics(10) });
    expect(seen).toEqual([]);
  });
});
