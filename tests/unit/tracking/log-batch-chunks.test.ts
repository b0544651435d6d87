import { describe, expect, it } from 'vitest';
import {
  LOG_BATCH_LIMITS,
  chunkLogBatch,
  type LogBatchPayload,
} from '../../../src/tracking/log-batch-chunks.js';

function payload(metrics: number, params: number, tags: number): LogBatchPayload {
  return {
    metrics: Array.from({ length: metrics }, (_, i) => ({ key: 'm', value: i, timestamp: 0, step: i })),
    params: Array.from({ length: params }, (_, i) => ({ key: `p${i}`, value: String(i) })),
    tags: Array.from({ length: tags }, (_, i) => ({ key: `t${i}`, value: String(i) })),
  };
}

function expectWithinLimits(batches: LogBatchPayload[]) {
  for (const batch of batches) {
    expect(batch.metrics.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.metrics);
    expect(batch.params.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.params);
    expect(batch.tags.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.tags);
    expect(batch.metrics.length + batch.params.length + batch.tags.length).toBeLessThanOrEqual(
      LOG_BATCH_LIMITS.total,
    );
    expect(batch.metrics.length + batch.params.length + batch.tags.length).toBeGreaterThan(0);
  }
}

describe('chunkLogBatch', () => {
  it('gives no request for an empty payload', () => {
    expect(chunkLogBatch(payload(0, 0, 0))).toEqual([]);
  });

  it('keeps a payload within the limits in one request', () => {
    const batches = chunkLogBatch(payload(800, 100, 100));
    expect(batches).toHaveLength(1);
    expectWithinLimits(batches);
  });

  it('splits metrics into requests of at most 1,000', () => {
    const batches = chunkLogBatch(payload(2500, 0, 0));
    expect(batches.map((b) => b.metrics.length)).toEqual([1000, 1000, 500]);
  });

  it('counts params and tags against the 1,000-item total and keeps every item once, in order', () => {
    const input = payload(1000, 150, 130);
    const batches = chunkLogBatch(input);
    expectWithinLimits(batches);
    expect(batches.map((b) => [b.params.length, b.tags.length, b.metrics.length])).toEqual([
      [100, 100, 800],
      [50, 30, 200],
    ]);
    expect(batches.flatMap((b) => b.metrics)).toEqual(input.metrics);
    expect(batches.flatMap((b) => b.params)).toEqual(input.params);
    expect(batches.flatMap((b) => b.tags)).toEqual(input.tags);
  });

  it("keeps each request's items under MLflow's 1 MB body limit", () => {
    const input: LogBatchPayload = {
      metrics: payload(500, 0, 0).metrics,
      params: Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: 'x'.repeat(6000) })),
      tags: Array.from({ length: 100 }, (_, i) => ({ key: `t${i}`, value: 'y'.repeat(8000) })),
    };
    const batches = chunkLogBatch(input);
    expect(batches.length).toBeGreaterThan(1);
    expectWithinLimits(batches);
    for (const batch of batches) expect(JSON.stringify(batch).length).toBeLessThan(1_000_000);
    expect(batches.flatMap((b) => b.params)).toEqual(input.params);
    expect(batches.flatMap((b) => b.tags)).toEqual(input.tags);
    expect(batches.flatMap((b) => b.metrics)).toEqual(input.metrics);
  });

  it('honours smaller limits', () => {
    const batches = chunkLogBatch(payload(7, 5, 3), { metrics: 4, params: 2, tags: 2, total: 5 });
    for (const b of batches)
      expect(b.metrics.length + b.params.length + b.tags.length).toBeLessThanOrEqual(5);
    expect(batches.flatMap((b) => b.metrics)).toHaveLength(7);
    expect(batches.flatMap((b) => b.params)).toHaveLength(5);
    expect(batches.flatMap((b) => b.tags)).toHaveLength(3);
  });
});
