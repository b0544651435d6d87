/**
 * Splitting a `runs/log-batch` payload to fit MLflow's per-request limits (the server rejects a batch
 * with more than 1,000 metrics, 100 params, 100 tags or 1,000 items in total).
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

/** MLflow's LogBatch limits (`MAX_METRICS_PER_BATCH` etc. in mlflow/utils/validation.py). */
export const LOG_BATCH_LIMITS: Readonly<LogBatchLimits> = {
  metrics: 1000,
  params: 100,
  tags: 100,
  total: 1000,
};

/** Most items of each kind, and in total, that one request may carry. */
export interface LogBatchLimits {
  metrics: number;
  params: number;
  tags: number;
  total: number;
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
  let m = 0;
  let p = 0;
  let t = 0;
  while (m < payload.metrics.length || p < payload.params.length || t < payload.tags.length) {
    const params = payload.params.slice(p, p + Math.min(limits.params, limits.total));
    p += params.length;
    const tags = payload.tags.slice(t, t + Math.min(limits.tags, limits.total - params.length));
    t += tags.length;
    const room = Math.min(limits.metrics, limits.total - params.length - tags.length);
    const metrics = payload.metrics.slice(m, m + room);
    m += metrics.length;
    batches.push({ metrics, params, tags });
  }
  return batches;
}
