/**
 * Splitting a `runs/log-batch` payload to fit MLflow's per-request limits (the server rejects a batch
 * with more than 1,000 metrics, 100 params, 100 tags, 1,000 items in total or a body over 1 MB).
 */

export interface MetricPoint {
  key: string;
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  step: number;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface LogBatchPayload {
  metrics: MetricPoint[];
  params: KeyValue[];
  tags: KeyValue[];
}

/**
 * MLflow's LogBatch limits (`MAX_METRICS_PER_BATCH` etc. and `MAX_BATCH_LOG_REQUEST_SIZE` in
 * mlflow/utils/validation.py); `bytes` leaves room for the request's own fields.
 */
export const LOG_BATCH_LIMITS: Readonly<LogBatchLimits> = {
  metrics: 1000,
  params: 100,
  tags: 100,
  total: 1000,
  bytes: 900_000,
};

/** Most items of each kind, and in total, that one request may carry. */
export interface LogBatchLimits {
  metrics: number;
  params: number;
  tags: number;
  total: number;
  /** Most JSON bytes of the items of one request (a single larger item still goes, alone). @default no limit */
  bytes?: number;
}

/**
 * Splits a payload into batches that each respect `limits`, keeping the order within each kind.
 * Params and tags go first (they are few), metrics fill the remaining room. An empty payload gives no batch.
 */
export function chunkLogBatch(
  payload: LogBatchPayload,
  limits: Readonly<LogBatchLimits> = LOG_BATCH_LIMITS,
): LogBatchPayload[] {
  const batches: LogBatchPayload[] = [];
  const next = { metrics: 0, params: 0, tags: 0 };
  const maxBytes = limits.bytes ?? Infinity;
  while (
    next.metrics < payload.metrics.length ||
    next.params < payload.params.length ||
    next.tags < payload.tags.length
  ) {
    const batch: LogBatchPayload = { metrics: [], params: [], tags: [] };
    let count = 0;
    let bytes = 0;
    for (const kind of ['params', 'tags', 'metrics'] as const) {
      const items = payload[kind] as (KeyValue | MetricPoint)[];
      const into = batch[kind] as (KeyValue | MetricPoint)[];
      while (next[kind] < items.length && into.length < limits[kind] && count < limits.total) {
        const item = items[next[kind]]!;
        const size = JSON.stringify(item).length + 1;
        if (count > 0 && bytes + size > maxBytes) break;
        into.push(item);
        next[kind] += 1;
        count += 1;
        bytes += size;
      }
    }
    batches.push(batch);
  }
  return batches;
}
