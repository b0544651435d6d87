/** The tracker seedsweep uses: MLflow behind a durable outbox in the state folder. */
import path from 'node:path';
import { stateDir as defaultStateDir } from '../core/common/paths.js';
import { ensureMlflow } from '../services/mlflow-server.js';
import { MlflowClient } from './mlflow-client.js';
import { MlflowTracker } from './mlflow-tracker.js';

export {
  MlflowClient,
  type MlflowClientOptions,
  type MlflowRun,
  type ArtifactEntry,
} from './mlflow-client.js';
export { MlflowTracker, type MlflowTrackerOptions, type SyncResult } from './mlflow-tracker.js';
export { MlflowRequestError, MlflowUnavailableError } from './mlflow-errors.js';
export { JournaledSender, NotReadyError, type Delivery, type DeliveryErrorKind } from './journaled-sender.js';
export { MlflowDelivery, type TrackingEntry } from './mlflow-delivery.js';
export { RunIndex, type SweepRef } from './run-index.js';
export { TAG, metricKey } from './run-data.js';
export type { Tracker, SweepInfo, RunStatus, StartTrialOptions } from './types.js';

/**
 * A tracker for `MLFLOW_TRACKING_URI` (credentials from `MLFLOW_TRACKING_TOKEN` or
 * `MLFLOW_TRACKING_USERNAME`/`MLFLOW_TRACKING_PASSWORD`), or for an embedded local MLflow server started
 * on demand when the variable is unset. Writes are journaled under `<stateDir>/outbox`.
 */
export async function createTracker(
  options: {
    /** State folder holding the outbox (and the embedded server's data). @default stateDir() from common/paths */
    stateDir?: string;
    /** Send each write right after journaling it. @default true */
    autoSync?: boolean;
  } = {},
): Promise<MlflowTracker> {
  const dir = options.stateDir ?? defaultStateDir();
  const { uri } = await ensureMlflow({ stateDir: dir });
  return new MlflowTracker({
    client: MlflowClient.fromEnv({ trackingUri: uri }),
    outboxDir: path.join(dir, 'outbox'),
    autoSync: options.autoSync ?? true,
  });
}
